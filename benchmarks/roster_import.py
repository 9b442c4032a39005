"""Benchmark of the admin's Excel roster import, on a throwaway SQLite database.

    .venv/bin/python benchmarks/roster_import.py              # 1,000 rows
    .venv/bin/python benchmarks/roster_import.py --rows 5000
    .venv/bin/python benchmarks/roster_import.py --smoke      # 200 rows: runs, and right?

Builds a roster sheet (every 100th row bad: a wrong ID check digit), then times
reading the sheet, the preview (every row validated, nothing saved), the import, and
a second import of the same sheet (which changes nothing), with the number of SQL
queries each took. Target: seconds for 1,000 rows, queries constant per batch of
``roster_import.BATCH_SIZE`` rows. Never touches db.sqlite3 or the configured database.

The counts are checked against the sheet and raw queries: the preview finds every bad row
and no other, the import creates one volunteer (and one account) per good row, as a raw
count of the tables shows, and the second import creates none; a difference, or an empty
import, ends the run with exit status 1.
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def configure(folder: Path) -> None:
    """Point Django at a throwaway database, then start it."""
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'benchmark.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(folder / "media")
    os.environ["DJANGO_SETTINGS_MODULE"] = "backend.settings"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


def sheet(rows: int, station_name: str) -> bytes:
    """A filled-in template: ``rows`` volunteers, every 100th with a wrong check digit."""
    from openpyxl import Workbook

    from volunteers.id_numbers import check_character
    from volunteers.roster_import import COLUMNS

    book = Workbook()
    page = book.active
    page.append([str(label) for _name, label in COLUMNS])
    for n in range(rows):
        birth = datetime.date(1960, 1, 1) + datetime.timedelta(days=n % 15_000)
        first17 = f"330782{birth:%Y%m%d}{n % 1000:03d}"
        check = check_character(first17)
        if n % 100 == 99:
            check = "0" if check != "0" else "1"
        name = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨"[n % 16] + "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超"[n % 19] * 2
        page.append([name, first17 + check, f"135{n:08d}", station_name, "群众"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def timed(label: str, work) -> object:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = work()
        seconds = time.perf_counter() - started
    print(f"{label:<28} {seconds:8.2f} s {len(queries):8d} queries")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--smoke", action="store_true", help="200 rows")
    args = parser.parse_args()
    if args.smoke:
        args.rows = 200
    with tempfile.TemporaryDirectory() as folder:
        configure(Path(folder))
        from django.contrib.auth import get_user_model
        from django.core.management import call_command
        from django.db import connection

        from stations.models import Level, PracticeUnit
        from volunteers import roster_import
        from volunteers.models import Volunteer

        call_command("migrate", verbosity=0)
        center = PracticeUnit.objects.create(code="BENCH-C", name="示范县新时代文明实践中心", level=Level.CENTER)
        institute = PracticeUnit.objects.create(code="BENCH-I", name="城关街道", level=Level.INSTITUTE, parent=center)
        station = PracticeUnit.objects.create(code="BENCH-S", name="东门社区", level=Level.STATION, parent=institute)
        admin = get_user_model().objects.create_superuser("13900009999", None, name="管理员")
        content = sheet(args.rows, station.name)
        print(f"{args.rows} rows, batches of {roster_import.BATCH_SIZE}")
        rows = timed("read the sheet", lambda: roster_import.read_rows(content))
        check = timed("preview (validate all)", lambda: roster_import.check_rows(rows, user=admin))
        valid, invalid = len(check.valid), len(check.invalid)  # before the import registers them
        print(f"{'':<28} {valid} valid, {invalid} with errors")
        result = timed("import", lambda: roster_import.import_rows(rows, user=admin))
        print(f"{'':<28} {result.created} created")
        again = timed("import the same sheet again", lambda: roster_import.import_rows(rows, user=admin))
        print(f"{'':<28} {again.created} created, {again.already_registered} already registered")
        print(f"volunteers in the database: {Volunteer.objects.count()}")
        bad = args.rows // 100  # every 100th row
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT (SELECT COUNT(*) FROM volunteers_volunteer WHERE home_station_id = %s),"
                " (SELECT COUNT(*) FROM accounts_user WHERE phone LIKE '135%%')",
                [station.pk],
            )
            volunteers, accounts = cursor.fetchone()
        counts = {
            "rows with errors in the preview": (invalid, bad),
            "valid rows in the preview": (valid, args.rows - bad),
            "volunteers created": (result.created, args.rows - bad),
            "volunteers at the station, counted raw": (volunteers, args.rows - bad),
            "accounts of the sheet's phones, counted raw": (accounts, args.rows - bad),
            "created by the second import": (again.created, 0),
        }
        problems = [f"{name}: {mine}, expected {wanted}" for name, (mine, wanted) in counts.items() if mine != wanted]
        if problems or not result.created:
            listed = "\n  ".join(problems)
            raise SystemExit(f"counts differ from the sheet's or the raw queries', or are empty:\n  {listed}")
        print("every count equals the sheet's and the raw queries', none empty")


if __name__ == "__main__":
    main()
