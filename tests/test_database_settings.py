"""PostgreSQL connections run without JIT compilation unless DB_JIT says otherwise."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

ROOT = Path(__file__).resolve().parent.parent
SHOW_JIT = "from django.db import connection; c = connection.cursor(); c.execute('SHOW jit'); print(c.fetchone()[0])"


def test_the_platforms_connections_do_not_jit_compile():
    # A JIT-compiled plan took the public units list from 45 ms to 450 ms at province scale.
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_db_jit_leaves_the_servers_setting():
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"  # the test database
    with psycopg.connect(url) as plain:  # no options: the server's own setting
        server_setting = plain.execute("SHOW jit").fetchone()[0]
    env = {**os.environ, "DATABASE_URL": url, "DB_JIT": "true", "DJANGO_SETTINGS_MODULE": "backend.settings"}
    shown = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c", SHOW_JIT],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert shown.stdout.split()[-1] == server_setting
