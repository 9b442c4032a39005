from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

# A volunteer's checked-out, non-rejected records never cover the same moment twice.
# The services check this for every path under the volunteer's row lock; on
# PostgreSQL the database guarantees it too, so no future code path can break it.
# SQLite has no exclusion constraints: there the service check stands alone.
CONSTRAINT = "record_no_overlap_per_volunteer"
ADD = f"""
ALTER TABLE events_servicerecord ADD CONSTRAINT {CONSTRAINT}
EXCLUDE USING gist (
    volunteer_id WITH =,
    tstzrange(checked_in_at, checked_out_at, '[)') WITH &&
) WHERE (checked_out_at IS NOT NULL AND status <> 'rejected')
"""
DROP = f"ALTER TABLE events_servicerecord DROP CONSTRAINT IF EXISTS {CONSTRAINT}"


def add_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ADD)


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0002_bounds_walk_ins_min_age"),
    ]

    operations = [
        # Creating the extension needs a role allowed to (a superuser, or the
        # database owner on PostgreSQL 13+ for trusted extensions such as btree_gist).
        BtreeGistExtension(),
        migrations.RunPython(add_constraint, drop_constraint),
    ]
