import csv
import io
from decimal import Decimal
from urllib.parse import unquote

import openpyxl
from django.core.management import call_command

from events.models import Event


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_rows(response) -> list[list[str]]:
    data = body(response)
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_csv_has_a_bom_chinese_headers_and_the_right_sums(admin_client_api, hours):
    response = admin_client_api.get("/api/v1/stats/hours/?group_by=station&format=csv")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    header, *lines = csv_rows(response)
    assert header == ["实践站", "实践所", "服务时长（小时）", "记录数"]
    assert [(line[0], Decimal(line[2]), int(line[3])) for line in lines] == [
        ("S1 单位", Decimal("6.00"), 3),
        ("S2 单位", Decimal("1.50"), 1),
        ("S3 单位", Decimal("4.00"), 1),
        ("S4 单位", Decimal("5.00"), 1),
    ]


def test_csv_of_volunteers_is_masked(admin_client_api, hours):
    header, *lines = csv_rows(admin_client_api.get("/api/v1/stats/hours/?group_by=volunteer&format=csv"))
    assert header == ["志愿者编号", "姓名", "身份证号", "所属实践站", "服务时长（小时）", "记录数", "星级"]
    li = hours["li"]
    [line] = [line for line in lines if line[0] == li.number]
    assert line[1:] == ["李四", f"{li.id_number[:6]}********{li.id_number[14:]}", "S1 单位", "6.00", "3", "0"]


def test_file_names_are_chinese_with_scope_and_period(station_manager_client, hours):
    response = station_manager_client.get(
        "/api/v1/stats/hours/?group_by=station&format=xlsx&date_from=2026-01-01&date_to=2026-12-31"
    )
    disposition = response["Content-Disposition"]
    # RFC 5987's UTF-8 name, and an ASCII name for clients that read only filename=.
    assert disposition.startswith('attachment; filename="') and "; filename*=UTF-8''" in disposition
    assert unquote(disposition.split("''", 1)[1]) == "志愿服务时长_S1 单位_按实践站_2026-01-01至2026-12-31.xlsx"


def test_xlsx_opens_and_its_sums_match_the_records(admin_client_api, hours):
    response = admin_client_api.get(
        "/api/v1/stats/hours/?group_by=station&format=xlsx&date_from=2026-01-01&date_to=2026-12-31"
    )
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(body(response)), read_only=True).active
    header, *lines = list(sheet.values)
    assert header[:1] == ("实践站",)
    assert sum(Decimal(str(line[2])) for line in lines) == Decimal("16.50")
    assert sum(line[3] for line in lines) == 6


def test_a_station_managers_files_hold_only_their_station(station_manager_client, hours):
    for group_by in ["station", "volunteer", "station,month", "center", "category"]:
        text = body(station_manager_client.get(f"/api/v1/stats/hours/?group_by={group_by}&format=csv")).decode()
        assert "S2 单位" not in text and "S4 单位" not in text and "王五" not in text and "赵六" not in text
        workbook = openpyxl.load_workbook(
            io.BytesIO(body(station_manager_client.get(f"/api/v1/stats/hours/?group_by={group_by}&format=xlsx")))
        )
        cells = {str(cell) for row in workbook.active.values for cell in row}
        assert not cells & {"S2 单位", "S4 单位", "王五", "赵六"}


def test_formula_injection_is_neutralised(admin_client_api, hours, tree):
    tree["S1"].name = '=HYPERLINK("http://evil")'
    tree["S1"].save()
    tree["S2"].name = "@SUM(A1)"
    tree["S2"].save()
    _header, *lines = csv_rows(admin_client_api.get("/api/v1/stats/hours/?group_by=station&format=csv"))
    assert {line[0] for line in lines} >= {'\'=HYPERLINK("http://evil")', "'@SUM(A1)"}
    response = admin_client_api.get("/api/v1/stats/hours/?group_by=station&format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(body(response))).active
    assert sheet["A2"].value == '\'=HYPERLINK("http://evil")' and sheet["A2"].data_type == "s"
    # JSON gives the names as they are.
    json_rows = admin_client_api.get("/api/v1/stats/hours/?group_by=station").json()["results"]
    assert json_rows[0]["station"] == '=HYPERLINK("http://evil")'


def test_the_records_export_action_streams_a_csv(client, admin_user, hours):
    from events.models import ServiceRecord

    client.force_login(admin_user)
    ids = list(ServiceRecord.objects.values_list("pk", flat=True))
    response = client.post("/admin/events/servicerecord/", {"action": "export_selected", "_selected_action": ids})
    assert response.status_code == 200
    header, *lines = csv_rows(response)
    assert header[0] == "志愿者编号" and len(lines) == len(ids)


def test_the_command_writes_the_same_files(tmp_path, hours):
    target = tmp_path / "hours.csv"
    call_command("export_hours", str(target), "--group-by", "center", "--date-from", "2026-01-01", stdout=io.StringIO())
    data = target.read_bytes()
    assert data.startswith("\ufeff".encode())
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert lines[1:] == [["C 单位", "11.50", "5"], ["C2 单位", "5.00", "1"]]
    workbook = tmp_path / "hours.xlsx"
    call_command("export_hours", str(workbook), "--group-by", "volunteer,month", stdout=io.StringIO())
    sheet = openpyxl.load_workbook(workbook).active
    assert sum(row[5] for row in list(sheet.values)[1:]) == 16.5
    assert Event.objects.count() == 4
