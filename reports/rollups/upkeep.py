"""Keeping the rollups (``reports.models``) in step with the records, in the same transaction.

What moves approved hours, and where it is caught (receivers connected in ``ReportsConfig.ready``):

- approvals, rejections, corrections, check-outs of auto-approved events:
  ``events.signals.hours_changed``, sent by ``events.services``;
- an event's unit or category edited, a record deleted: the models' save and delete signals;
- a volunteer registered, moved to another station, deleted: the models' signals,
  and ``volunteers.signals.volunteers_registered`` for the roster import's bulk insert;
- a unit moved under another parent: the unit's save signals.

Hours and counts change by deltas, ``INSERT ... ON CONFLICT DO UPDATE SET x = x +
excluded.x``, rows in key order: concurrent approvals in one group both land, and
two transactions never take rollup rows in opposite orders. A volunteer's yearly
rows are made again from their records under the volunteer's row lock, which every
workflow takes before the record's. ``rebuild`` makes every table from the records.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from decimal import Decimal
from typing import cast

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Expression, F, Max, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear, TruncDate, TruncMonth
from django.utils import timezone

from events.models import Event, RecordStatus, ServiceRecord
from events.signals import Counted, counted
from reports.models import HoursRollup, UnitActivity, UnitHours, UnitVolunteers, VolunteerYear
from stations.models import Level, PracticeUnit
from volunteers.models import Volunteer, star_level_expression

ZERO = Decimal("0.00")
# Measures of UnitHours and VolunteerYear: all records, then those of events in the own center, institute, station.
PREFIXES = ("", "center_", "institute_", "station_")
UNIT_MEASURES = [f"{prefix}{name}" for prefix in PREFIXES for name in ("hours", "records")]
YEAR_MEASURES = [f"{prefix}{name}" for prefix in PREFIXES for name in ("hours", "records", "last_served")]
ACTIVITY_MEASURES = [f"{prefix}{name}" for prefix in PREFIXES for name in ("served", "reaching_target", "latest")]
FACT_KEY = ["station", "event_unit", "category", "month"]
BATCH = 500

FactKey = tuple[int, int, str, datetime.date]


# Writing ---------------------------------------------------------------------------


def _upsert(model, keys: list[str], measures: list[str], rows: list[tuple]) -> None:
    """Add the measures of ``rows`` (keys then measures) to the model's rows, creating those missing."""
    if not rows:
        return
    meta, quote = model._meta, connection.ops.quote_name
    fields = [meta.get_field(name) for name in [*keys, *measures]]
    table = quote(meta.db_table)
    columns = ", ".join(quote(field.column) for field in fields)
    conflict = ", ".join(quote(field.column) for field in fields[: len(keys)])
    add = ", ".join(
        f"{quote(field.column)} = {table}.{quote(field.column)} + excluded.{quote(field.column)}"
        for field in fields[len(keys) :]
    )
    row_sql = f"({', '.join(['%s'] * len(fields))})"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            params = [
                field.get_db_prep_save(value, connection)
                for row in batch
                for field, value in zip(fields, row, strict=True)
            ]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([row_sql] * len(batch))} "  # noqa: S608 (names from the models)
                f"ON CONFLICT ({conflict}) DO UPDATE SET {add}",
                params,
            )


def _insert_select(model, names: list[str], rows: QuerySet) -> int:
    """``INSERT INTO model (names) SELECT ...``: ``rows`` is a values_list in the same order."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in names)
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(model._meta.db_table)} ({columns}) {sql}", params)
        return max(cursor.rowcount, 0)


def _month_of(moment: datetime.datetime) -> datetime.date:
    local = timezone.localtime(moment, timezone.get_default_timezone())
    return datetime.date(local.year, local.month, 1)


def _chains(unit_ids) -> dict[int, tuple[int, int | None, int | None]]:
    """Each unit with its parent and grandparent (a station: itself, its institute, its center)."""
    rows = PracticeUnit.objects.filter(pk__in=set(unit_ids)).values_list("pk", "parent_id", "parent__parent_id")
    return {pk: (pk, parent, grandparent) for pk, parent, grandparent in rows}


def star_level(hours: Decimal) -> int:
    """As ``volunteers.models.star_level_expression``, in Python."""
    for level, threshold in reversed(list(enumerate(settings.STAR_THRESHOLDS_HOURS, start=1))):
        if hours >= threshold:
            return level
    return 0


def _apply_facts(facts: dict[FactKey, list]) -> None:
    """Add (hours, records) per fact key to HoursRollup and to the UnitHours of the station's chain."""
    facts = {key: value for key, value in facts.items() if value[0] or value[1]}
    if not facts:
        return
    _upsert(HoursRollup, FACT_KEY, ["hours", "records"], [(*key, *facts[key]) for key in sorted(facts)])
    chains = _chains({key[0] for key in facts} | {key[1] for key in facts})
    units: dict[tuple[int | None, int, int], list] = defaultdict(lambda: [ZERO, 0] * len(PREFIXES))
    for (station, event_unit, _category, month), (hours, records) in facts.items():
        _, institute, center = chains[station]
        around_event = set(chains[event_unit])
        reached = (True, center in around_event, institute in around_event, station == event_unit)
        for unit in (station, institute, center):
            for period in (month.month, 0):
                row = units[(unit, month.year, period)]
                for index, flag in enumerate(reached):
                    if flag:
                        row[2 * index] += hours
                        row[2 * index + 1] += records
    _upsert(UnitHours, ["unit", "year", "month"], UNIT_MEASURES, [(*key, *units[key]) for key in sorted(units)])


def _add_volunteers(changes: Counter) -> None:
    """Add counts per (station, registration year, star level) to UnitVolunteers of the station's chain."""
    changes = Counter({key: n for key, n in changes.items() if n})
    if not changes:
        return
    chains = _chains({station for station, _year, _level in changes})
    rows: Counter = Counter()
    for (station, year, level), n in changes.items():
        for unit in chains[station]:
            rows[(unit, year, level)] += n
    _upsert(
        UnitVolunteers,
        ["unit", "registered_year", "star_level"],
        ["volunteers"],
        [(*key, rows[key]) for key in sorted(rows) if rows[key]],
    )


def _year_rows(volunteer_ids) -> list[dict]:
    return list(
        VolunteerYear.objects.filter(volunteer_id__in=volunteer_ids).values(
            "volunteer_id", "station_id", "year", *YEAR_MEASURES
        )
    )


def _lifetimes(rows: list[dict]) -> dict[int, Decimal]:
    totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for row in rows:
        totals[row["volunteer_id"]] += row["hours"]
    return totals


def _activity(rows: list[dict], sign: int) -> dict[tuple[int, int, int], list[int]]:
    """What yearly rows add to UnitActivity of their stations: (station, year, month) -> ACTIVITY_MEASURES."""
    target = Decimal(settings.ANNUAL_HOURS_TARGET)
    counts: dict[tuple[int, int, int], list[int]] = defaultdict(lambda: [0] * len(ACTIVITY_MEASURES))
    latest: dict[tuple[int, int], tuple[int, datetime.date]] = {}
    for row in rows:
        for index, prefix in enumerate(PREFIXES):
            if not row[f"{prefix}records"]:
                continue
            year = counts[(row["station_id"], row["year"], 0)]
            year[3 * index] += sign
            if row[f"{prefix}hours"] >= target:
                year[3 * index + 1] += sign
            day = row[f"{prefix}last_served"]
            key = (row["volunteer_id"], index)
            if key not in latest or day > latest[key][1]:
                latest[key] = (row["station_id"], day)
    for (_volunteer, index), (station, day) in latest.items():
        counts[(station, day.year, day.month)][3 * index + 2] += sign
    return counts


def _apply_activity(*changes: dict[tuple[int, int, int], list[int]]) -> None:
    """Add per-station changes of UnitActivity to the station's chain."""
    units: dict[tuple[int | None, int, int], list[int]] = defaultdict(lambda: [0] * len(ACTIVITY_MEASURES))
    stations = {key[0] for change in changes for key in change}
    chains = _chains(stations)
    for change in changes:
        for (station, year, month), values in change.items():
            for unit in chains[station]:
                row = units[(unit, year, month)]
                for index, value in enumerate(values):
                    row[index] += value
    rows = [(*key, *units[key]) for key in sorted(units) if any(units[key])]
    _upsert(UnitActivity, ["unit", "year", "month"], ACTIVITY_MEASURES, rows)


def refresh_volunteer_years(volunteer_ids) -> None:
    """Make the volunteers' yearly rows again from their records; their counts in UnitActivity and
    (for a changed star level) UnitVolunteers follow.

    The caller holds the volunteers' row locks.
    """
    ids = sorted(set(volunteer_ids))
    if not ids:
        return
    before_rows = _year_rows(ids)
    VolunteerYear.objects.filter(volunteer_id__in=ids).delete()
    _insert_select(VolunteerYear, YEAR_COLUMNS, volunteer_year_rows(ServiceRecord.objects.filter(volunteer_id__in=ids)))
    after_rows = _year_rows(ids)
    _apply_activity(_activity(before_rows, -1), _activity(after_rows, 1))
    before, after = _lifetimes(before_rows), _lifetimes(after_rows)
    moved = [pk for pk in ids if star_level(before[pk]) != star_level(after[pk])]
    if not moved:
        return
    changes: Counter = Counter()
    for pk, station, created_at in Volunteer.objects.filter(pk__in=moved).values_list(
        "pk", "home_station_id", "created_at"
    ):
        year = timezone.localtime(created_at).year
        changes[(station, year, star_level(before[pk]))] -= 1
        changes[(station, year, star_level(after[pk]))] += 1
    _add_volunteers(changes)


# Receivers ---------------------------------------------------------------------------


def _lock_volunteers(volunteer_ids) -> dict[int, int]:
    """Lock the volunteers in id order (a no-op where the workflow did already); their home stations."""
    rows = Volunteer.objects.filter(pk__in=set(volunteer_ids)).order_by("pk")
    if connection.in_atomic_block:
        rows = rows.select_for_update()
    return dict(rows.values_list("pk", "home_station_id"))


def on_hours_changed(sender, records: list[ServiceRecord], before: list[Counted | None], **kwargs) -> None:
    """``events.signals.hours_changed``: take out what the records counted before, add what they count now."""
    with transaction.atomic(savepoint=False):
        was = [item for item in before if item is not None]
        approved = [record for record in records if record.status == RecordStatus.APPROVED]
        events: dict[int, tuple[int, str]] = dict(
            (pk, (unit, category))
            for pk, unit, category in Event.objects.filter(pk__in={r.event_id for r in approved}).values_list(
                "pk", "unit_id", "category"
            )
        )
        now = [
            Counted(r.volunteer_id, *events[r.event_id], checked_in_at=r.checked_in_at, hours=r.credited_hours)
            for r in approved
        ]
        by_volunteer: dict[int, tuple[list, list]] = defaultdict(lambda: ([], []))
        for item in was:
            by_volunteer[item.volunteer_id][0].append(item)
        for item in now:
            by_volunteer[item.volunteer_id][1].append(item)
        changed = [pk for pk, (old, new) in by_volunteer.items() if Counter(old) != Counter(new)]
        if not changed:
            return
        stations = _lock_volunteers(changed)
        facts: dict[FactKey, list] = defaultdict(lambda: [ZERO, 0])
        for pk in changed:
            old, new = by_volunteer[pk]
            for sign, items in ((-1, old), (1, new)):
                for item in items:
                    fact = facts[(stations[pk], item.event_unit_id, item.category, _month_of(item.checked_in_at))]
                    fact[0] += sign * item.hours
                    fact[1] += sign
        _apply_facts(facts)
        refresh_volunteer_years(changed)


def move_volunteer(volunteer_id: int, old_station: int, new_station: int) -> None:
    """The volunteer's approved hours and registration follow them to another station."""
    facts: dict[FactKey, list] = defaultdict(lambda: [ZERO, 0])
    rows = ServiceRecord.objects.filter(volunteer_id=volunteer_id, status=RecordStatus.APPROVED).values_list(
        "event__unit_id", "event__category", "checked_in_at", "credited_hours"
    )
    for event_unit, category, checked_in_at, hours in rows:
        month = _month_of(checked_in_at)
        for station, sign in ((old_station, -1), (new_station, 1)):
            fact = facts[(station, event_unit, category, month)]
            fact[0] += sign * hours
            fact[1] += sign
    _apply_facts(facts)
    lifetime = _lifetimes(_year_rows([volunteer_id]))[volunteer_id]
    refresh_volunteer_years([volunteer_id])
    created_at = Volunteer.objects.values_list("created_at", flat=True).get(pk=volunteer_id)
    year, level = timezone.localtime(created_at).year, star_level(lifetime)
    _add_volunteers(Counter({(old_station, year, level): -1, (new_station, year, level): 1}))


def _registered(volunteers, sign: int) -> None:
    changes: Counter = Counter()
    for volunteer in volunteers:
        changes[(volunteer.home_station_id, timezone.localtime(volunteer.created_at).year, star_level(ZERO))] += sign
    _add_volunteers(changes)


def on_volunteers_registered(sender, volunteers, **kwargs) -> None:
    with transaction.atomic(savepoint=False):
        _registered(volunteers, 1)


def before_volunteer_saved(sender, instance: Volunteer, raw: bool = False, update_fields=None, **kwargs) -> None:
    if raw or instance._state.adding or (update_fields is not None and "home_station" not in update_fields):
        return
    rows = Volunteer.objects.filter(pk=instance.pk)
    if connection.in_atomic_block:
        # Before the change, as every workflow: approvals of this volunteer's records wait for the move.
        rows = rows.select_for_update()
    # Through __dict__, as volunteer_saved pops it: a note on the instance, not a model attribute.
    instance.__dict__["_rollup_station"] = rows.values_list("home_station_id", flat=True).first()


def volunteer_saved(sender, instance: Volunteer, created: bool, raw: bool = False, **kwargs) -> None:
    old = instance.__dict__.pop("_rollup_station", None)
    if raw:
        return
    with transaction.atomic(savepoint=False):
        if created:
            _registered([instance], 1)
        elif old is not None and old != instance.home_station_id:
            move_volunteer(instance.pk, old, instance.home_station_id)


def volunteer_deleted(sender, instance: Volunteer, **kwargs) -> None:
    # Records protect a volunteer who served, so the one deleted counted no hours.
    with transaction.atomic(savepoint=False):
        _registered([instance], -1)


def before_event_saved(sender, instance: Event, raw: bool = False, update_fields=None, **kwargs) -> None:
    if raw or instance._state.adding:
        return
    if update_fields is not None and not {"unit", "category"} & set(update_fields):
        return
    stored = Event.objects.filter(pk=instance.pk)
    grouping = stored.values_list("unit_id", "category").first()
    if grouping == (instance.unit_id, instance.category) or not connection.in_atomic_block:
        instance.__dict__["_rollup_grouping"] = grouping
        return
    # Regrouped: volunteers first, then the event, the order approvals take them in.
    volunteers = ServiceRecord.objects.filter(event_id=instance.pk, status=RecordStatus.APPROVED)
    _lock_volunteers(volunteers.values_list("volunteer_id", flat=True))
    instance.__dict__["_rollup_grouping"] = stored.select_for_update().values_list("unit_id", "category").first()


def event_saved(sender, instance: Event, created: bool, raw: bool = False, **kwargs) -> None:
    old = instance.__dict__.pop("_rollup_grouping", None)
    if raw or created or old is None or old == (instance.unit_id, instance.category):
        return
    records = list(
        ServiceRecord.objects.filter(event_id=instance.pk, status=RecordStatus.APPROVED).only(
            "id", "event_id", "volunteer_id", "status", "checked_in_at", "credited_hours"
        )
    )
    before: list[Counted | None] = [
        Counted(r.volunteer_id, old[0], old[1], r.checked_in_at, r.credited_hours) for r in records
    ]
    on_hours_changed(sender=ServiceRecord, records=records, before=before)


def record_deleted(sender, instance: ServiceRecord, **kwargs) -> None:
    if instance.status == RecordStatus.APPROVED:
        on_hours_changed(sender=ServiceRecord, records=[], before=[counted(instance)])


def before_unit_saved(sender, instance: PracticeUnit, raw: bool = False, update_fields=None, **kwargs) -> None:
    if raw or instance._state.adding or (update_fields is not None and "parent" not in update_fields):
        return
    instance.__dict__["_rollup_parent"] = (
        PracticeUnit.objects.filter(pk=instance.pk).values_list("parent_id", flat=True).first()
    )


def unit_saved(sender, instance: PracticeUnit, created: bool, raw: bool = False, **kwargs) -> None:
    old = instance.__dict__.pop("_rollup_parent", None)
    if raw or created or old is None or old == instance.parent_id:
        return
    with transaction.atomic(savepoint=False):
        regroup_after_move(instance, old)


def _center_of(parent_id: int | None) -> int | None:
    if parent_id is None:
        return None
    parent = PracticeUnit.objects.values_list("pk", "parent_id").get(pk=parent_id)
    return parent[1] or parent[0]


def regroup_after_move(unit: PracticeUnit, old_parent_id: int) -> None:
    """A unit moved under another parent: what its subtree adds to its old and new ancestors moves with it.

    The centers on both sides are made again from the finest rows, and the yearly
    rows of every volunteer whose home or events lie in the subtree.
    """
    centers = {center for center in (_center_of(old_parent_id), _center_of(unit.parent_id)) if center}
    subtree = Q(pk=unit.pk) | Q(parent_id=unit.pk) | Q(parent__parent_id=unit.pk)
    units = PracticeUnit.objects.filter(subtree).values("pk")
    _rebuild_units(centers)
    volunteers = set(Volunteer.objects.filter(home_station__in=units).values_list("pk", flat=True))
    volunteers |= set(
        ServiceRecord.objects.filter(status=RecordStatus.APPROVED, event__unit__in=units).values_list(
            "volunteer_id", flat=True
        )
    )
    ids = sorted(volunteers)
    _lock_volunteers(ids)
    refresh_volunteer_years(ids)


# Building from the records ------------------------------------------------------------


def _reach_flags(event_unit: str, station: str) -> dict[str, Q | None]:
    """Per measure prefix, the condition that the event lies in the home station's center, institute, station.

    By ids up the parent links, not by paths: a unit being moved has its
    descendants' paths rewritten only after its own save.
    """
    center = F(f"{station}__parent__parent_id")
    institute = F(f"{station}__parent_id")
    return {
        "": None,
        "center_": Q(**{f"{event_unit}_id": center})
        | Q(**{f"{event_unit}__parent_id": center})
        | Q(**{f"{event_unit}__parent__parent_id": center}),
        "institute_": Q(**{f"{event_unit}_id": institute}) | Q(**{f"{event_unit}__parent_id": institute}),
        "station_": Q(**{f"{event_unit}_id": F(f"{station}_id")}),
    }


YEAR_COLUMNS = ["volunteer", "station", "year", *YEAR_MEASURES]


def volunteer_year_rows(records: QuerySet) -> QuerySet:
    """VolunteerYear rows (YEAR_COLUMNS) of the approved ones among ``records``."""
    zone = timezone.get_default_timezone()
    day = TruncDate("checked_in_at", tzinfo=zone)
    measures: dict[str, Expression] = {}
    for prefix, flag in _reach_flags("event__unit", "volunteer__home_station").items():
        measures[f"r_{prefix}hours"] = Sum("credited_hours", filter=flag, default=ZERO)
        measures[f"r_{prefix}records"] = Count("id", filter=flag)
        measures[f"r_{prefix}last_served"] = Max(day, filter=flag)
    return (
        records.filter(status=RecordStatus.APPROVED)
        .annotate(
            r_volunteer=F("volunteer_id"),
            r_station=F("volunteer__home_station_id"),
            r_year=ExtractYear("checked_in_at", tzinfo=zone),
        )
        .values("r_volunteer", "r_station", "r_year")
        .annotate(**measures)
        .order_by()
        .values_list("r_volunteer", "r_station", "r_year", *[f"r_{name}" for name in YEAR_MEASURES])
    )


def fact_rows(records: QuerySet) -> QuerySet:
    """HoursRollup rows (FACT_KEY, hours, records) of the approved ones among ``records``."""
    zone = timezone.get_default_timezone()
    return (
        records.filter(status=RecordStatus.APPROVED)
        .annotate(
            r_station=F("volunteer__home_station_id"),
            r_event_unit=F("event__unit_id"),
            r_category=F("event__category"),
            r_month=TruncMonth(TruncDate("checked_in_at", tzinfo=zone)),
        )
        .values("r_station", "r_event_unit", "r_category", "r_month")
        .annotate(r_hours=Sum("credited_hours"), r_records=Count("id"))
        .order_by()
        .values_list("r_station", "r_event_unit", "r_category", "r_month", "r_hours", "r_records")
    )


UP: dict[str, str] = {
    Level.STATION: "station_id",
    Level.INSTITUTE: "station__parent_id",
    Level.CENTER: "station__parent__parent_id",
}


def unit_hours_rows(facts: QuerySet, level: str, *, by_month: bool) -> QuerySet:
    """UnitHours rows of one level from HoursRollup rows, per month or (``month`` 0) per year."""
    measures = {}
    for prefix, flag in _reach_flags("event_unit", "station").items():
        measures[f"r_{prefix}hours"] = Sum("hours", filter=flag, default=ZERO)
        measures[f"r_{prefix}records"] = Sum("records", filter=flag, default=0)
    return (
        facts.annotate(
            r_unit=F(UP[level]),
            r_year=ExtractYear("month"),
            r_month=ExtractMonth("month") if by_month else Value(0),
        )
        .values("r_unit", "r_year", "r_month")
        .annotate(**measures)
        # Stored in the order of the period index, so a month's rows share few pages.
        .order_by("r_year", "r_month", "r_unit")
        .values_list("r_unit", "r_year", "r_month", *[f"r_{name}" for name in UNIT_MEASURES])
    )


def station_volunteer_rows(volunteers: QuerySet) -> QuerySet:
    """UnitVolunteers rows of stations: volunteers by registration year and star level (lifetime from VolunteerYear)."""
    lifetime = (
        VolunteerYear.objects.filter(volunteer_id=OuterRef("pk"))
        .values("volunteer_id")
        .annotate(total=Sum("hours"))
        .values("total")
    )
    return (
        volunteers.annotate(
            r_unit=F("home_station_id"),
            r_year=ExtractYear("created_at", tzinfo=timezone.get_default_timezone()),
            r_hours=Coalesce(Subquery(lifetime), Value(ZERO)),
        )
        .annotate(r_level=star_level_expression("r_hours"))
        .values("r_unit", "r_year", "r_level")
        .annotate(r_volunteers=Count("id"))
        .order_by()
        .values_list("r_unit", "r_year", "r_level", "r_volunteers")
    )


def upper_volunteer_rows(stations: QuerySet, level: str) -> QuerySet:
    """UnitVolunteers rows of institutes or centers from those of their stations."""
    ups: dict[str, str] = {Level.INSTITUTE: "unit__parent_id", Level.CENTER: "unit__parent__parent_id"}
    up = ups[level]
    return (
        stations.filter(unit__level=Level.STATION)
        .annotate(r_unit=F(up))
        .values("r_unit", "registered_year", "star_level")
        .annotate(r_volunteers=Sum("volunteers"))
        .order_by()
        .values_list("r_unit", "registered_year", "star_level", "r_volunteers")
    )


UNIT_COLUMNS = ["unit", "year", "month", *UNIT_MEASURES]
ACTIVITY_COLUMNS = ["unit", "year", "month", *ACTIVITY_MEASURES]
VOLUNTEER_COLUMNS = ["unit", "registered_year", "star_level", "volunteers"]


def activity_year_rows(years: QuerySet, level: str) -> QuerySet:
    """UnitActivity year rows of one level from VolunteerYear rows (no latest months: those follow)."""
    target = Decimal(settings.ANNUAL_HOURS_TARGET)
    measures: dict[str, Expression] = {}
    for prefix in PREFIXES:
        served = Q(**{f"{prefix}records__gt": 0})
        measures[f"r_{prefix}served"] = Count("id", filter=served)
        measures[f"r_{prefix}reaching_target"] = Count("id", filter=served & Q(**{f"{prefix}hours__gte": target}))
        measures[f"r_{prefix}latest"] = Value(0)
    return (
        years.annotate(r_unit=F(UP[level]), r_month=Value(0))
        .values("r_unit", "year", "r_month")
        .annotate(**measures)
        .order_by()
        .values_list("r_unit", "year", "r_month", *[f"r_{name}" for name in ACTIVITY_MEASURES])
    )


def _add_latest(years: QuerySet, level: str, index: int) -> None:
    """Add to UnitActivity month rows of one level the volunteers by the month of their latest service
    (in one measure): per volunteer the latest of their yearly rows, then counted per unit and month."""
    prefix = PREFIXES[index]
    latest = (
        years.filter(**{f"{prefix}records__gt": 0})
        .values("volunteer_id", "station_id")
        .annotate(r_day=Max(f"{prefix}last_served"))
        .order_by()
        .values_list("station_id", "r_day")
    )
    inner, params = latest.query.sql_with_params()
    quote = connection.ops.quote_name
    meta, units = UnitActivity._meta, quote(PracticeUnit._meta.db_table)
    column_of = {field.name: field.column for field in meta.concrete_fields}
    table, columns = quote(meta.db_table), [quote(column_of[name]) for name in ACTIVITY_COLUMNS]
    column = quote(column_of[f"{prefix}latest"])
    unit_by_level: dict[str, str] = {
        Level.STATION: "latest.station_id",
        Level.INSTITUTE: "station.parent_id",
        Level.CENTER: "institute.parent_id",
    }
    unit = unit_by_level[level]
    if connection.vendor == "sqlite":
        year = "CAST(strftime('%%Y', latest.r_day) AS integer)"
        month = "CAST(strftime('%%m', latest.r_day) AS integer)"
    else:
        year = "CAST(EXTRACT(YEAR FROM latest.r_day) AS integer)"
        month = "CAST(EXTRACT(MONTH FROM latest.r_day) AS integer)"
    measures = ", ".join("COUNT(*)" if name == f"{prefix}latest" else "0" for name in ACTIVITY_MEASURES)
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 (names from the models, the ORM's own SQL)
        f"SELECT {unit}, {year}, {month}, {measures} FROM ({inner}) AS latest "
        f"JOIN {units} AS station ON station.id = latest.station_id "
        f"JOIN {units} AS institute ON institute.id = station.parent_id "
        # WHERE true: SQLite's upsert after a SELECT needs it to parse.
        f"WHERE true GROUP BY 1, 2, 3 "
        f"ON CONFLICT ({', '.join(columns[:3])}) DO UPDATE SET {column} = {table}.{column} + excluded.{column}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _rebuild_units(centers: set[int] | None) -> None:
    """UnitHours, UnitActivity and the upper UnitVolunteers of the centers (None: all) from the finest rows."""
    facts = HoursRollup.objects.all()
    years = VolunteerYear.objects.all()
    unit_rows = UnitHours.objects.all()
    activity = UnitActivity.objects.all()
    uppers = UnitVolunteers.objects.exclude(unit__level=Level.STATION)
    stations = UnitVolunteers.objects.all()
    if centers is not None:
        facts = facts.filter(station__parent__parent_id__in=centers)
        years = years.filter(station__parent__parent_id__in=centers)
        under = Q(unit_id__in=centers) | Q(unit__parent_id__in=centers) | Q(unit__parent__parent_id__in=centers)
        unit_rows = unit_rows.filter(under)
        activity = activity.filter(under)
        uppers = uppers.filter(under)
        stations = stations.filter(unit__parent__parent_id__in=centers)
    unit_rows.delete()
    activity.delete()
    uppers.delete()
    for level in (Level.STATION, Level.INSTITUTE, Level.CENTER):
        for by_month in (True, False):
            _insert_select(UnitHours, UNIT_COLUMNS, unit_hours_rows(facts, level, by_month=by_month))
        _insert_select(UnitActivity, ACTIVITY_COLUMNS, activity_year_rows(years, level))
        for index in range(len(PREFIXES)):
            _add_latest(years, level, index)
    for level in (Level.INSTITUTE, Level.CENTER):
        _insert_select(UnitVolunteers, VOLUNTEER_COLUMNS, upper_volunteer_rows(stations, level))


@transaction.atomic
def rebuild() -> dict[str, int]:
    """Make every rollup again from the records and volunteers; the row counts made.

    On PostgreSQL the tables are locked against writes meanwhile: an approval waits
    and then adds its change to the rebuilt rows.
    """
    models = (HoursRollup, UnitHours, VolunteerYear, UnitActivity, UnitVolunteers)
    if connection.vendor == "postgresql":
        tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in models)
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {tables} IN EXCLUSIVE MODE")
    for model in models:
        model.objects.all().delete()
    _insert_select(HoursRollup, [*FACT_KEY, "hours", "records"], fact_rows(ServiceRecord.objects.all()))
    _insert_select(VolunteerYear, YEAR_COLUMNS, volunteer_year_rows(ServiceRecord.objects.all()))
    _insert_select(UnitVolunteers, VOLUNTEER_COLUMNS, station_volunteer_rows(Volunteer.objects.all()))
    _rebuild_units(None)
    # model_name is set on every model class; the stubs allow None for Options made by hand.
    return {cast(str, model._meta.model_name): model.objects.count() for model in models}
