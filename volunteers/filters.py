import django_filters
from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.bounded_fields import MAX_HOURS
from stations.filters import ScopedChoiceFilter, SubtreeFilter
from volunteers.models import Gender, PoliticalStatus, Team, Volunteer, VolunteerStatus


class VolunteerFilter(django_filters.FilterSet):
    unit = SubtreeFilter(field_name="home_station__path", label=_("Home station within unit (subtree)"))
    q = django_filters.CharFilter(method="filter_q", label=_("Search name, volunteer number or phone tail"))
    status = django_filters.ChoiceFilter(choices=VolunteerStatus.choices)
    gender = django_filters.ChoiceFilter(choices=Gender.choices)
    political_status = django_filters.ChoiceFilter(choices=PoliticalStatus.choices)
    skill = django_filters.CharFilter(field_name="skills__name", label=_("Skill"))
    team = ScopedChoiceFilter(model=Team, field_name="teams", label=_("Team"))
    min_hours = django_filters.NumberFilter(
        field_name="approved_hours", lookup_expr="gte", label=_("At least hours"), min_value=0, max_value=MAX_HOURS
    )
    star = django_filters.NumberFilter(
        field_name="star_level", label=_("Star level"), min_value=0, max_value=len(settings.STAR_THRESHOLDS_HOURS)
    )

    class Meta:
        model = Volunteer
        fields = ["unit", "q", "status", "gender", "political_status", "skill", "team", "min_hours", "star"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        match = Q(real_name__icontains=value) | Q(number=value)
        # The last four digits only: a guessed full number must not be confirmable.
        if len(value) == 4 and value.isascii() and value.isdigit():
            match |= Q(user__phone__endswith=value)
        return queryset.filter(match)


class TeamFilter(django_filters.FilterSet):
    unit = SubtreeFilter(field_name="unit__path", label=_("Unit (subtree)"))
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("Search name"))

    class Meta:
        model = Team
        fields = ["unit", "q"]
