"""Serializer, form and command-line fields that accept only dates and numbers the platform can compute with.

Python's ``date`` reaches year 9999 and the databases further, but one day added
to 9999-12-31, or 0001-01-01 moved to UTC, overflows and answered 500. Every date
a user sends is therefore held between 1900-01-01 and 2100-12-31: no volunteer
served before 1900, no event is planned after 2100, and both ends leave room for
time-zone shifts and whole-day arithmetic. The limits are constants, not
settings: they guard arithmetic, not policy.

``use_bounded_dates_in_model_serializers`` (called by ``AccountsConfig.ready``)
makes the bounded fields the default for every model date and date-time field of
every ``ModelSerializer``; fields declared by hand use the classes here.
"""

from __future__ import annotations

import argparse
import datetime
from decimal import Decimal
from typing import Any

import django_filters
from django import forms
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

# Inclusive; see the module docstring for why these two.
EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(2100, 12, 31)
# Service hours anyone could total: a lifetime of round-the-clock service is under 1,000,000.
MAX_HOURS = Decimal(1_000_000)

DATE_MESSAGE = _("Enter a date between {earliest} and {latest}.")
DATETIME_MESSAGE = _("Enter a time between {earliest} and {latest}.")


def date_in_range(value: datetime.date) -> bool:
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            try:
                value = timezone.localtime(value)
            except OverflowError:
                return False
        value = value.date()
    return EARLIEST_DATE <= value <= LATEST_DATE


def out_of_range_message(*, time: bool = False) -> str:
    message = DATETIME_MESSAGE if time else DATE_MESSAGE
    return str(message).format(earliest=EARLIEST_DATE.isoformat(), latest=LATEST_DATE.isoformat())


class BoundedDateField(serializers.DateField):
    """A DRF date between ``EARLIEST_DATE`` and ``LATEST_DATE``; 400 with a field message otherwise."""

    def to_internal_value(self, value: Any) -> datetime.date:
        parsed = super().to_internal_value(value)
        if not date_in_range(parsed):
            raise serializers.ValidationError(out_of_range_message(), code="out_of_range")
        return parsed


class BoundedDateTimeField(serializers.DateTimeField):
    """A DRF date-time whose local date lies between ``EARLIEST_DATE`` and ``LATEST_DATE``."""

    def to_internal_value(self, value: Any) -> datetime.datetime:
        try:
            parsed = super().to_internal_value(value)
        except OverflowError:
            # DRF checks a naive 0001-01-01T00:00 made aware in Asia/Shanghai by moving it
            # to UTC, before year 1, and does not catch the overflow.
            parsed = None
        except serializers.ValidationError as error:
            if error.get_codes() != ["overflow"]:
                raise
            parsed = None
        if parsed is None or not date_in_range(parsed):
            raise serializers.ValidationError(out_of_range_message(time=True), code="out_of_range")
        return parsed


def use_bounded_dates_in_model_serializers() -> None:
    """Map model date and date-time fields to the bounded fields in every ModelSerializer.

    DRF looks the serializer field up by the model field's class, so one entry covers
    every app, including ones written later.
    """
    mapping = serializers.ModelSerializer.serializer_field_mapping
    mapping[models.DateField] = BoundedDateField
    mapping[models.DateTimeField] = BoundedDateTimeField


class BoundedFormDateField(forms.DateField):
    """A form date within the bounds (django-filter's date filters build on forms)."""

    def to_python(self, value: Any) -> datetime.date | None:
        parsed = super().to_python(value)
        if parsed is not None and not date_in_range(parsed):
            raise forms.ValidationError(out_of_range_message(), code="out_of_range")
        return parsed


class BoundedFormDateTimeField(forms.DateTimeField):
    def to_python(self, value: Any) -> datetime.datetime | None:
        try:
            parsed = super().to_python(value)
        except OverflowError:
            # Making 0001-01-01T00:00 aware in Asia/Shanghai runs before year 1.
            raise forms.ValidationError(out_of_range_message(time=True), code="out_of_range") from None
        if parsed is not None and not date_in_range(parsed):
            raise forms.ValidationError(out_of_range_message(time=True), code="out_of_range")
        return parsed


class BoundedDateFilter(django_filters.DateFilter):
    """A django-filter date within the bounds."""

    field_class = BoundedFormDateField


class BoundedDateTimeFilter(django_filters.DateTimeFilter):
    field_class = BoundedFormDateTimeField


def bounded_date_argument(value: str) -> datetime.date:
    """An ``argparse`` type: an ISO date within the bounds, else a usage error naming them."""
    try:
        parsed = datetime.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None
    if not date_in_range(parsed):
        raise argparse.ArgumentTypeError(out_of_range_message())
    return parsed
