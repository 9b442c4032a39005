"""The self-assessment's pages (in the admin's look, managers only, scoped to the units they manage):
the indicator table with unit and period pickers, each indicator's drill-down to the records, the
PDF and XLSX downloads and the 四个100 eligibility list."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from jobs.pdfs import html_to_pdf
from reports.assessment.drilldown import table
from reports.assessment.eligibility import CATEGORY_LABELS, Candidate, candidates
from reports.assessment.indicators import SCHEME_SHORT, SCHEMES, SPEC_BY_KEY, Assessment, assessment
from reports.assessment.views import drilldown_url, read_query, resolve_unit
from reports.dashboard.views import LIGHT_LABELS
from reports.files import attachment, workbook_response
from stations.models import PracticeUnit
from stations.scoping import is_manager

PAGE_ROWS = 50


def _check(request: HttpRequest) -> HttpResponse | None:
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("admin:login"))
    if not (user.is_active and user.is_staff and is_manager(user)):
        raise PermissionDenied
    return None


def _read(request: HttpRequest) -> tuple[Assessment | None, dict]:
    """The assessment asked for, or (None, the field messages) for a bad period or unit number."""
    data = {key: value for key, value in request.GET.items() if key in {"unit", "period"} and value}
    try:
        unit_id, period = read_query(data)
    except ValidationError as error:
        return None, error.detail if isinstance(error.detail, dict) else {"period": error.detail}
    unit = resolve_unit(request.user, unit_id)
    return assessment(request.user, unit, period), {}


def _context(request: HttpRequest, result: Assessment | None, title: str) -> dict:
    return {
        **admin.site.each_context(request),
        "title": title,
        "units": PracticeUnit.objects.managed_by(request.user).order_by("path"),
        "root": result.unit if result else None,
        "period": result.period.label if result else request.GET.get("period", ""),
        "light_labels": LIGHT_LABELS,
    }


def _rows(result: Assessment) -> list[dict]:
    return [
        {
            "figure": figure,
            "light_label": LIGHT_LABELS[figure.light],
            "schemes": "；".join(figure.scheme_names),
            "href": drilldown_url(result, figure.key),
        }
        for figure in result.compute()
    ]


def _query(result: Assessment, **extra) -> str:
    return urlencode({"unit": result.unit.pk, "period": result.period.label, **extra})


def assessment_page(request: HttpRequest) -> HttpResponse:
    """The indicator table of a unit for a period."""
    if (redirect := _check(request)) is not None:
        return redirect
    result, errors = _read(request)
    context = _context(request, result, _("Self-assessment"))
    if result is None:
        return TemplateResponse(request, "reports/assessment/page.html", {**context, "errors": errors}, status=400)
    query = _query(result)
    context.update(
        rows=_rows(result),
        as_of=result.period.as_of,
        schemes=[(SCHEME_SHORT[key], name) for key, name in SCHEMES.items()],
        pdf_url=f"{reverse('assessment-download')}?{query}&format=pdf",
        xlsx_url=f"{reverse('assessment-download')}?{query}&format=xlsx",
        eligibility_url=f"{reverse('assessment-eligibility')}?{query}",
    )
    return TemplateResponse(request, "reports/assessment/page.html", context)


def drilldown_page(request: HttpRequest, key: str) -> HttpResponse:
    """The records behind one indicator, paginated."""
    if (redirect := _check(request)) is not None:
        return redirect
    if key not in SPEC_BY_KEY:
        raise Http404
    result, errors = _read(request)
    context = _context(request, result, str(SPEC_BY_KEY[key].name))
    if result is None:
        return TemplateResponse(request, "reports/assessment/drilldown.html", {**context, "errors": errors}, status=400)
    figure = result.figures[key]
    drill = table(result, key)
    page: Page = Paginator(drill.rows, PAGE_ROWS).get_page(request.GET.get("page"))  # type: ignore[arg-type]
    cells = drill.cells
    context.update(
        figure=figure,
        light_label=LIGHT_LABELS[figure.light],
        schemes="；".join(figure.scheme_names),
        header=drill.header,
        page=page,
        lines=[cells(item) for item in page.object_list],  # type: ignore[operator]
        back=f"{reverse('assessment-page')}?{_query(result)}",
        page_query=_query(result),
    )
    return TemplateResponse(request, "reports/assessment/drilldown.html", context)


def file_name(result: Assessment, kind: str, extension: str) -> str:
    name = "_".join([kind, result.unit.name, result.period.label]).replace("/", "-").replace("\\", "-")
    return f"{name}.{extension}"


def table_header() -> list[str]:
    return [
        _("Indicator"),
        _("Value"),
        _("Numerator"),
        _("Denominator"),
        _("Target"),
        _("Traffic light"),
        _("Schemes"),
        _("Drill-down"),
    ]


def table_cells(request: HttpRequest, row: dict) -> list:
    figure = row["figure"]
    return [
        str(figure.name),
        "" if figure.value is None else str(figure.value),
        "" if figure.numerator is None else str(figure.numerator),
        "" if figure.denominator is None else str(figure.denominator),
        figure.target,
        str(row["light_label"]),
        row["schemes"],
        request.build_absolute_uri(row["href"]),
    ]


def assessment_download(request: HttpRequest) -> HttpResponseBase:
    """The self-assessment as a printable PDF or an XLSX workbook (the table, then each drill-down)."""
    if (redirect := _check(request)) is not None:
        return redirect
    result, errors = _read(request)
    file_format = request.GET.get("format", "pdf")
    if result is None or file_format not in {"pdf", "xlsx"}:
        body = "; ".join(str(message) for messages in errors.values() for message in messages) or _(
            "Choose the format pdf or xlsx."
        )
        return HttpResponse(body, status=400, content_type="text/plain; charset=utf-8")
    rows = _rows(result)
    kind = _("Self-assessment")
    if file_format == "xlsx":
        sheets = [(str(kind), table_header(), [table_cells(request, row) for row in rows])]
        for row in rows:
            drill = table(result, row["figure"].key)
            # A county's events or bookings stream into the constant-memory workbook, not loaded whole.
            records = drill.rows.iterator(chunk_size=2000) if isinstance(drill.rows, QuerySet) else drill.rows
            sheets.append((str(row["figure"].name)[:31], drill.header, map(drill.cells, records)))  # type: ignore
        return workbook_response(sheets, file_name(result, str(kind), "xlsx"), "assessment.xlsx")
    html = render_to_string(
        "reports/assessment/print.html",
        {
            "title": kind,
            "unit": result.unit,
            "period": result.period,
            "rows": rows,
            "schemes": [(SCHEME_SHORT[key], name) for key, name in SCHEMES.items()],
        },
    )
    response = HttpResponse(html_to_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = attachment(file_name(result, str(kind), "pdf"), "assessment.pdf")
    return response


def eligibility_cells(candidate: Candidate) -> list:
    evidence = "；".join(
        f"{criterion.label} {'' if criterion.value is None else criterion.value}（{criterion.threshold}）"
        for criterion in candidate.criteria
    )
    return [
        str(CATEGORY_LABELS[candidate.category]),
        candidate.name,
        candidate.unit.name,
        _("Yes") if candidate.eligible else _("No"),
        evidence,
    ]


def eligibility_page(request: HttpRequest) -> HttpResponseBase:
    """Units and brand projects against the 四个100 thresholds, each with its evidence; ``format=xlsx`` downloads it."""
    if (redirect := _check(request)) is not None:
        return redirect
    result, errors = _read(request)
    context = _context(request, result, _("'Four 100' eligibility"))
    if result is None:
        return TemplateResponse(
            request, "reports/assessment/eligibility.html", {**context, "errors": errors}, status=400
        )
    listed = candidates(result)
    if request.GET.get("format") == "xlsx":
        header = [_("Category"), _("Name"), _("Unit"), _("Eligible"), _("Evidence")]
        return workbook_response(
            [
                (
                    str(_("'Four 100' eligibility")).replace("'", ""),
                    header,
                    [eligibility_cells(candidate) for candidate in listed],
                )
            ],
            file_name(result, _("'Four 100' eligibility"), "xlsx"),
            "four100.xlsx",
        )
    context.update(
        candidates=[{"candidate": candidate, "label": CATEGORY_LABELS[candidate.category]} for candidate in listed],
        xlsx_url=f"{reverse('assessment-eligibility')}?{_query(result, format='xlsx')}",
        back=f"{reverse('assessment-page')}?{_query(result)}",
        projects_url=reverse("assessment-drilldown", args=["projects-active"]) + "?" + _query(result),
    )
    return TemplateResponse(request, "reports/assessment/eligibility.html", context)
