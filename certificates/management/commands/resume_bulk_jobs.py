from jobs.management.commands.resume_jobs import Command as ResumeJobs


class Command(ResumeJobs):
    help = (
        "resume_jobs for bulk certificate jobs only (kept for existing cron entries): a stale job is queued "
        "again and issues only what is missing, as volunteers already certified for the scope are skipped "
        "under the counter's lock; after its last attempt it is marked failed."
    )
    kinds = ["certificates.bulkissuejob"]
