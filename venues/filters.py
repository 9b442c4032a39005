from __future__ import annotations

import datetime

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.bounded_fields import BoundedDateFilter
from stations.admin import SafeModelChoiceField
from stations.filters import SubtreeFilter
from venues.models import Booking, BookingStatus, Venue, VenueKind


class VenueFilter(django_filters.FilterSet):
    unit = SubtreeFilter(field_name="unit__path", label=_("Within unit (subtree)"))
    kind = django_filters.ChoiceFilter(choices=VenueKind.choices)
    q = django_filters.CharFilter(method="filter_q", max_length=100, label=_("Search name, address or facilities"))

    class Meta:
        model = Venue
        fields = ["unit", "kind", "q"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(address__icontains=value) | Q(facilities__icontains=value))


class VenueChoiceFilter(django_filters.ModelChoiceFilter):
    # A crafted id (23 digits) is "not a valid choice", never an overflow.
    field_class = SafeModelChoiceField


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


class BookingFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=BookingStatus.choices)
    venue = VenueChoiceFilter(queryset=Venue.objects.all())
    date_from = BoundedDateFilter(method="filter_from", label=_("Starting on or after"))
    date_to = BoundedDateFilter(method="filter_to", label=_("Starting on or before"))

    class Meta:
        model = Booking
        fields = ["status", "venue", "date_from", "date_to"]

    def filter_from(self, queryset, name, value):
        return queryset.filter(starts_at__gte=_local_midnight(value))

    def filter_to(self, queryset, name, value):
        return queryset.filter(starts_at__lt=_local_midnight(value + datetime.timedelta(days=1)))
