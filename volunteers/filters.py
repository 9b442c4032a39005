import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from stations.filters import SubtreeFilter
from volunteers.models import Gender, PoliticalStatus, Team, Volunteer, VolunteerStatus


class VolunteerFilter(django_filters.FilterSet):
    unit = SubtreeFilter(field_name="home_station__path", label=_("Home station within unit (subtree)"))
    q = django_filters.CharFilter(method="filter_q", label=_("Search name, volunteer number or phone tail"))
    status = django_filters.ChoiceFilter(choices=VolunteerStatus.choices)
    gender = django_filters.ChoiceFilter(choices=Gender.choices)
    political_status = django_filters.ChoiceFilter(choices=PoliticalStatus.choices)
    skill = django_filters.CharFilter(field_name="skills__name", label=_("Skill"))
    team = django_filters.ModelChoiceFilter(queryset=Team.objects.all(), field_name="teams", label=_("Team"))

    class Meta:
        model = Volunteer
        fields = ["unit", "q", "status", "gender", "political_status", "skill", "team"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        match = Q(real_name__icontains=value) | Q(number=value)
        if value.isdigit():
            match |= Q(user__phone__endswith=value)
        return queryset.filter(match)


class TeamFilter(django_filters.FilterSet):
    unit = SubtreeFilter(field_name="unit__path", label=_("Unit (subtree)"))
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("Search name"))

    class Meta:
        model = Team
        fields = ["unit", "q"]
