"""The audit trail's hash chains (screening/audit_chain.py): position and hashes on every event, one head row per
chain, and hashes for the events that exist already, chained per organisation in order of (at, id)."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def chain_existing_events(apps, schema_editor):
    # The chain's own hash function: a stored event must hash now as verify_audit will hash it.
    from screening.audit_chain import HASHED_FIELDS, chain_key, event_digest

    AuditEvent = apps.get_model("screening", "AuditEvent")
    AuditChain = apps.get_model("screening", "AuditChain")
    organisation_ids = set(AuditEvent.objects.values_list("organisation_id", flat=True).distinct())
    for organisation_id in organisation_ids:
        seq, prev, batch = 0, "", []
        for event in AuditEvent.objects.filter(organisation_id=organisation_id).order_by("at", "id").iterator(2000):
            seq += 1
            event.chain_seq, event.prev_hash = seq, prev
            event.hash = event_digest(prev_hash=prev, fields={name: getattr(event, name) for name in HASHED_FIELDS})
            prev = event.hash
            batch.append(event)
            if len(batch) >= 1000:
                AuditEvent.objects.bulk_update(batch, ["chain_seq", "prev_hash", "hash"])
                batch = []
        AuditEvent.objects.bulk_update(batch, ["chain_seq", "prev_hash", "hash"])
        AuditChain.objects.create(
            key=chain_key(organisation_id), organisation_id=organisation_id, head_seq=seq, head_hash=prev
        )


class Migration(migrations.Migration):
    dependencies = [
        ("screening", "0009_screening_case_notes"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditChain",
            fields=[
                (
                    "key",
                    models.CharField(
                        help_text="'organisation:<id>' or 'platform'", max_length=40, primary_key=True, serialize=False
                    ),
                ),
                ("head_seq", models.PositiveBigIntegerField(default=0)),
                ("head_hash", models.CharField(blank=True, max_length=64)),
                ("anchor_seq", models.PositiveBigIntegerField(default=0)),
                ("anchor_hash", models.CharField(blank=True, max_length=64)),
                (
                    "organisation",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="audit_chain",
                        to="screening.organisation",
                    ),
                ),
            ],
        ),
        migrations.AddField(
            model_name="auditevent",
            name="chain_seq",
            field=models.PositiveBigIntegerField(null=True, help_text="Position in its organisation's chain, from 1"),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(
                blank=True, default="", help_text="The previous event's hash ('' for the first)", max_length=64
            ),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="at",
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="organisation",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="audit_events",
                to="screening.organisation",
            ),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="screening_id",
            field=models.UUIDField(blank=True, db_index=True, null=True),
        ),
        migrations.RunPython(chain_existing_events, migrations.RunPython.noop),
    ]
