from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

# Two bookings that hold a venue (pending or approved) never cover the same moment.
# venues.services checks it under the venue's row lock on every path; on PostgreSQL
# the database guarantees it too. SQLite has no exclusion constraints: there the
# locked check (IMMEDIATE transactions) stands alone.
CONSTRAINT = "booking_no_overlap_per_venue"
ADD = f"""
ALTER TABLE venues_booking ADD CONSTRAINT {CONSTRAINT}
EXCLUDE USING gist (
    venue_id WITH =,
    tstzrange(starts_at, ends_at, '[)') WITH &&
) WHERE (status IN ('pending', 'approved'))
"""
DROP = f"ALTER TABLE venues_booking DROP CONSTRAINT IF EXISTS {CONSTRAINT}"


def add_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ADD)


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("venues", "0001_initial"),
    ]

    operations = [
        BtreeGistExtension(),
        migrations.RunPython(add_constraint, drop_constraint),
    ]
