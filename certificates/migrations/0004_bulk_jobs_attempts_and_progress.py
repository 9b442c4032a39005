"""Bulk certificate jobs become background jobs (jobs.BackgroundJob): they count their attempts
and keep their progress in percent. Existing rows keep everything; the new columns are filled
from what they already state."""

from django.db import migrations, models
from django.db.models import F, Q


def fill_attempts_and_progress(apps, schema_editor) -> None:
    BulkIssueJob = apps.get_model("certificates", "BulkIssueJob")
    # A job that has started ran once; one left running by a dead worker may be resumed twice more.
    BulkIssueJob.objects.filter(started_at__isnull=False).update(attempts=1)
    BulkIssueJob.objects.filter(status="finished").update(progress=100)
    BulkIssueJob.objects.filter(~Q(status="finished"), total__gt=0).update(progress=F("processed") * 100 / F("total"))


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0003_publicity_and_sections"),
    ]

    operations = [
        migrations.AddField(
            model_name="bulkissuejob",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="attempts"),
        ),
        migrations.AddField(
            model_name="bulkissuejob",
            name="progress",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="progress (percent)"),
        ),
        migrations.RunPython(fill_attempts_and_progress, migrations.RunPython.noop),
    ]
