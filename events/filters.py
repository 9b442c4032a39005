import django_filters
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.bounded_fields import BoundedDateFilter
from events.models import (
    CorrectionRequest,
    CorrectionStatus,
    Event,
    EventStatus,
    RecordStatus,
    RefusedScan,
    ServiceCategory,
    ServiceRecord,
)
from events.record_deadlines import UNREVIEWED, overdue_q
from stations.filters import ScopedChoiceFilter, SubtreeFilter
from stations.scoping import scoped
from volunteers.models import Volunteer


class EventFilter(django_filters.FilterSet):
    unit = SubtreeFilter(field_name="unit__path", label=_("Organising unit (subtree)"))
    category = django_filters.MultipleChoiceFilter(choices=ServiceCategory.choices)
    status = django_filters.MultipleChoiceFilter(choices=EventStatus.choices)
    date_from = BoundedDateFilter(field_name="ends_at", lookup_expr="date__gte", label=_("Ends on or after"))
    date_to = BoundedDateFilter(field_name="starts_at", lookup_expr="date__lte", label=_("Starts on or before"))
    has_free_places = django_filters.BooleanFilter(method="filter_free", label=_("Has free places"))
    q = django_filters.CharFilter(method="filter_q", label=_("Search title, address or description"))
    documented = django_filters.BooleanFilter(
        method="filter_documented", label=_("Documented (summary and enough photos; events you manage)")
    )

    class Meta:
        model = Event
        fields = ["unit", "category", "status", "date_from", "date_to", "has_free_places", "q", "documented"]

    def filter_free(self, queryset, name, value):
        free = Q(capacity__isnull=True) | Q(confirmed_count__lt=F("capacity"))
        return queryset.filter(free) if value else queryset.exclude(free)

    def filter_q(self, queryset, name, value):
        return queryset.filter(
            Q(title__icontains=value) | Q(address__icontains=value) | Q(description__icontains=value)
        )

    def filter_documented(self, queryset, name, value):
        # Whether an event is documented is its managers' business: others get no events.
        managed = scoped(queryset, self.request.user, "unit__path")
        return managed.documented() if value else managed.undocumented()


class ServiceRecordFilter(django_filters.FilterSet):
    unit = SubtreeFilter(field_name="event__unit__path", label=_("Organising unit (subtree)"))
    event = ScopedChoiceFilter(model=Event, listed=True)
    volunteer = ScopedChoiceFilter(model=Volunteer, listed=True)
    status = django_filters.MultipleChoiceFilter(choices=RecordStatus.choices)
    flagged = django_filters.BooleanFilter(method="filter_flagged", label=_("Flagged"))
    date_from = BoundedDateFilter(field_name="checked_in_at", lookup_expr="date__gte", label=_("From date"))
    date_to = BoundedDateFilter(field_name="checked_in_at", lookup_expr="date__lte", label=_("To date"))

    class Meta:
        model = ServiceRecord
        fields = ["event", "volunteer", "unit", "status", "method", "flagged", "date_from", "date_to"]

    def filter_flagged(self, queryset, name, value):
        return queryset.exclude(flag="") if value else queryset.filter(flag="")


class RefusedScanFilter(django_filters.FilterSet):
    event = ScopedChoiceFilter(model=Event, listed=True)
    volunteer = ScopedChoiceFilter(model=Volunteer, listed=True)
    date_from = BoundedDateFilter(field_name="at", lookup_expr="date__gte", label=_("From date"))
    date_to = BoundedDateFilter(field_name="at", lookup_expr="date__lte", label=_("To date"))

    class Meta:
        model = RefusedScan
        fields = ["event", "volunteer", "code", "date_from", "date_to"]


class CorrectionRequestFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=CorrectionStatus.choices)
    event = ScopedChoiceFilter(model=Event, listed=True)

    class Meta:
        model = CorrectionRequest
        fields = ["status", "event"]


class RecordDeadlineFilter(django_filters.FilterSet):
    """Due and overdue work under the 10-working-day rule (志愿服务记录与证明出具办法 art. 11)."""

    unit = SubtreeFilter(field_name="event__unit__path", label=_("Organising unit (subtree)"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("More than 10 working days old"))
    kind = django_filters.ChoiceFilter(
        choices=[("record", _("Review")), ("evaluation", _("Evaluation"))], method="filter_kind", label=_("Kind")
    )

    class Meta:
        model = ServiceRecord
        fields = ["unit", "overdue", "kind"]

    def filter_overdue(self, queryset, name, value):
        late = overdue_q(timezone.localdate())
        return queryset.filter(late) if value else queryset.exclude(late)

    def filter_kind(self, queryset, name, value):
        unreviewed = Q(status__in=UNREVIEWED)
        return queryset.filter(unreviewed) if value == "record" else queryset.exclude(unreviewed)
