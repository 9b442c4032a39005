"""The national-system export and the annual report (办法 art. 18) as forms in the admin site.

The same files as the API's endpoints (``national_export.download``, ``annual_report.download``),
checked by the same query serializers: a person chooses the unit and the period in a
form, and a wrong choice comes back as a message at its field, never as an error page.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from reports.legal import annual_report, national_export
from reports.legal.national_export import ExportKind
from reports.legal.serializers import AnnualReportQuerySerializer, NationalExportQuerySerializer
from stations.admin import SafeModelChoiceField, safe_pk, serializer_errors_to_form
from stations.models import PracticeUnit
from stations.scoping import is_manager, root_units

DOWNLOAD = "download"
# Years offered for an annual report: the platform's records do not go back further.
FIRST_YEAR = 2015


class UnitChoiceField(SafeModelChoiceField):
    def label_from_instance(self, obj: PracticeUnit) -> str:
        return f"{obj.get_level_display()} · {obj.name}"


class ReportForm(forms.Form):
    """A unit among those the user manages (an admin: every unit); the only one is pre-selected."""

    required_css_class = "required"
    serializer_class: type = NationalExportQuerySerializer
    unit = UnitChoiceField(label=_("unit"), queryset=PracticeUnit.objects.none(), empty_label=None)

    def __init__(self, request: HttpRequest, **kwargs: Any) -> None:
        # Filled in only when the form was sent: a link's ?unit= just pre-selects the unit.
        kwargs.setdefault("label_suffix", pgettext_lazy("label suffix", ":"))
        super().__init__(request.GET if DOWNLOAD in request.GET else None, **kwargs)
        user = request.user
        field = cast(UnitChoiceField, self.fields["unit"])
        field.queryset = PracticeUnit.objects.managed_by(user).order_by("path")
        roots = root_units(user) if not user.is_superuser else []
        linked = safe_pk(request.GET.get("unit"))
        if linked is not None and field.queryset.filter(pk=linked).exists():
            field.initial = linked
        elif len(roots) == 1:
            field.initial = roots[0].pk

    def query(self, cleaned: dict) -> dict:
        return {"unit": cleaned["unit"].pk}

    def clean(self) -> dict:
        cleaned = cast(dict[str, Any], super().clean())  # Form.clean returns cleaned_data
        if self.errors:
            return cleaned
        # The API's own checks, so both refuse the same input in the same words.
        serializer = self.serializer_class(data=self.query(cleaned))
        if serializer.is_valid():
            cleaned.update({key: value for key, value in serializer.validated_data.items() if key != "unit"})
        else:
            serializer_errors_to_form(self, serializer.errors)
        return cleaned


class NationalExportForm(ReportForm):
    kind = forms.ChoiceField(
        label=_("what to export"), choices=ExportKind.CHOICES, initial=ExportKind.VOLUNTEERS, widget=forms.RadioSelect
    )
    date_from = forms.DateField(
        label=_("from date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Service records only: events starting on or after this day. Empty: from the first."),
    )
    date_to = forms.DateField(
        label=_("to date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Included. Empty: up to today."),
    )

    def query(self, cleaned: dict) -> dict:
        dates = {name: cleaned[name].isoformat() for name in ("date_from", "date_to") if cleaned.get(name)}
        return {**super().query(cleaned), "kind": cleaned["kind"], **dates}


class AnnualReportForm(ReportForm):
    serializer_class = AnnualReportQuerySerializer
    year = forms.TypedChoiceField(label=_("year"), coerce=int, choices=[])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        this_year = timezone.localdate().year
        field = cast(forms.TypedChoiceField, self.fields["year"])
        field.choices = [(year, str(year)) for year in range(this_year, FIRST_YEAR - 1, -1)]
        # The report is made for a finished year.
        field.initial = this_year - 1

    def query(self, cleaned: dict) -> dict:
        return {**super().query(cleaned), "year": cleaned["year"]}


def report_page(request: HttpRequest, form: ReportForm, *, title: str, intro: str, download) -> HttpResponse:
    if form.is_bound and form.is_valid():
        return download(form.cleaned_data)
    context = {
        **admin.site.each_context(request),
        "title": title,
        "intro": intro,
        "form": form,
        "download": DOWNLOAD,
    }
    return TemplateResponse(request, "reports/legal/admin_form.html", context, status=400 if form.errors else 200)


def national_export_page(request: HttpRequest) -> HttpResponse:
    """Admins only: the import file carries full ID and mobile numbers, which only admins see."""
    if not (request.user.is_active and request.user.is_staff and request.user.is_superuser):
        raise PermissionDenied
    form = NationalExportForm(request)
    return report_page(
        request,
        form,
        title=gettext("National system export"),
        intro=gettext(
            "Volunteers or approved service records of a unit and the units below it, laid out for the bulk "
            "import of the national volunteer service information system (chinavolunteer.mca.gov.cn). "
            "The file holds full ID and mobile numbers: keep it safe and delete it after the import."
        ),
        download=lambda data: national_export.download(
            data["unit"], data["kind"], data.get("date_from"), data.get("date_to")
        ),
    )


def annual_report_page(request: HttpRequest) -> HttpResponse:
    """Admins and unit managers: a unit of theirs and a year."""
    if not (request.user.is_active and request.user.is_staff and is_manager(request.user)):
        raise PermissionDenied
    form = AnnualReportForm(request)
    return report_page(
        request,
        form,
        title=gettext("Annual report on records and certificates"),
        intro=gettext(
            "Per month of the year, for the unit and the units below it: volunteers registered, approved "
            "service records and hours, trainings, awards and certificates issued (志愿服务记录与证明出具办法 "
            "art. 18)."
        ),
        download=lambda data: annual_report.download(data["unit"], data["year"]),
    )
