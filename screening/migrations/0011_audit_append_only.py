"""Every audit event has a position in its chain, unique per chain; on PostgreSQL a trigger makes the audit table
append-only for the application's database role.

The trigger refuses UPDATE always; DELETE unless the session set `refuge.audit_retention = 'on'` (only
`manage.py purge_audit` does, with SET LOCAL) AND the row is older than 365 days, so even a session that sets the
flag cannot remove the last year's events; TRUNCATE unless the session's role is a superuser (a superuser can
disable any trigger anyway; the test runner empties tables this way). SQLite (development) has no trigger: the
model refuses updates and the hash chain detects raw edits there.
"""

from django.db import migrations, models

RETENTION_FLOOR_DAYS = 365  # as screening/audit_retention.py TRIGGER_FLOOR_DAYS when this migration was written

INSTALL = f"""
CREATE OR REPLACE FUNCTION screening_auditevent_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF current_setting('refuge.audit_retention', true) = 'on'
           AND OLD.at < now() - interval '{RETENTION_FLOOR_DAYS} days' THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'The audit trail is append-only: DELETE of audit event % refused', OLD.id
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Only manage.py purge_audit deletes events, older than {RETENTION_FLOOR_DAYS} days.';
    ELSIF TG_OP = 'TRUNCATE' THEN
        IF (SELECT rolsuper FROM pg_roles WHERE rolname = session_user) THEN
            RETURN NULL;
        END IF;
        RAISE EXCEPTION 'The audit trail is append-only: TRUNCATE refused'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RAISE EXCEPTION 'The audit trail is append-only: UPDATE of audit event % refused', OLD.id
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER screening_auditevent_append_only_rows BEFORE UPDATE OR DELETE ON screening_auditevent
    FOR EACH ROW EXECUTE FUNCTION screening_auditevent_append_only();
CREATE TRIGGER screening_auditevent_append_only_truncate BEFORE TRUNCATE ON screening_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION screening_auditevent_append_only();
"""

UNINSTALL = """
DROP TRIGGER IF EXISTS screening_auditevent_append_only_rows ON screening_auditevent;
DROP TRIGGER IF EXISTS screening_auditevent_append_only_truncate ON screening_auditevent;
DROP FUNCTION IF EXISTS screening_auditevent_append_only();
"""


def install_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INSTALL, params=None)


def uninstall_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNINSTALL, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("screening", "0010_audit_chain"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="chain_seq",
            field=models.PositiveBigIntegerField(help_text="Position in its organisation's chain, from 1"),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(
                condition=models.Q(("organisation__isnull", False)),
                fields=("organisation", "chain_seq"),
                name="unique_audit_seq_per_organisation",
            ),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(
                condition=models.Q(("organisation__isnull", True)),
                fields=("chain_seq",),
                name="unique_audit_seq_platform",
            ),
        ),
        migrations.RunPython(install_trigger, uninstall_trigger),
    ]
