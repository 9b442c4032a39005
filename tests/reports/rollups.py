"""The rollups as stored, and as a from-scratch aggregation of the records in Python, to compare."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings

from events.models import RecordStatus, ServiceRecord
from reports.models import HoursRollup, UnitActivity, UnitHours, UnitVolunteers, VolunteerYear
from stations.models import PracticeUnit
from volunteers.models import Volunteer

SHANGHAI = ZoneInfo("Asia/Shanghai")
REACH = ("all", "center", "institute", "station")


def level_of(hours: Decimal) -> int:
    return sum(1 for threshold in settings.STAR_THRESHOLDS_HOURS if hours >= threshold)


def _ancestors() -> dict[int, list[int]]:
    parents = dict(PracticeUnit.objects.values_list("pk", "parent_id"))
    chains = {}
    for pk in parents:
        chain, unit = [], pk
        while unit is not None:
            chain.append(unit)
            unit = parents[unit]
        chains[pk] = chain  # the unit, its parent, ... up to its center
    return chains


def expected() -> dict[str, dict]:
    """Every rollup row, computed from the records, volunteers and tree alone."""
    chains = _ancestors()
    facts: dict = defaultdict(lambda: [Decimal(0), 0])
    units: dict = defaultdict(lambda: [Decimal(0), 0] * 4)
    years: dict = {}
    lifetimes: dict = defaultdict(Decimal)
    records = ServiceRecord.objects.filter(status=RecordStatus.APPROVED).select_related("event", "volunteer")
    for record in records:
        station = record.volunteer.home_station_id
        day = record.checked_in_at.astimezone(SHANGHAI).date()
        month = day.replace(day=1)
        hours = record.credited_hours
        fact = facts[(station, record.event.unit_id, record.event.category, month)]
        fact[0] += hours
        fact[1] += 1
        home = chains[station]  # station, institute, center
        around_event = set(chains[record.event.unit_id])
        reached = [True, home[2] in around_event, home[1] in around_event, record.event.unit_id == station]
        for unit in home:
            for period in (month.month, 0):
                row = units[(unit, month.year, period)]
                for index, flag in enumerate(reached):
                    if flag:
                        row[2 * index] += hours
                        row[2 * index + 1] += 1
        year = years.setdefault(
            (record.volunteer_id, day.year),
            {"station": station, **{f"{r}_{m}": None for r in REACH for m in ("hours", "records", "last")}},
        )
        for name, flag in zip(REACH, reached, strict=True):
            if flag:
                year[f"{name}_hours"] = (year[f"{name}_hours"] or 0) + hours
                year[f"{name}_records"] = (year[f"{name}_records"] or 0) + 1
                year[f"{name}_last"] = max(filter(None, [year[f"{name}_last"], day]))
        lifetimes[record.volunteer_id] += hours
    volunteers: Counter = Counter()
    for pk, station, created_at in Volunteer.objects.values_list("pk", "home_station_id", "created_at"):
        for unit in chains[station]:
            volunteers[(unit, created_at.astimezone(SHANGHAI).year, level_of(lifetimes[pk]))] += 1
    activity: dict = defaultdict(Counter)
    latest: dict = {}
    for (volunteer, year), row in years.items():
        for name in REACH:
            if row[f"{name}_records"] is None:
                continue
            for unit in chains[row["station"]]:
                activity[(unit, year, 0)][f"{name}_served"] += 1
                if row[f"{name}_hours"] >= settings.ANNUAL_HOURS_TARGET:
                    activity[(unit, year, 0)][f"{name}_reaching_target"] += 1
            latest[(volunteer, name)] = max(latest.get((volunteer, name), row[f"{name}_last"]), row[f"{name}_last"])
    for (volunteer, name), last in latest.items():
        station = Volunteer.objects.get(pk=volunteer).home_station_id
        for unit in chains[station]:
            activity[(unit, last.year, last.month)][f"{name}_latest"] += 1
    return {
        "facts": {key: tuple(value) for key, value in facts.items()},
        "units": {key: tuple(value) for key, value in units.items()},
        "years": years,
        "volunteers": dict(volunteers),
        "activity": {key: dict(value) for key, value in activity.items()},
    }


def stored() -> dict[str, dict]:
    """The rollup rows as kept, rows emptied by rejections left out."""
    facts = {
        (row.station_id, row.event_unit_id, row.category, row.month): (row.hours, row.records)
        for row in HoursRollup.objects.all()
        if row.hours or row.records
    }
    units = {}
    for row in UnitHours.objects.all():
        values = (
            row.hours,
            row.records,
            row.center_hours,
            row.center_records,
            row.institute_hours,
            row.institute_records,
            row.station_hours,
            row.station_records,
        )
        if any(values):
            units[(row.unit_id, row.year, row.month)] = values
    years = {}
    for row in VolunteerYear.objects.all():
        entry = {"station": row.station_id}
        for name, prefix in zip(REACH, ("", "center_", "institute_", "station_"), strict=True):
            records = getattr(row, f"{prefix}records")
            entry[f"{name}_hours"] = getattr(row, f"{prefix}hours") if records else None
            entry[f"{name}_records"] = records or None
            entry[f"{name}_last"] = getattr(row, f"{prefix}last_served")
        years[(row.volunteer_id, row.year)] = entry
    volunteers = {
        (row.unit_id, row.registered_year, row.star_level): row.volunteers
        for row in UnitVolunteers.objects.all()
        if row.volunteers
    }
    activity = {}
    for row in UnitActivity.objects.all():
        values = {}
        for name, prefix in zip(REACH, ("", "center_", "institute_", "station_"), strict=True):
            for measure in ("served", "reaching_target", "latest"):
                if getattr(row, f"{prefix}{measure}"):
                    values[f"{name}_{measure}"] = getattr(row, f"{prefix}{measure}")
        if values:
            activity[(row.unit_id, row.year, row.month)] = values
    return {"facts": facts, "units": units, "years": years, "volunteers": volunteers, "activity": activity}


def assert_rollups_match() -> None:
    want, have = expected(), stored()
    for table in want:
        assert have[table] == want[table], table


def day(year: int, month: int, dom: int, hour: int = 9) -> datetime.datetime:
    return datetime.datetime(year, month, dom, hour, tzinfo=SHANGHAI)
