"""Workbook bombs: a few hundred kilobytes of .xlsx that inflate to millions of strings or rows are
refused from the zip directory and a count, before openpyxl parses them (issue 20)."""

import io
import time

import pytest
from openpyxl import Workbook

from tests.admin.test_roster_import import HEADER, good_rows, roster, upload
from tests.upload_bombs import (
    _with_parts,
    workbook_bomb,
    workbook_entity_bomb,
    workbook_with_large_part,
    workbook_with_rich_text,
)
from volunteers import roster_import
from volunteers.models import Volunteer
from volunteers.roster_import import RosterError, check_archive, read_rows, template_workbook


def refused_quickly(content: bytes) -> None:
    started = time.process_time()
    with pytest.raises(RosterError):
        read_rows(content)
    assert time.process_time() - started < 1


def test_millions_of_shared_strings_in_a_small_file_are_refused_in_a_moment():
    bomb = workbook_bomb(2_000_000)
    assert len(bomb) < 200 * 1024
    refused_quickly(bomb)


def test_too_many_shared_strings_are_refused_though_stored_uncompressed():
    bomb = workbook_bomb(roster_import.MAX_SHARED_STRINGS + 1, compress=False)
    assert len(bomb) < roster_import.MAX_UNCOMPRESSED_BYTES
    refused_quickly(bomb)


def test_a_sheet_claiming_a_million_rows_is_refused_at_the_line_limit():
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.cell(row=1_048_576, column=1, value="x")
    out = io.BytesIO()
    book.save(out)
    refused_quickly(out.getvalue())


def test_what_is_not_a_zip_is_not_a_workbook():
    with pytest.raises(RosterError):
        check_archive(b"PK\x03\x04 not really")


def test_a_full_roster_passes_the_checks(tree):
    content = roster(good_rows(roster_import.MAX_ROWS, tree["S1"].name))
    check_archive(content)


def test_the_admin_page_shows_the_refusal_and_saves_nothing(client, station_manager, tree):
    client.force_login(station_manager)
    response = upload(client, workbook_bomb(2_000_000))
    assert response.status_code == 200 and "file" in response.context["form"].errors
    assert not Volunteer.objects.exists()


# Entities, styles and rich text (outside review): refused before openpyxl parses anything.


@pytest.fixture
def openpyxl_calls(monkeypatch):
    calls: list[bytes] = []

    def load_workbook(*args, **kwargs):
        calls.append(b"")
        raise AssertionError("openpyxl was asked to parse the workbook")

    monkeypatch.setattr(roster_import, "load_workbook", load_workbook)
    return calls


def test_shared_strings_expanding_from_entities_are_refused_unparsed(openpyxl_calls):
    bomb = workbook_entity_bomb("xl/sharedStrings.xml", 1_000_000)
    assert len(bomb) < 16 * 1024
    refused_quickly(bomb)
    assert not openpyxl_calls


def test_cells_expanding_from_entities_in_a_sheet_are_refused_unparsed(openpyxl_calls):
    refused_quickly(workbook_entity_bomb("xl/worksheets/sheet1.xml", 1_000_000))
    assert not openpyxl_calls


def test_a_3_mb_styles_part_is_refused_unparsed(openpyxl_calls):
    bomb = workbook_with_large_part("xl/styles.xml", 3 * 1024 * 1024)
    assert len(bomb) < 250 * 1024
    refused_quickly(bomb)
    assert not openpyxl_calls


def test_other_parts_are_capped_too(openpyxl_calls):
    refused_quickly(workbook_with_large_part("xl/workbook.xml", roster_import.MAX_OTHER_PART_BYTES + 1024))
    refused_quickly(workbook_with_large_part("docProps/core.xml", roster_import.MAX_OTHER_PART_BYTES + 1024))
    assert not openpyxl_calls


def test_rich_text_runs_count_as_strings(openpyxl_calls):
    refused_quickly(workbook_with_rich_text(roster_import.MAX_SHARED_STRINGS + 1))
    assert not openpyxl_calls


def test_a_utf16_part_is_refused(openpyxl_calls):
    xml = '<?xml version="1.0" encoding="UTF-16"?><sst xmlns="x"><si><t>a</t></si></sst>'.encode("utf-16")
    refused_quickly(_with_parts(workbook_bomb(1), {"xl/sharedStrings.xml": xml}))
    assert not openpyxl_calls


def test_the_projects_template_passes_and_reads(tree):
    template = template_workbook([tree["S1"]])
    check_archive(template)
    assert read_rows(template) == []
