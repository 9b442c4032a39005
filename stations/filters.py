import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from stations.models import Level, PracticeUnit


@extend_schema_field(OpenApiTypes.INT)
class SubtreeFilter(django_filters.ModelChoiceFilter):
    """Rows within the chosen unit's subtree; ``field_name`` names the path to compare."""

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", PracticeUnit.objects.all())
        super().__init__(**kwargs)

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        return qs.filter(**{f"{self.field_name}__startswith": value.path})


class PracticeUnitFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=Level.choices)
    parent = django_filters.ModelChoiceFilter(queryset=PracticeUnit.objects.all())
    within = SubtreeFilter(field_name="path", label=_("Within unit (subtree)"))
    is_active = django_filters.BooleanFilter()
    q = django_filters.CharFilter(method="filter_q", label=_("Search name, code or address"))

    class Meta:
        model = PracticeUnit
        fields = ["level", "parent", "within", "is_active", "q"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value) | Q(address__icontains=value))
