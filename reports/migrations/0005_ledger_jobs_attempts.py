"""Ledger jobs become background jobs (jobs.BackgroundJob) and count their attempts. Existing
rows keep everything; a job that has started counts as started once."""

from django.db import migrations, models


def fill_attempts(apps, schema_editor) -> None:
    LedgerJob = apps.get_model("reports", "LedgerJob")
    # One left running by a dead worker may be resumed twice more.
    LedgerJob.objects.filter(started_at__isnull=False).update(attempts=1)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0004_unit_hours_covering_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="ledgerjob",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="attempts"),
        ),
        migrations.RunPython(fill_attempts, migrations.RunPython.noop),
    ]
