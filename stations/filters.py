import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from stations.models import Level, PracticeUnit
from stations.scoping import under


@extend_schema_field(OpenApiTypes.INT)
class ScopedChoiceFilter(django_filters.ModelChoiceFilter):
    """An id filter that knows only the rows the caller may see.

    Its choices are ``model.objects.visible_to(user)`` and, with ``listed``, the rows
    that the caller's own list refers to by that field (a manager sees volunteers of
    other stations on their events' records). Any other id fails exactly like an
    unknown id, same status and same message, so a filter never confirms that a row
    outside the caller's scope exists.
    """

    def __init__(self, *, model, listed: bool = False, **kwargs):
        self.choice_model = model
        self.listed = listed
        kwargs["queryset"] = model.objects.none()
        super().__init__(**kwargs)

    def get_queryset(self, request) -> QuerySet:
        if request is None:
            return self.choice_model.objects.none()
        choices = Q(pk__in=self.choice_model.objects.visible_to(request.user).values("pk"))
        rows = getattr(self.parent, "queryset", None)
        if self.listed and rows is not None:
            choices |= Q(pk__in=rows.order_by().values(self.field_name))
        return self.choice_model.objects.filter(choices)


class SubtreeFilter(ScopedChoiceFilter):
    """Rows within the chosen unit's subtree; ``field_name`` names the path to compare."""

    def __init__(self, **kwargs):
        super().__init__(model=PracticeUnit, **kwargs)

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        return qs.filter(under(value, self.field_name))


class PracticeUnitFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=Level.choices)
    parent = ScopedChoiceFilter(model=PracticeUnit)
    within = SubtreeFilter(field_name="path", label=_("Within unit (subtree)"))
    is_active = django_filters.BooleanFilter()
    q = django_filters.CharFilter(method="filter_q", label=_("Search name, code or address"))

    class Meta:
        model = PracticeUnit
        fields = ["level", "parent", "within", "is_active", "q"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value) | Q(address__icontains=value))
