"""Corrections of trainings, awards and evaluations keep their history (志愿服务记录与证明出具办法 art. 13).

The admin already writes a log entry for every change it saves: who, when, and which
fields. Here that entry also names each field's value before and after, so the
object's 「历史」 page answers "who changed what, when" without another model.
Entries are corrected, not deleted: the record is kept, a wrong entry is put right.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import cast

from django import forms
from django.contrib import admin
from django.db.models import Model
from django.utils.translation import gettext, gettext_lazy, pgettext

NO_DELETION_HELP = gettext_lazy(
    "Entries are not deleted: the law asks for records to be kept. Correct a wrong entry here; "
    "every correction is kept with who made it and when, under History."
)


def shown_value(field: forms.Field, value: object) -> str:
    """A form value as a person reads it: names for chosen rows, labels for choices, 是/否 for ticks."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(field, forms.ModelMultipleChoiceField):
        items = value if isinstance(value, Iterable) and not isinstance(value, str) else [value]
        return "、".join(sorted(_row_name(field, item) for item in items)) or "—"
    if isinstance(field, forms.ModelChoiceField):
        return _row_name(field, value)
    if isinstance(field, forms.BooleanField):
        return gettext("yes") if value else gettext("no")
    if isinstance(field, forms.ChoiceField):
        choices = cast(Iterable[tuple[object, object]], field.choices)
        labels = {str(key): label for key, label in choices if not isinstance(label, list | tuple)}
        return str(labels.get(str(value), value))
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _row_name(field: forms.ModelChoiceField, value: object) -> str:
    if isinstance(value, Model):
        return str(value)
    # The old value is the row's own: looked up unscoped, it is what the page showed.
    model = field.queryset.model if field.queryset is not None else None
    row = model._default_manager.filter(pk=value).first() if model is not None else None
    return str(row) if row is not None else str(value)


class CorrectionHistoryMixin(admin.ModelAdmin):
    """The change message of a correction names every changed field with its old and new value."""

    def construct_change_message(self, request, form, formsets, add=False):
        if add or not form.changed_data:
            return super().construct_change_message(request, form, formsets, add)
        changes = [
            gettext("%(field)s: 「%(old)s」 → 「%(new)s」")
            % {
                "field": form.fields[name].label or name,
                "old": shown_value(form.fields[name], form.initial.get(name)),
                "new": shown_value(form.fields[name], form.cleaned_data.get(name)),
            }
            for name in form.changed_data
            if name in form.fields
        ]
        # A plain text message: the history page shows it as it is.
        return gettext("Corrected: %(changes)s.") % {"changes": pgettext("list separator", "; ").join(changes)}
