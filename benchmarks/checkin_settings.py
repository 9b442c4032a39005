"""Production's settings plus one benchmark-only URL (benchmarks/checkin_urls.py): the
check-in benchmark's gunicorn serves both variants from one configuration."""

from backend.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.checkin_urls"
