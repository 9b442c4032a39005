"""Everything the platform holds about a volunteer, for them to download (PIPL art. 45).

One dictionary of sections (profile, consents, sign-ups, service records and their
history, evaluations, correction requests, trainings, awards, certificates and
certificate requests, teams), given as JSON and laid out as a readable PDF.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certificates.models import Certificate, CertificateRequest
from certificates.pdfs import html_to_pdf
from events.models import CorrectionRequest, Evaluation, RecordChange, ServiceRecord, Signup
from volunteers import consent_texts
from volunteers.models import Award, ConsentRecord, Training, Volunteer


def plain(value: object) -> object:
    """A value as JSON holds it: times in Asia/Shanghai, decimals as strings."""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, models.fields.files.FieldFile):
        return bool(value)
    return value


def rows(queryset, fields: list[str]) -> list[dict]:
    """Each row's fields, choices in words."""
    result = []
    for obj in queryset:
        row = {}
        for name in fields:
            display = getattr(obj, f"get_{name}_display", None)
            row[name] = str(display()) if display else plain(getattr(obj, name))
        result.append(row)
    return result


def personal_data(volunteer: Volunteer) -> dict:
    """The volunteer's data, section by section (their own, in full)."""
    user = volunteer.user
    profile = rows(
        [volunteer],
        [
            "number",
            "national_number",
            "real_name",
            "id_type",
            "id_number",
            "gender",
            "birth_date",
            "home_station",
            "political_status",
            "status",
            "consented_at",
            "guardian_name",
            "guardian_phone",
            "guardian_relation",
            "guardian_consented_at",
            "closed_at",
            "created_at",
        ],
    )[0]
    profile["phone"] = user.phone
    profile["skills"] = [skill.name for skill in volunteer.skills.all()]
    consents = rows(ConsentRecord.objects.filter(volunteer=volunteer), ["kind", "version", "consented_at"])
    for consent, record in zip(consents, ConsentRecord.objects.filter(volunteer=volunteer), strict=True):
        consent["text"] = str(consent_texts.TEXTS.get(record.version, {}).get(record.kind, ""))
    records = ServiceRecord.objects.filter(volunteer=volunteer).select_related("event__unit").order_by("checked_in_at")
    record_rows = rows(
        records,
        [
            "id",
            "event",
            "checked_in_at",
            "checked_out_at",
            "method",
            "status",
            "credited_hours",
            "reason",
            "reviewed_at",
        ],
    )
    for row, record in zip(record_rows, records, strict=True):
        row["unit"] = record.event.unit.name
    return {
        "generated_at": plain(timezone.now()),
        "profile": profile,
        "consents": consents,
        "signups": rows(
            Signup.objects.filter(volunteer=volunteer).select_related("event"),
            ["event", "status", "queued_at", "risk_acknowledged_at"],
        ),
        "service_records": record_rows,
        "record_changes": rows(
            RecordChange.objects.filter(record__volunteer=volunteer).order_by("id"),
            ["record_id", "changed_at", "action", "reason"],
        ),
        "evaluations": rows(
            Evaluation.objects.filter(volunteer=volunteer).select_related("unit"),
            ["unit", "record_id", "period_start", "period_end", "evaluated_on", "grade", "comment"],
        ),
        "correction_requests": rows(
            CorrectionRequest.objects.filter(volunteer=volunteer).select_related("event"),
            ["kind", "event", "checked_in_at", "checked_out_at", "reason", "status", "decline_reason", "created_at"],
        ),
        "trainings": rows(
            Training.objects.filter(attendees=volunteer), ["name", "content", "hours", "organiser", "held_on"]
        ),
        "awards": rows(Award.objects.filter(volunteer=volunteer), ["name", "awarded_on", "awarding_body", "level"]),
        "certificates": rows(
            Certificate.objects.filter(volunteer=volunteer),
            ["number", "unit_name", "service_time", "hours", "record_count", "issued_at", "revoked_at"],
        ),
        "certificate_requests": rows(
            CertificateRequest.objects.filter(volunteer=volunteer), ["unit", "status", "created_at"]
        ),
        "teams": [team.name for team in volunteer.teams.all()],
    }


SECTION_TITLES = {
    "profile": gettext_lazy("Profile"),
    "consents": gettext_lazy("Consents"),
    "signups": gettext_lazy("Sign-ups"),
    "service_records": gettext_lazy("Service records"),
    "record_changes": gettext_lazy("Changes to service records"),
    "evaluations": gettext_lazy("Evaluations"),
    "correction_requests": gettext_lazy("Correction requests"),
    "trainings": gettext_lazy("Trainings"),
    "awards": gettext_lazy("Awards"),
    "certificates": gettext_lazy("Certificates"),
    "certificate_requests": gettext_lazy("Certificate requests"),
    "teams": gettext_lazy("Teams"),
}


LABEL_MODELS = [Volunteer, ConsentRecord, Signup, ServiceRecord, RecordChange, Evaluation, CorrectionRequest]
LABEL_MODELS += [Training, Award, Certificate, CertificateRequest]


def labels() -> dict[str, str]:
    """Field names in words (the first model naming a field wins), for the PDF's headings."""
    found: dict[str, str] = {
        "phone": _("mobile number"),
        "skills": _("skills"),
        "text": _("consent text"),
        "unit": _("unit"),
        "record_id": _("service record"),
    }
    for model in LABEL_MODELS:
        for model_field in model._meta.get_fields():
            if hasattr(model_field, "verbose_name"):
                found.setdefault(model_field.name, str(model_field.verbose_name))
    return found


def readable(value: object, names: dict[str, str]) -> object:
    if isinstance(value, dict):
        return {names.get(key, key): item for key, item in value.items()}
    if isinstance(value, list):
        return [readable(item, names) for item in value]
    return value


def personal_data_pdf(volunteer: Volunteer) -> bytes:
    """The same data laid out for reading and printing, in Chinese."""
    with translation.override(settings.LANGUAGE_CODE):
        data = personal_data(volunteer)
        names = labels()
        sections = [
            {"title": str(title), "value": readable(data[key], names)}
            for key, title in SECTION_TITLES.items()
            if key in data
        ]
        html = render_to_string(
            "reports/personal_data.html",
            {"volunteer_name": volunteer.real_name, "generated_at": data["generated_at"], "sections": sections},
        )
    return html_to_pdf(html)
