"""Hour statistics as CSV (UTF-8 with a BOM, so Excel reads Chinese) and XLSX files.

Both stream from one grouped query: CSV row by row from a server-side cursor (or,
on PostgreSQL, straight out of ``COPY (query) TO STDOUT``), XLSX through
XlsxWriter's constant-memory mode into a temporary file. Memory stays flat
whatever the number of rows.
"""

from __future__ import annotations

import csv
import datetime
import os
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO

import xlsxwriter
from django.conf import settings
from django.db import connections
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from events.models import RecordStatus
from reports.files import BOM, CSV_TYPE, XLSX_TYPE, Echo, attachment, safe_cell
from reports.statistics.hours import CHUNK_ROWS, GROUPINGS, HoursReport


def file_name(report: HoursReport, scope: str, extension: str) -> str:
    """E.g. 志愿服务时长_城关街道_按实践站_2026-01-01至2026-12-31.xlsx"""
    date_from, date_to = report.filters.get("date_from"), report.filters.get("date_to")
    parts = [_("Volunteer hours"), scope, "".join(str(GROUPINGS[key].label) for key in report.group_by)]
    if date_from or date_to:
        start = date_from.isoformat() if date_from else ""
        end = date_to.isoformat() if date_to else ""
        parts.append(_("{start} to {end}").format(start=start, end=end))
    name = "_".join(part.replace("/", "-").replace("\\", "-") for part in parts if part)
    return f"{name}.{extension}"


def headers(report: HoursReport) -> list[str]:
    return [str(column.header) for column in report.file_columns]


def csv_chunks(report: HoursReport) -> Iterator[bytes]:
    """The report as CSV bytes, BOM and header first, in chunks of many rows."""
    writer = csv.writer(Echo(), lineterminator="\n")
    yield (BOM + writer.writerow(headers(report))).encode()
    connection = connections[report.rows.db]
    if connection.vendor == "postgresql":
        yield from _copy_chunks(report, connection)
        return
    # SQLite hands sums back unscaled (6 for 6.00): write hours with two decimals, as COPY does.
    names = [column.name for column in report.file_columns]
    lines: list[str] = []
    for row in report:
        row["hours"] = f"{row['hours']:.2f}"
        lines.append(writer.writerow([row[name] for name in names]))
        if len(lines) >= CHUNK_ROWS:
            yield "".join(lines).encode()
            lines.clear()
    if lines:
        yield "".join(lines).encode()


def _copy_chunks(report: HoursReport, connection) -> Iterator[bytes]:
    # The SQL is the ORM's own, parameters bound by psycopg: the grouping, formatting
    # and spreadsheet-safe quoting all happen in the database, and rows never become
    # Python objects. COPY's CSV quoting matches csv.writer's minimal quoting.
    sql, params = report.rows.query.get_compiler(connection=connection).as_sql()
    connection.ensure_connection()
    with connection.cursor() as cursor:
        # Grouping a million records spills to disk at the default work_mem; reset after,
        # as the connection may be reused.
        # JIT compiling costs more than it saves on these queries.
        cursor.execute(
            "SELECT set_config('work_mem', %s, false), set_config('jit', 'off', false)", [settings.STATS_WORK_MEM]
        )
        try:
            with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params) as copy:
                buffer: list[bytes] = []
                size = 0
                for data in copy:
                    buffer.append(bytes(data))
                    size += len(data)
                    if size >= 256 * 1024:
                        yield b"".join(buffer)
                        buffer, size = [], 0
                if buffer:
                    yield b"".join(buffer)
        finally:
            cursor.execute("RESET work_mem; RESET jit")


def csv_response(report: HoursReport, scope: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_chunks(report), content_type=CSV_TYPE)
    response["Content-Disposition"] = attachment(file_name(report, scope, "csv"))
    return response


def write_xlsx(report: HoursReport, target: str | IO[bytes]) -> int:
    """Write the report to an XLSX file in constant memory; returns the number of data rows."""
    workbook = xlsxwriter.Workbook(
        target, {"constant_memory": True, "strings_to_formulas": False, "tmpdir": tempfile.gettempdir()}
    )
    sheet = workbook.add_worksheet(_("Volunteer hours")[:31])
    bold = workbook.add_format({"bold": True})
    hours_format = workbook.add_format({"num_format": "0.00"})
    for col, header in enumerate(headers(report)):
        sheet.write_string(0, col, header, bold)
    writers = {}
    for column in report.file_columns:
        if column.name == "hours":
            writers[column.name] = lambda r, c, v: sheet.write_number(r, c, float(v or 0), hours_format)
        elif column.number:
            writers[column.name] = lambda r, c, v: sheet.write_number(r, c, v or 0)
        else:
            writers[column.name] = lambda r, c, v: sheet.write_string(r, c, "" if v is None else str(v))
    row_number = 0
    for row_number, row in enumerate(report, start=1):
        for col, name in enumerate(writers):
            writers[name](row_number, col, row[name])
    sheet.freeze_panes(1, 0)
    workbook.close()
    return row_number


def xlsx_response(report: HoursReport, scope: str) -> FileResponse:
    # XLSX is a zip whose directory comes last, so it cannot stream as it is made:
    # it is built in a temporary file, unlinked at once, and streamed from disk.
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        write_xlsx(report, path)
        stream = open(path, "rb")  # noqa: SIM115 (FileResponse closes it)
    finally:
        os.unlink(path)
    name = file_name(report, scope, "xlsx")
    response = FileResponse(stream, as_attachment=True, filename=name, content_type=XLSX_TYPE)
    response["Content-Disposition"] = attachment(name)
    return response


RECORD_HEADERS = [
    gettext_lazy("Volunteer number"),
    gettext_lazy("Real name"),
    gettext_lazy("Event"),
    gettext_lazy("Organising unit"),
    gettext_lazy("Checked in at"),
    gettext_lazy("Checked out at"),
    gettext_lazy("Service hours"),
    gettext_lazy("Status"),
]


def record_rows(records) -> Iterable[tuple]:
    rows = records.order_by("checked_in_at", "id").values(
        "volunteer__number",
        "volunteer__real_name",
        "event__title",
        "event__unit__name",
        "checked_in_at",
        "checked_out_at",
        "credited_hours",
        "status",
    )
    labels = dict(RecordStatus.choices)
    for row in rows.iterator(chunk_size=CHUNK_ROWS):
        yield (
            row["volunteer__number"],
            safe_cell(row["volunteer__real_name"]),
            safe_cell(row["event__title"]),
            safe_cell(row["event__unit__name"]),
            _local(row["checked_in_at"]),
            _local(row["checked_out_at"]),
            row["credited_hours"],
            str(labels.get(row["status"], row["status"])),
        )


def _local(moment: datetime.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def records_csv_response(records) -> StreamingHttpResponse:
    """Selected service records, one line each, as a CSV download (the admin's export action)."""
    writer = csv.writer(Echo(), lineterminator="\n")

    def chunks() -> Iterator[bytes]:
        yield (BOM + writer.writerow([str(header) for header in RECORD_HEADERS])).encode()
        for row in record_rows(records):
            yield writer.writerow(row).encode()

    response = StreamingHttpResponse(chunks(), content_type=CSV_TYPE)
    # Not inside the f-string: xgettext does not look into f-strings.
    title = _("Service records")
    name = f"{title}_{timezone.localdate().isoformat()}.csv"
    response["Content-Disposition"] = attachment(name)
    return response
