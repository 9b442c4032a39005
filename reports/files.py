"""Report files: CSV (UTF-8 with a BOM, so Excel reads Chinese) and XLSX downloads, and the
base view of a managers' report answered as JSON pages or as a whole file.

Every report's download goes through here: text a spreadsheet would run as a formula is
neutralised, XLSX is written by XlsxWriter in constant-memory mode into a temporary file
and streamed, CSV streams line by line.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence

import xlsxwriter
from django.http import FileResponse, StreamingHttpResponse
from rest_framework import permissions, renderers
from rest_framework.response import Response
from rest_framework.views import APIView

# The neutraliser lives with the other file pieces below every app, so volunteers/ uses it too.
from jobs.files import attachment_header, safe_cell
from stations.permissions import IsManager

BOM = "\ufeff"
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILE_FORMATS = ("csv", "xlsx")


class Echo:
    """A file-like object whose ``write`` hands the line back, for csv.writer."""

    def write(self, value: str) -> str:
        return value


def attachment(filename: str, ascii_name: str = "") -> str:
    """The Content-Disposition header of a download named ``filename`` (with an ASCII fallback name)."""
    return attachment_header(filename, ascii_name)


def csv_download(header: Sequence[str], rows: Iterable[Sequence], filename: str) -> StreamingHttpResponse:
    """A CSV download streamed line by line: the BOM and ``header``, then ``rows`` with every cell made safe."""
    writer = csv.writer(Echo())

    def lines() -> Iterator[bytes]:
        yield (BOM + writer.writerow(header)).encode()
        for row in rows:
            yield writer.writerow([safe_cell(cell) for cell in row]).encode()

    response = StreamingHttpResponse(lines(), content_type=CSV_TYPE)
    response["Content-Disposition"] = attachment(filename)
    return response


def workbook_response(
    sheets: Sequence[tuple[str, list[str], Iterable[Sequence]]], filename: str, ascii_name: str = ""
) -> FileResponse:
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
    response = FileResponse(stream, as_attachment=True, filename=filename, content_type=XLSX_TYPE)
    response["Content-Disposition"] = attachment(filename, ascii_name)
    return response


class CSVFileRenderer(renderers.BaseRenderer):
    """Names ``?format=csv`` for content negotiation; the view streams the file itself."""

    media_type = "text/csv"
    format = "csv"
    charset: str | None = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        return renderers.JSONRenderer().render(data)


class XLSXFileRenderer(CSVFileRenderer):
    media_type = XLSX_TYPE
    format = "xlsx"
    charset = None


class FileExportView(APIView):
    """A managers' report answered as JSON or, with ``?format=csv|xlsx``, as a file."""

    permission_classes = [permissions.IsAuthenticated, IsManager]
    renderer_classes = [renderers.JSONRenderer, CSVFileRenderer, XLSXFileRenderer]

    @property
    def throttle_scope(self) -> str:
        """Only a file counts as an export: an API client pages through a report's JSON far more often."""
        # Read when the throttle asks, after the request is set; the query decides what is answered.
        request = getattr(self, "request", None)
        wanted = request.GET.get("format") if request is not None else None
        return "export" if wanted in FILE_FORMATS else "reports"

    def perform_content_negotiation(self, request, force=False):
        # An unknown ?format= is bad input, answered 400 by the query's serializer, not 404.
        if request.query_params.get("format") not in (None, "json", *FILE_FORMATS):
            return renderers.JSONRenderer(), "application/json"
        return super().perform_content_negotiation(request, force)

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors answer in JSON even when a file was asked for.
        if isinstance(response, Response) and response.status_code >= 400:
            request.accepted_renderer = renderers.JSONRenderer()
            request.accepted_media_type = "application/json"
        return super().finalize_response(request, response, *args, **kwargs)
