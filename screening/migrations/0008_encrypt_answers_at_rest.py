"""Encryption at rest (review D5): the answer columns become text holding Fernet tokens, and the existing rows are
encrypted in batches (reverse: decrypted, then the columns are JSON again). Uses the keys of
settings.FIELD_ENCRYPTION_KEYS, so set it before migrating a real database.

The rows are read and written with plain SQL, not through the model: the historical model's field decrypts, and
the rows being migrated are not encrypted yet. Already-encrypted values are left alone (a re-run is harmless)."""

from django.db import migrations

import screening.encrypted_fields

BATCH = 500

# (model, encrypted columns)
ENCRYPTED = [
    ("screening", ["answers", "set_aside_answers", "assessment"]),
    ("assessmentrecord", ["answers"]),
    ("jobitem", ["payload"]),
]


def _rewrite(apps, schema_editor, convert):
    connection = schema_editor.connection
    qn = connection.ops.quote_name
    for model_name, columns in ENCRYPTED:
        model = apps.get_model("screening", model_name)
        table, pk = qn(model._meta.db_table), qn(model._meta.pk.column)
        select = f"SELECT {pk}, {', '.join(qn(c) for c in columns)} FROM {table}"
        update = f"UPDATE {table} SET {', '.join(f'{qn(c)} = %s' for c in columns)} WHERE {pk} = %s"
        last = None
        while True:
            with connection.cursor() as cursor:  # keyset pagination: memory stays flat on any table size
                if last is None:
                    cursor.execute(f"{select} ORDER BY {pk} LIMIT %s", [BATCH])
                else:
                    cursor.execute(f"{select} WHERE {pk} > %s ORDER BY {pk} LIMIT %s", [last, BATCH])
                rows = cursor.fetchall()
                if not rows:
                    break
                changed = []
                for key, *values in rows:
                    converted = [convert(value) for value in values]
                    if converted != values:
                        changed.append([*converted, key])
                if changed:
                    cursor.executemany(update, changed)
            last = rows[-1][0]


def _encrypt(value):
    from screening.encryption import encrypt_text, is_token

    if value is None or is_token(value):
        return value
    return encrypt_text(value)  # the JSON text as stored (PostgreSQL: jsonb cast to text)


def _decrypt(value):
    from screening.encryption import decrypt_text, is_token

    return decrypt_text(value) if is_token(value) else value


def encrypt_rows(apps, schema_editor):
    _rewrite(apps, schema_editor, _encrypt)


def decrypt_rows(apps, schema_editor):
    _rewrite(apps, schema_editor, _decrypt)


class Migration(migrations.Migration):
    dependencies = [("screening", "0007_country_information_editors")]

    operations = [
        migrations.AlterField(
            model_name="assessmentrecord",
            name="answers",
            field=screening.encrypted_fields.EncryptedJSONField(
                default=dict, help_text="The answers the superseded assessment was made from"
            ),
        ),
        migrations.AlterField(
            model_name="jobitem",
            name="payload",
            field=screening.encrypted_fields.EncryptedJSONField(
                blank=True, default=dict, help_text="The item as received (encrypted at rest)"
            ),
        ),
        migrations.AlterField(
            model_name="screening",
            name="answers",
            field=screening.encrypted_fields.EncryptedJSONField(default=dict),
        ),
        migrations.AlterField(
            model_name="screening",
            name="assessment",
            field=screening.encrypted_fields.EncryptedJSONField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="screening",
            name="set_aside_answers",
            field=screening.encrypted_fields.EncryptedJSONField(
                blank=True,
                default=dict,
                help_text="Answers to questions that a later change made not applicable; restored if they apply again",
            ),
        ),
        migrations.RunPython(encrypt_rows, decrypt_rows, elidable=False),
    ]
