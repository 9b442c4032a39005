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
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from certificates.models import Certificate, CertificateRequest
from certificates.pdfs import html_to_pdf
from events.models import (
    ActivityPhoto,
    CorrectionRequest,
    Evaluation,
    Event,
    RecordChange,
    RefusedScan,
    ServiceRecord,
    Signup,
)
from events.services import CheckInError
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


def as_is(value: object) -> object:
    """A value as the PDF's layout takes it: typed (times, dates, decimals, rows), files as whether one is held."""
    if isinstance(value, models.fields.files.FieldFile):
        return bool(value)
    return value


Shown = Callable[[object], object]


def rows(queryset, fields: list[str], shown: Shown = plain) -> list[dict]:
    """Each row's fields, choices in words, other values as ``shown`` gives them."""
    result = []
    for obj in queryset:
        row = {}
        for name in fields:
            display = getattr(obj, f"get_{name}_display", None)
            row[name] = str(display()) if display else shown(getattr(obj, name))
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
    shown: Shown = plain,
) -> dict:
    """One photo of the download: what it shows and where to fetch it (the same keys for every kind)."""
    return {
        "kind": kind,
        "about": about,
        "caption": caption,
        "taken_at": shown(taken_at),
        "uploaded_at": shown(uploaded_at),
        "url": photo_url(kind, pk),
    }


def account_data(user: User, shown: Shown = plain) -> dict:
    """What every account holds: the login, orders placed, ratings given, photos uploaded."""
    account = rows([user], ["phone", "name", "is_active", "date_joined", "last_login"], shown)[0]
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
        shown,
    )
    for row, order in zip(order_rows, orders, strict=True):
        row["photo"] = photo_url("order", order.pk) if order.photo else None
    # Their own orders' ratings only: a manager who noted a resident's rating by telephone
    # (rated_by) must not receive that resident's words in their own download.
    ratings = Rating.objects.filter(order__resident=user).order_by("rated_at", "id")
    activity = ActivityPhoto.objects.filter(uploaded_by=user).select_related("record__event").order_by("uploaded_at")
    photos = [
        photo_row("order", order.pk, about=str(order.item), uploaded_at=order.created_at, shown=shown)
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
            shown=shown,
        )
        for photo in activity
    ]
    corrections = CorrectionRequest.objects.filter(volunteer__user=user).exclude(photo="").select_related("event")
    photos += [
        photo_row("correction", item.pk, about=str(item.event or ""), uploaded_at=item.created_at, shown=shown)
        for item in corrections.order_by("created_at", "id")
    ]
    return {
        "account": account,
        "orders": order_rows,
        "ratings": rows(ratings, ["order_id", "response", "attitude", "result", "comment", "rated_at"], shown),
        "photos": photos,
    }


def personal_data(user: User, shown: Shown = plain) -> dict:
    """The person's data, section by section (their own, in full); values as JSON holds them
    unless ``shown`` says otherwise."""
    data = {"generated_at": shown(timezone.now()), **account_data(user, shown)}
    volunteer = Volunteer.objects.of_user(user).select_related("home_station").first()
    if volunteer is not None:
        data.update(volunteer_data(volunteer, shown))
    return data


def volunteer_data(volunteer: Volunteer, shown: Shown = plain) -> dict:
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
        shown,
    )[0]
    profile["phone"] = user.phone
    profile["skills"] = [skill.name for skill in volunteer.skills.all()]
    consents = rows(ConsentRecord.objects.filter(volunteer=volunteer), ["kind", "version", "consented_at"], shown)
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
        shown,
    )
    for row, record in zip(record_rows, records, strict=True):
        row["unit"] = record.event.unit.name
    return {
        "profile": profile,
        "consents": consents,
        "signups": rows(
            Signup.objects.filter(volunteer=volunteer).select_related("event"),
            ["event", "status", "queued_at", "risk_acknowledged_at"],
            shown,
        ),
        "service_records": record_rows,
        "record_changes": rows(
            RecordChange.objects.filter(record__volunteer=volunteer).order_by("id"),
            ["record_id", "changed_at", "action", "reason"],
            shown,
        ),
        "refused_scans": rows(
            RefusedScan.objects.filter(volunteer=volunteer).select_related("event").order_by("at", "id"),
            ["event", "action", "code", "at", "ip", "user_agent"],
            shown,
        ),
        "evaluations": rows(
            Evaluation.objects.filter(volunteer=volunteer).select_related("unit"),
            ["unit", "record_id", "period_start", "period_end", "evaluated_on", "grade", "comment"],
            shown,
        ),
        "correction_requests": rows(
            CorrectionRequest.objects.filter(volunteer=volunteer).select_related("event"),
            ["kind", "event", "checked_in_at", "checked_out_at", "reason", "status", "decline_reason", "created_at"],
            shown,
        ),
        "trainings": rows(
            Training.objects.filter(attendees=volunteer), ["name", "content", "hours", "organiser", "held_on"], shown
        ),
        "awards": rows(
            Award.objects.filter(volunteer=volunteer), ["name", "awarded_on", "awarding_body", "level"], shown
        ),
        "certificates": rows(
            Certificate.objects.filter(volunteer=volunteer),
            ["number", "unit_name", "service_time", "hours", "record_count", "issued_at", "revoked_at"],
            shown,
        ),
        "certificate_requests": rows(
            CertificateRequest.objects.filter(volunteer=volunteer), ["unit", "status", "created_at"], shown
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


# The model each section's rows come from: its fields name the section's columns.
SECTION_MODELS: dict[str, type[models.Model]] = {
    "account": User,
    "profile": Volunteer,
    "consents": ConsentRecord,
    "signups": Signup,
    "service_records": ServiceRecord,
    "record_changes": RecordChange,
    "refused_scans": RefusedScan,
    "evaluations": Evaluation,
    "correction_requests": CorrectionRequest,
    "trainings": Training,
    "awards": Award,
    "certificates": Certificate,
    "certificate_requests": CertificateRequest,
    "orders": Order,
    "ratings": Rating,
    "photos": ActivityPhoto,
}


def labels(section: str = "") -> dict[str, str]:
    """Field names in words for the PDF's headings: the section's model names its columns."""
    model = SECTION_MODELS.get(section)
    found: dict[str, str] = (
        {field.name: str(field.verbose_name) for field in model._meta.get_fields() if hasattr(field, "verbose_name")}
        if model
        else {}
    )
    found.update(
        {
            "phone": _("mobile number"),
            "skills": _("skills"),
            "text": _("consent text"),
            "record_id": _("service record"),
            "order_id": _("service order"),
            "about": _("about"),
            "url": _("download address"),
            "id": _("Reference number"),
            "period": _("Evaluated period"),
        }
    )
    found.setdefault("unit", _("unit"))
    found.setdefault("kind", _("kind"))
    if section != "certificates":
        found["service_time"] = _("Service time")
    if section == "refused_scans":
        found["code"] = _("Why it was refused")
    return found


# The PDF ------------------------------------------------------------------------------
# The same sections laid out as a document: times in local time and in words, choices and
# booleans in words, a start and its end in one cell, each order on a card of its own.


@dataclass(frozen=True)
class Span:
    """A start and its end shown in one cell: 2026年12月5日 08:00–10:00."""

    start: object
    end: object


# Pairs of fields shown as one span, and the name of the span.
SPANS = [
    ("checked_in_at", "checked_out_at", "service_time"),
    ("starts_at", "ends_at", "service_time"),
    ("period_start", "period_end", "period"),
]
# Long texts shown on a full-width line under their row rather than in a narrow column.
WIDE_FIELDS = {"consents": {"text"}, "refused_scans": {"user_agent"}}
# Sections whose items each get a card of label/value lines: too many fields for a row.
CARD_SECTIONS = {"orders"}
PHOTO_KINDS_IN_WORDS = {
    "order": gettext_lazy("photo of a service order"),
    "activity": gettext_lazy("photo of an activity record"),
    "correction": gettext_lazy("photo of a correction request"),
}


def local_day(value: datetime.date) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def local_moment(value: datetime.datetime) -> str:
    moment = timezone.localtime(value)
    return f"{local_day(moment)} {moment:%H:%M}"


def in_words(value: object) -> str:
    """A cell's text: 2026年12月5日 08:00, 是/否, lists joined with 、, nothing as —."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime.datetime):
        return local_moment(value)
    if isinstance(value, datetime.date):
        return local_day(value)
    if isinstance(value, Span):
        return span_in_words(value.start, value.end)
    if isinstance(value, Event):
        return f"{value.title}（{local_day(timezone.localtime(value.starts_at))}）"
    if isinstance(value, list | tuple):
        return "、".join(in_words(item) for item in value)
    return str(value)


def span_in_words(start: object, end: object) -> str:
    if start is None and end is None:
        return "—"
    if isinstance(start, datetime.datetime) and isinstance(end, datetime.datetime):
        first, last = timezone.localtime(start), timezone.localtime(end)
        if first.date() == last.date():
            return f"{local_day(first)} {first:%H:%M}–{last:%H:%M}"
    if start == end:
        return in_words(start)
    return f"{in_words(start) if start is not None else ''} – {in_words(end) if end is not None else ''}".strip()


def cell_class(values: list) -> str:
    """What a column holds: times, dates, numbers, short words (each kept on one line), or free text."""
    present = [value for value in values if value not in (None, "", [])]
    if not present:
        return "short"
    if all(isinstance(value, datetime.datetime | Span) for value in present):
        return "when"
    if all(isinstance(value, datetime.date) for value in present):
        return "day"
    if all(isinstance(value, int | Decimal) and not isinstance(value, bool) for value in present):
        return "num"
    if all(isinstance(value, bool) or text_width_mm(in_words(value)) <= 5 * EM_MM + PADDING_MM for value in present):
        return "short"
    return ""


# Dates and times inside free text are not broken either (2026年12月4日, 09:00–11:00).
UNBROKEN_IN_TEXT = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日|\d{1,2}:\d{2}(?:–\d{1,2}:\d{2})?|[0-9A-Za-z.:/-]{2,12}")
# Columns of times break between the day and the hour; the other kept columns not at all.
TIMES = {"when", "day"}
# The PDF's font size in the tables (8.5pt) in millimetres, and a cell's horizontal padding.
EM_MM, PADDING_MM = 3.0, 3.4


def words_of(text: str, kind: str) -> list[str]:
    """The pieces of a kept column's cell that stay on one line: a time's day and hour (the dash
    of a span stays with its start), or the whole text."""
    return re.split(r" (?!–)", text) if kind in TIMES else [text]


def parts(text: str, kind: str) -> list[dict]:
    """A cell's text in pieces, each marked whether it may break inside.

    WeasyPrint breaks Chinese text between any two characters and knows no word-break:
    keep-all, so the pieces that must stay whole are wrapped in a nowrap span: in a
    column of times, numbers or short words every word; in free text the dates and times.
    """
    if kind:
        pieces = []
        for index, word in enumerate(words_of(text, kind)):
            pieces += [{"text": " ", "whole": False}] if index else []
            pieces.append({"text": word, "whole": True})
        return pieces
    pieces, at = [], 0
    for match in UNBROKEN_IN_TEXT.finditer(text):
        if match.start() > at:
            pieces.append({"text": text[at : match.start()], "whole": False})
        pieces.append({"text": match.group(), "whole": True})
        at = match.end()
    if at < len(text):
        pieces.append({"text": text[at:], "whole": False})
    return pieces


def text_width_mm(text: str) -> float:
    """How wide a piece of text set on one line is, roughly: Chinese characters an em, the rest about half."""
    return sum(EM_MM if ord(character) > 0x2E80 else EM_MM * 0.56 for character in text) + PADDING_MM


def column_width_mm(kind: str, label: str, texts: list[str]) -> float | None:
    """The width of a column whose words are kept whole: its widest word, and room for its
    heading on two lines; None for free text."""
    if not kind:
        return None
    words = [word for text in texts for word in words_of(text, kind)]
    ems = sum(1 if ord(character) > 0x2E80 else 0.56 for character in label)
    widest = max((text_width_mm(word) for word in words), default=0)
    # At least room for the heading on two lines; then no heading line holds one character alone.
    per_line = max(math.ceil(ems / 2), math.floor((widest - PADDING_MM) / EM_MM + 0.01), 2)
    while per_line < ems and 0 < ems % per_line <= 1:
        per_line += 1
    widest = max(widest, per_line * EM_MM + PADDING_MM)
    return round(widest + 0.4, 1)


def with_spans(row: dict) -> dict:
    """The row with each start and end pair in one field."""
    for start, end, name in SPANS:
        if start in row and end in row:
            merged = {}
            for key, value in row.items():
                if key == start:
                    merged[name] = Span(row[start], row[end])
                elif key != end:
                    merged[key] = value
            row = merged
    return row


def in_words_for(section: str, key: str, value: object) -> object:
    """Codes the rows keep as they are stored, in words for the reader."""
    if section == "refused_scans" and key == "code":
        return CheckInError.messages.get(str(value), value)
    if section == "photos" and key == "kind":
        return PHOTO_KINDS_IN_WORDS.get(str(value), value)
    if section == "photos" and key == "url":
        return settings.SITE_URL + str(value)
    return value


def document_section(key: str, title: str, value: object, names: dict[str, str]) -> dict:
    """One section of the PDF: a table of facts, a table of rows, cards, or words."""
    section: dict = {"key": key, "title": title}
    if isinstance(value, dict):
        facts = [(names.get(name, name), in_words(item)) for name, item in with_spans(value).items()]
        return {**section, "layout": "facts", "facts": [(name, text) for name, text in facts if text != "—"]}
    if not value:
        return {**section, "layout": "none"}
    if not isinstance(value, list) or not isinstance(value[0], dict):
        return {**section, "layout": "words", "text": in_words(value)}
    items = [with_spans({name: in_words_for(key, name, item) for name, item in row.items()}) for row in value]
    if key in CARD_SECTIONS:
        cards = []
        for item in items:
            facts = [(names.get(name, name), in_words(field)) for name, field in item.items() if name != "id"]
            cards.append(
                {
                    "title": _("Order %(number)s") % {"number": item.get("id", "")},
                    "facts": [(name, text) for name, text in facts if text != "—"],
                }
            )
        return {**section, "layout": "cards", "cards": cards}
    wide = WIDE_FIELDS.get(key, set())
    columns = []
    for name in [name for name in items[0] if name not in wide]:
        kind = cell_class([item[name] for item in items])
        texts = [in_words(item[name]) for item in items]
        label = names.get(name, name)
        columns.append({"name": name, "label": label, "class": kind, "width": column_width_mm(kind, label, texts)})
    return {
        **section,
        "layout": "table",
        "columns": columns,
        "rows": [
            {
                "cells": [
                    {"class": column["class"], "parts": parts(in_words(item[column["name"]]), column["class"])}
                    for column in columns
                ],
                "wide": [(names.get(name, name), in_words(item[name])) for name in wide if item.get(name)],
            }
            for item in items
        ],
    }


def personal_data_pdf(user: User) -> bytes:
    """The same data laid out for reading and printing, in Chinese."""
    with translation.override(settings.LANGUAGE_CODE):
        data = personal_data(user, shown=as_is)
        volunteer = Volunteer.objects.of_user(user).first()
        sections = [
            document_section(key, str(title), data[key], labels(key))
            for key, title in SECTION_TITLES.items()
            if key in data
        ]
        html = render_to_string(
            "reports/personal_data.html",
            {
                "volunteer_name": volunteer.real_name if volunteer else user.name or user.phone,
                "generated_at": in_words(data["generated_at"]),
                "sections": sections,
            },
        )
    return html_to_pdf(html)
