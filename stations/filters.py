import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from stations.models import Level, PracticeUnit


class PracticeUnitFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=Level.choices)
    parent = django_filters.ModelChoiceFilter(queryset=PracticeUnit.objects.all())
    within = django_filters.ModelChoiceFilter(
        queryset=PracticeUnit.objects.all(), method="filter_within", label=_("Within unit (subtree)")
    )
    is_active = django_filters.BooleanFilter()
    q = django_filters.CharFilter(method="filter_q", label=_("Search name, code or address"))

    class Meta:
        model = PracticeUnit
        fields = ["level", "parent", "within", "is_active", "q"]

    def filter_within(self, queryset, name, value):
        return queryset.subtree_of(value)

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value) | Q(address__icontains=value))
