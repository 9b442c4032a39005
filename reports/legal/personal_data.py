"""Everything the platform holds about a volunteer or a resident, for them to download (PIPL art. 45).

One dictionary of sections, given as JSON and laid out as a readable PDF. Everyone:
the account, their service orders (with addresses and phones), the ratings they gave
and the photos they uploaded. A volunteer besides: profile, consents, sign-ups,
service records and their history, refused scans (with the address and browser they
were made from), evaluations, correction requests, trainings, awards, certificates and
certificate requests, teams. A photo is listed with the address of its download
(``/api/v1/me/data/photos/<kind>/<id>/``), which serves only the person's own.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from certificates.models import Certificate, CertificateRequest
from certificates.pdfs import html_to_pdf
from events.models import ActivityPhoto, CorrectionRequest, Evaluation, RecordChange, RefusedScan, ServiceRecord, Signup
from orders.models import Order, Rating
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


def photo_url(kind: str, pk: int) -> str:
    return reverse("me-data-photo", kwargs={"kind": kind, "pk": pk})


# The photos a person may download as their own, by kind: which rows are theirs.
PHOTO_KINDS = {
    "order": lambda user: Order.objects.filter(resident=user).exclude(photo=""),
    "activity": lambda user: ActivityPhoto.objects.filter(uploaded_by=user),
    "correction": lambda user: CorrectionRequest.objects.filter(volunteer__user=user).exclude(photo=""),
}


def own_photo(user: User, kind: str, pk: int) -> models.fields.files.FieldFile | None:
    """The file of one of the user's own photos, or None."""
    mine = PHOTO_KINDS.get(kind)
    found = mine(user).filter(pk=pk).first() if mine else None
    if found is None:
        return None
    return found.image if kind == "activity" else found.photo


def photo_row(
    kind: str,
    pk: int,
    *,
    about: str,
    uploaded_at: datetime.datetime,
    caption: str = "",
    taken_at: datetime.datetime | None = None,
) -> dict:
    """One photo of the download: what it shows and where to fetch it (the same keys for every kind)."""
    return {
        "kind": kind,
        "about": about,
        "caption": caption,
        "taken_at": plain(taken_at),
        "uploaded_at": plain(uploaded_at),
        "url": photo_url(kind, pk),
    }


def account_data(user: User) -> dict:
    """What every account holds: the login, orders placed, ratings given, photos uploaded."""
    account = rows([user], ["phone", "name", "is_active", "date_joined", "last_login"])[0]
    orders = Order.objects.filter(resident=user).select_related("item", "station", "team").order_by("created_at", "id")
    order_rows = rows(
        orders,
        [
            "id",
            "item",
            "station",
            "contact_name",
            "honorific",
            "contact_phone",
            "address",
            "description",
            "state",
            "team",
            "starts_at",
            "ends_at",
            "place",
            "created_at",
            "completed_at",
            "closed_at",
        ],
    )
    for row, order in zip(order_rows, orders, strict=True):
        row["photo"] = photo_url("order", order.pk) if order.photo else None
    # Their own orders' ratings only: a manager who noted a resident's rating by telephone
    # (rated_by) must not receive that resident's words in their own download.
    ratings = Rating.objects.filter(order__resident=user).order_by("rated_at", "id")
    activity = ActivityPhoto.objects.filter(uploaded_by=user).select_related("record__event").order_by("uploaded_at")
    photos = [
        photo_row("order", order.pk, about=str(order.item), uploaded_at=order.created_at)
        for order in orders
        if order.photo
    ]
    photos += [
        photo_row(
            "activity",
            photo.pk,
            about=photo.record.event.title,
            caption=photo.caption,
            taken_at=photo.taken_at,
            uploaded_at=photo.uploaded_at,
        )
        for photo in activity
    ]
    corrections = CorrectionRequest.objects.filter(volunteer__user=user).exclude(photo="").select_related("event")
    photos += [
        photo_row("correction", item.pk, about=str(item.event or ""), uploaded_at=item.created_at)
        for item in corrections.order_by("created_at", "id")
    ]
    return {
        "account": account,
        "orders": order_rows,
        "ratings": rows(ratings, ["order_id", "response", "attitude", "result", "comment", "rated_at"]),
        "photos": photos,
    }


def personal_data(user: User) -> dict:
    """The person's data, section by section (their own, in full)."""
    data = {"generated_at": plain(timezone.now()), **account_data(user)}
    volunteer = Volunteer.objects.of_user(user).select_related("home_station").first()
    if volunteer is not None:
        data.update(volunteer_data(volunteer))
    return data


def volunteer_data(volunteer: Volunteer) -> dict:
    """The sections only a volunteer has."""
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
            "birth_year",
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
        "refused_scans": rows(
            RefusedScan.objects.filter(volunteer=volunteer).select_related("event").order_by("at", "id"),
            ["event", "action", "code", "at", "ip", "user_agent"],
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
    "account": gettext_lazy("Account"),
    "profile": gettext_lazy("Profile"),
    "consents": gettext_lazy("Consents"),
    "signups": gettext_lazy("Sign-ups"),
    "service_records": gettext_lazy("Service records"),
    "record_changes": gettext_lazy("Changes to service records"),
    "refused_scans": gettext_lazy("Refused scans"),
    "evaluations": gettext_lazy("Evaluations"),
    "correction_requests": gettext_lazy("Correction requests"),
    "trainings": gettext_lazy("Trainings"),
    "awards": gettext_lazy("Awards"),
    "certificates": gettext_lazy("Certificates"),
    "certificate_requests": gettext_lazy("Certificate requests"),
    "teams": gettext_lazy("Teams"),
    "orders": gettext_lazy("Service orders"),
    "ratings": gettext_lazy("Ratings given"),
    "photos": gettext_lazy("Photos uploaded"),
}


LABEL_MODELS = [User, Volunteer, ConsentRecord, Signup, ServiceRecord, RecordChange, RefusedScan, Evaluation]
LABEL_MODELS += [CorrectionRequest, Training, Award, Certificate, CertificateRequest, Order, Rating, ActivityPhoto]


def labels() -> dict[str, str]:
    """Field names in words (the first model naming a field wins), for the PDF's headings."""
    found: dict[str, str] = {
        "phone": _("mobile number"),
        "skills": _("skills"),
        "text": _("consent text"),
        "unit": _("unit"),
        "record_id": _("service record"),
        "order_id": _("service order"),
        "kind": _("kind"),
        "about": _("about"),
        "url": _("download address"),
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


def personal_data_pdf(user: User) -> bytes:
    """The same data laid out for reading and printing, in Chinese."""
    with translation.override(settings.LANGUAGE_CODE):
        data = personal_data(user)
        volunteer = Volunteer.objects.of_user(user).first()
        names = labels()
        sections = [
            {"title": str(title), "value": readable(data[key], names)}
            for key, title in SECTION_TITLES.items()
            if key in data
        ]
        html = render_to_string(
            "reports/personal_data.html",
            {
                "volunteer_name": volunteer.real_name if volunteer else user.name or data["account"]["phone"],
                "generated_at": data["generated_at"],
                "sections": sections,
            },
        )
    return html_to_pdf(html)
