"""XLSX files of reports, written by XlsxWriter into a temporary file and streamed.

As in reports/exports.py: constant-memory mode, no formulas from cell text, and text
that a spreadsheet would run as a formula neutralised.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Sequence

import xlsxwriter
from django.http import FileResponse

from reports.exports import XLSX_TYPE, safe_cell


def workbook_response(sheets: Sequence[tuple[str, list[str], Iterable[Sequence]]], filename: str) -> FileResponse:
    """A workbook of sheets (name, header row, rows) as a download."""
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        book = xlsxwriter.Workbook(
            path, {"constant_memory": True, "strings_to_formulas": False, "tmpdir": tempfile.gettempdir()}
        )
        bold = book.add_format({"bold": True})
        for name, header, rows in sheets:
            sheet = book.add_worksheet(name[:31])
            sheet.write_row(0, 0, header, bold)
            sheet.set_column(0, len(header) - 1, 16)
            for number, row in enumerate(rows, start=1):
                sheet.write_row(number, 0, [safe_cell(value) for value in row])
        book.close()
        stream = open(path, "rb")  # noqa: SIM115 (FileResponse closes it)
    finally:
        # The open handle keeps the data readable on POSIX after the name is gone.
        os.unlink(path)
    return FileResponse(stream, as_attachment=True, filename=filename, content_type=XLSX_TYPE)
