from django.db import migrations

# On PostgreSQL the database itself refuses to change or delete a ledger row, whatever
# the path (a script, the shell, a raw query): corrections are reversals. SQLite relies
# on the models' save() and delete() and on the ledger having no other writer.
APPEND_ONLY = """
CREATE FUNCTION points_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'points ledger rows are append-only: post a reversal' USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER points_entry_append_only BEFORE UPDATE OR DELETE ON points_entry
    FOR EACH ROW EXECUTE FUNCTION points_refuse_change();
CREATE TRIGGER points_transfer_append_only BEFORE UPDATE OR DELETE ON points_transfer
    FOR EACH ROW EXECUTE FUNCTION points_refuse_change();
"""

DROP = """
DROP TRIGGER points_transfer_append_only ON points_transfer;
DROP TRIGGER points_entry_append_only ON points_entry;
DROP FUNCTION points_refuse_change();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("points", "0001_ledger_rules_shop")]

    operations = [migrations.RunPython(forwards, backwards)]
