"""Settings of the throwaway server in tests/test_sqlite_server.py.

The real settings, with fast password hashing, and a pause inside the check-in
and sign-up transactions just after their first read: it widens the window in
which simultaneous requests overlap, so the burst provokes the race on every run
(without IMMEDIATE transactions SQLite then answers "database is locked").
"""

import time

from django.apps import AppConfig

from backend.settings import *  # noqa: F403
from backend.settings import INSTALLED_APPS

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
PAUSE_SECONDS = 0.05


class RacePauseConfig(AppConfig):
    name = "tests"
    label = "race_pause"

    def ready(self) -> None:
        from events import services

        def paused(lock):
            def locked_then_pause(row):
                row = lock(row)
                time.sleep(PAUSE_SECONDS)
                return row

            return locked_then_pause

        services._lock_volunteer = paused(services._lock_volunteer)
        services._lock_event = paused(services._lock_event)


INSTALLED_APPS = [*INSTALLED_APPS, "tests.sqlite_server_settings.RacePauseConfig"]
