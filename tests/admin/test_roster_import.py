"""Importing volunteers from Excel: template, preview with row errors, idempotent import, constant queries."""

import datetime
import io

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from tests.admin.conftest import page
from volunteers.id_numbers import check_character
from volunteers.models import Volunteer
from volunteers.roster_import import COLUMNS

HEADER = [str(label) for _name, label in COLUMNS]


def id_number_born(birth: datetime.date, n: int) -> str:
    first17 = f"330782{birth:%Y%m%d}{n % 1000:03d}"
    return first17 + check_character(first17)


def roster(rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    with_header = [HEADER, *rows]
    for row in with_header:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


SURNAMES, GIVEN = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨", "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超"


def name(n: int) -> str:
    return SURNAMES[n % 16] + GIVEN[n % 19] + GIVEN[(n // 19) % 19]


def good_rows(count: int, station_name: str, start: int = 0) -> list[list]:
    return [
        [
            name(n),
            id_number_born(datetime.date(1980, 1, 1) + datetime.timedelta(days=n), n),
            f"1366{n:07d}",
            station_name,
        ]
        for n in range(start, start + count)
    ]


def upload(client, content: bytes, **extra):
    file = io.BytesIO(content)
    file.name = "名册.xlsx"
    return client.post("/admin/volunteers/volunteer/import/", {"file": file, "consent": "on", **extra})


def bad_rows(station_name: str) -> list[list]:
    bad_check = id_number_born(datetime.date(1990, 5, 5), 901)
    bad_check = bad_check[:17] + ("0" if bad_check[17] != "0" else "1")
    child = id_number_born(timezone.localdate().replace(year=timezone.localdate().year - 10, day=1), 902)
    return [
        ["错号", bad_check, "13700009001", station_name],
        ["重号", id_number_born(datetime.date(1991, 1, 1), 903), "13660000000", station_name],
        ["无站", id_number_born(datetime.date(1992, 1, 1), 904), "13700009004", "不存在的站"],
        ["小孩", child, "13700009005", station_name],
    ]


def test_the_template_downloads_with_the_header_and_the_managers_stations(client, station_manager, tree):
    client.force_login(station_manager)
    response = client.get("/admin/volunteers/volunteer/import/template/")
    book = load_workbook(io.BytesIO(response.content))
    assert [cell.value for cell in book.worksheets[0][1]] == HEADER
    listed = [row[0] for row in book.worksheets[1].iter_rows(values_only=True)]
    assert tree["S1"].name in listed and tree["S2"].name not in listed


def test_the_preview_names_each_bad_row_in_chinese_and_saves_nothing(client, station_manager, tree):
    client.force_login(station_manager)
    content = roster(good_rows(5, tree["S1"].name) + bad_rows(tree["S1"].name))
    html = page(upload(client, content))
    assert not Volunteer.objects.exists()
    assert "5 / 9" in html or "9 行中的 5 行" in html
    assert "校验码" in html  # the ID number's check digit
    assert "与本文件第 2 行相同" in html  # duplicate phone
    assert "站点不存在" in html
    assert "监护人" in html  # under 14 without a guardian
    assert "13660000000" not in html  # numbers are shown masked


def test_confirming_imports_the_valid_rows_and_a_second_import_changes_nothing(client, station_manager, tree):
    client.force_login(station_manager)
    content = roster(good_rows(5, tree["S1"].code) + bad_rows(tree["S1"].name))
    preview = page(upload(client, content))
    assert 'name="encoded"' in preview
    first = client.post(
        "/admin/volunteers/volunteer/import/",
        {"encoded": __import__("base64").b64encode(content).decode(), "consent": "on", "confirm": "1"},
        follow=True,
    )
    assert Volunteer.objects.count() == 5
    volunteer = Volunteer.objects.get(real_name=name(1))
    assert volunteer.number == f"{timezone.localdate():%Y}{volunteer.pk:08d}" and volunteer.home_station == tree["S1"]
    assert volunteer.consented_at is not None and not volunteer.user.has_usable_password()
    assert "导入 5 名志愿者" in page(first)
    again = page(upload(client, content))
    assert "0 / 9" in again or "9 行中的 0 行" in again
    client.post(
        "/admin/volunteers/volunteer/import/",
        {"encoded": __import__("base64").b64encode(content).decode(), "consent": "on", "confirm": "1"},
    )
    assert Volunteer.objects.count() == 5


def test_a_station_outside_the_managers_reach_is_unknown(client, station_manager, tree):
    client.force_login(station_manager)
    html = page(upload(client, roster(good_rows(1, tree["S2"].name))))
    assert "站点不存在" in html


def test_the_import_takes_the_same_queries_for_20_rows_as_for_200(client, station_manager, tree):
    from volunteers.roster_import import import_rows, read_rows

    def queries(rows: int, start: int) -> int:
        parsed = read_rows(roster(good_rows(rows, tree["S1"].name, start=start)))
        with CaptureQueriesContext(connection) as captured:
            import_rows(parsed, user=station_manager)
        return len(captured)

    # A batch is a handful of statements (SQLite splits a long INSERT), never one per row.
    few, many = queries(20, 0), queries(200, 1000)
    assert many <= few + 4 and many < 20
    assert Volunteer.objects.count() == 220


def test_an_outsider_cannot_import(client, volunteer):
    client.force_login(volunteer.user)
    response = client.get("/admin/volunteers/volunteer/import/")
    assert response.status_code in (302, 403)
