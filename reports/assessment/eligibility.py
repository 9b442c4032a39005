"""Which units and brand projects meet the published thresholds of the national 四个100 selection.

Thresholds, from 中央社会工作部等关于开展2024年度全国志愿服务"四个100"先进典型宣传活动的通知 (as
relayed by recommending bodies in February 2025) and the first notice of 中央文明办 (2015):

- 最佳志愿服务组织 (``organisation``): established 3 years or more; at least 20 volunteers; at
  least 60% of them serving regularly (here: served in the last 12 months); 2 or more brand
  projects running (here: led in the unit's subtree, with events held in the last 12 months).
- 最佳志愿服务项目 (``project``): activities held steadily, running 3 years or more (the 2015
  notice asked 1 year); at least 20 registered volunteers taking part (2015 notice; here:
  distinct volunteers with approved records at its events).
- 最美志愿服务村(社区) (``community``, stations only): the notice asks for a community where
  volunteering is widespread; the platform reads it as: on the platform 3 years or more,
  registered volunteers at least 13% of residents (全国文明城市测评体系), at least 60% of them
  serving regularly, and at least one brand project running.

A unit's age is its record's creation on the platform; a unit older than the platform shows
too young, which its manager can correct only by recommending it outside the list. The list is
evidence for a recommendation, not a verdict: the selection also weighs what no count shows.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.models import Project, RecordStatus
from reports.assessment.indicators import HELD_STATUSES, Assessment
from reports.dashboard.indicators import local_midnight, share
from reports.rollups import reading
from stations.models import Level, PracticeUnit
from stations.scoping import is_under, under

YEARS_IN_SERVICE = 3
MIN_VOLUNTEERS = 20
REGULAR_SHARE = 60
ORGANISATION_PROJECTS = 2
COMMUNITY_REGISTERED_SHARE = 13


@dataclass
class Criterion:
    label: str
    value: object
    threshold: str
    met: bool


@dataclass
class Candidate:
    category: str  # organisation, community, project
    name: str
    unit: PracticeUnit
    project: Project | None = None
    criteria: list[Criterion] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return all(criterion.met for criterion in self.criteria)


CATEGORY_LABELS = {
    "organisation": _("Best volunteer service organisation"),
    "community": _("Most beautiful volunteer service community"),
    "project": _("Best volunteer service project"),
}


def years_between(first: datetime.date, last: datetime.date) -> int:
    return last.year - first.year - ((last.month, last.day) < (first.month, first.day))


def candidates(a: Assessment) -> list[Candidate]:
    """Every active unit of the subtree and every brand project led in it and running in the period,
    with the figures each threshold is judged on (units in one rollup statement per level)."""
    as_of = a.period.as_of
    since = a.active_since()
    units = list(PracticeUnit.objects.filter(under(a.unit), is_active=True).order_by("path"))
    figures: dict[str, reading.UnitMonthFigures] = {}
    for level in {unit.level for unit in units}:
        for row in reading.month_figures_by_unit(a.reach, level, a.period.last_month, active_since=since):
            figures[row.path] = row
    year_ago = local_midnight(since)
    recent = Q(events__status__in=HELD_STATUSES, events__starts_at__gte=year_ago, events__starts_at__lt=a.now)
    projects = list(
        a.projects_running()
        .select_related("lead_unit")
        .annotate(
            recent_events=Count("events", filter=recent, distinct=True),
            volunteers=Count(
                "events__records__volunteer",
                filter=Q(events__records__status=RecordStatus.APPROVED),
                distinct=True,
            ),
        )
    )
    result: list[Candidate] = []
    for unit in units:
        found = figures.get(unit.path)
        registered = found.registered if found else 0
        active = found.active if found else 0
        regular = share(active, registered)
        running = sum(1 for project in projects if is_under(project.lead_unit, unit) and project.recent_events)
        age = years_between(timezone.localtime(unit.created_at).date(), as_of)
        common = [
            Criterion(str(_("Years on the platform")), age, f"≥ {YEARS_IN_SERVICE}", age >= YEARS_IN_SERVICE),
        ]
        regular_criterion = Criterion(
            str(_("Regularly serving volunteers (%)")),
            regular,
            f"≥ {REGULAR_SHARE}",
            regular is not None and regular >= REGULAR_SHARE,
        )
        result.append(
            Candidate(
                "organisation",
                unit.name,
                unit,
                criteria=[
                    *common,
                    Criterion(
                        str(_("Registered volunteers")), registered, f"≥ {MIN_VOLUNTEERS}", registered >= MIN_VOLUNTEERS
                    ),
                    regular_criterion,
                    Criterion(
                        str(_("Brand projects running")),
                        running,
                        f"≥ {ORGANISATION_PROJECTS}",
                        running >= ORGANISATION_PROJECTS,
                    ),
                ],
            )
        )
        if unit.level == Level.STATION:
            per_resident = share(registered, unit.population)
            result.append(
                Candidate(
                    "community",
                    unit.name,
                    unit,
                    criteria=[
                        *common,
                        Criterion(
                            str(_("Registered volunteers per resident population (%)")),
                            per_resident,
                            f"≥ {COMMUNITY_REGISTERED_SHARE}",
                            per_resident is not None and per_resident >= COMMUNITY_REGISTERED_SHARE,
                        ),
                        regular_criterion,
                        Criterion(str(_("Brand projects running")), running, "≥ 1", running >= 1),
                    ],
                )
            )
    for project in projects:
        age = years_between(project.starts_on, as_of)
        result.append(
            Candidate(
                "project",
                project.name,
                project.lead_unit,
                project,
                criteria=[
                    Criterion(str(_("Years running")), age, f"≥ {YEARS_IN_SERVICE}", age >= YEARS_IN_SERVICE),
                    Criterion(
                        str(_("Events held in the last 12 months")),
                        project.recent_events,
                        "≥ 1",
                        project.recent_events >= 1,
                    ),
                    Criterion(
                        str(_("Volunteers who served in it")),
                        project.volunteers,
                        f"≥ {MIN_VOLUNTEERS}",
                        project.volunteers >= MIN_VOLUNTEERS,
                    ),
                ],
            )
        )
    return result
