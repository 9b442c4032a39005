import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.bounded_fields import BoundedDateFilter
from orders.models import RUNNING, MenuCategory, MenuItem, Order, OrderState
from stations.filters import ScopedChoiceFilter, SubtreeFilter
from stations.models import PracticeUnit
from volunteers.models import Team


class MenuItemFilter(django_filters.FilterSet):
    unit = django_filters.ModelChoiceFilter(
        queryset=PracticeUnit.objects.all(), method="filter_offered_at", label=_("Offered to residents of unit")
    )
    category = django_filters.ModelChoiceFilter(queryset=MenuCategory.objects.all())
    q = django_filters.CharFilter(method="filter_q", label=_("Search name or description"))

    class Meta:
        model = MenuItem
        fields = ["unit", "category", "is_active", "q"]

    def filter_offered_at(self, queryset, name, value):
        return queryset.filter(pk__in=MenuItem.objects.offered_at(value).values("pk"))

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(description__icontains=value))


class OrderFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=OrderState.choices)
    item = django_filters.ModelChoiceFilter(queryset=MenuItem.objects.all())
    station = SubtreeFilter(field_name="station__path", label=_("Residents' unit (subtree)"))
    handling_unit = SubtreeFilter(field_name="handling_unit__path", label=_("Handling unit (subtree)"))
    team = ScopedChoiceFilter(model=Team, listed=True)
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))
    date_from = BoundedDateFilter(field_name="created_at", lookup_expr="date__gte", label=_("Ordered on or after"))
    date_to = BoundedDateFilter(field_name="created_at", lookup_expr="date__lte", label=_("Ordered on or before"))
    # Not the resident's name or number: a manager who sees them masked must not confirm them by searching.
    q = django_filters.CharFilter(method="filter_q", label=_("Search service or description"))

    class Meta:
        model = Order
        fields = ["state", "item", "station", "handling_unit", "team", "overdue", "date_from", "date_to", "q"]

    def filter_overdue(self, queryset, name, value):
        overdue = Q(state__in=RUNNING, due_on__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(item__name__icontains=value) | Q(description__icontains=value))
