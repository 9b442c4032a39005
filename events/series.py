"""Recurring events: a series' rule turned into ordinary events, a horizon ahead, each once.

Each occurrence is an event keyed by (series, occurrence_start); the database's unique
constraint on that key is what keeps regeneration from duplicating, however many
generators run at once: every generator inserts what it did not see, and the loser
of a race gets an IntegrityError for that row and moves on.
"""

from __future__ import annotations

import datetime
import logging
import types
import warnings
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import chinese_calendar
import dateutil.rrule  # type: ignore[import-untyped]
from dateutil.rrule import DAILY, rrule, rrulestr
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from accounts.errors import DomainError
from events import services
from events.models import (
    SERIES_TEMPLATE_FIELDS,
    Event,
    EventSeries,
    EventStatus,
    SeriesSignup,
    SeriesStatus,
    ServiceRecord,
    Signup,
    SignupStatus,
)
from volunteers.models import Volunteer, VolunteerStatus

logger = logging.getLogger(__name__)

SHANGHAI = ZoneInfo("Asia/Shanghai")
# How far a new rule is tried: a rule with no occurrence in this time is refused, and the
# checks (one occurrence a day at most, at the series' time) look at this much of it.
RULE_PROBE_DAYS = 3 * 366
# The schedule of a series: changed for what follows by ``split_series``, never in place.
SCHEDULE_FIELDS = ("rule", "starts_on", "start_time", "skip_official_holidays")
# The first dates a rule may start from: dateutil walks a rule from its first date, so an
# ancient one would be walked for centuries on every generation, and one near the year 9999 overflows.
EARLIEST_FIRST_DATE = datetime.date(2000, 1, 1)
LATEST_FIRST_DATE = datetime.date(2100, 12, 31)
# More occurrences than any real series has; COUNT=10**9 would otherwise be walked to the end by a split.
MAX_COUNT = 5000


class SeriesError(DomainError):
    messages = {
        "invalid_rule": _("The recurrence rule is not valid."),
        "first_date_out_of_range": _("The first date must lie between the years 2000 and 2100."),
        "count_too_large": _("A rule's COUNT may be at most 5000."),
        "rule_has_start": _("Give the first date and the time separately, not in the rule."),
        "too_frequent": _("A series has at most one occurrence a day, at its start time."),
        "no_occurrences": _("The rule gives no occurrence in the next three years."),
        "series_ended": _("This series has ended."),
        "not_an_occurrence": _("That event is not a later occurrence of this series."),
        "not_signed_up": _("You have not signed up for this series."),
    }
    status_codes = {"series_ended": 409, "not_an_occurrence": 409, "not_signed_up": 404}


# The rule -----------------------------------------------------------------------------


def parse_rule(rule: str, starts_on: datetime.date, start_time: datetime.time) -> rrule:
    """The rule as dateutil's rrule from the first date and time (naive Shanghai wall time). Raises SeriesError."""
    text = rule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[len("RRULE:") :]
    if "DTSTART" in text.upper() or "\n" in text:
        raise SeriesError("rule_has_start")
    try:
        parsed = rrulestr(text, dtstart=datetime.datetime.combine(starts_on, start_time), forceset=False)
    except (ValueError, TypeError, OverflowError) as error:
        raise SeriesError("invalid_rule") from error
    if not isinstance(parsed, rrule):
        raise SeriesError("invalid_rule")
    return parsed


def _walk(parsed: rrule, last: datetime.datetime):
    """The rule's moments up to ``last``, the walk bounded even when the rule matches nothing.

    dateutil stops at UNTIL only when a moment matches; a rule that never matches (the 99th
    of a month) is otherwise walked to the year 9999. Its loop gives up past ``datetime.MAXYEAR``:
    this runs that very loop with the year after ``last`` as that limit.
    """
    bounded = types.SimpleNamespace(
        MAXYEAR=last.year + 1, date=datetime.date, datetime=datetime.datetime, time=datetime.time
    )
    scope = {**vars(dateutil.rrule), "datetime": bounded}
    loop = types.FunctionType(rrule._iter.__code__, scope, "_iter", rrule._iter.__defaults__, rrule._iter.__closure__)
    for moment in loop(parsed):
        if moment > last:
            return
        yield moment


def validate_rule(
    rule: str,
    starts_on: datetime.date,
    start_time: datetime.time,
    *,
    skip_holidays: bool,
    after: datetime.datetime | None = None,
) -> str:
    """The rule, normalised (no ``RRULE:`` prefix), if it is one a series may have: at most one
    occurrence a day, at the start time, and one at least in the three years from the first date
    or from ``after`` (now), whichever is later. Raises SeriesError."""
    if not EARLIEST_FIRST_DATE <= starts_on <= LATEST_FIRST_DATE:
        raise SeriesError("first_date_out_of_range")
    parsed = parse_rule(rule, starts_on, start_time)
    if parsed._freq > DAILY:
        # HOURLY, MINUTELY, SECONDLY: more than once a day, or once a day walked second by second.
        raise SeriesError("too_frequent")
    if parsed._count is not None and parsed._count > MAX_COUNT:
        raise SeriesError("count_too_large")
    first = datetime.datetime.combine(starts_on, start_time)
    local_now = after.astimezone(SHANGHAI).replace(tzinfo=None) if after is not None else None
    start = max(first, local_now) if local_now is not None else first
    # A bounded probe: an impossible rule (February 30th) would otherwise be searched to the year 9999.
    try:
        bound = start + datetime.timedelta(days=RULE_PROBE_DAYS)
        with warnings.catch_warnings():
            # dateutil warns of COUNT with UNTIL (RFC 5545 has one or the other) but honours both: the probe's bound.
            warnings.simplefilter("ignore", DeprecationWarning)
            probe = parsed.replace(until=min(parsed._until or bound, bound))
        previous = None
        found = False
        for moment in _walk(probe, bound):
            if moment.time() != start_time or (previous is not None and moment.date() == previous.date()):
                raise SeriesError("too_frequent")
            previous = moment
            # The first date's own occurrence counts (a split at a series' last occurrence is one).
            if (local_now is None or moment > local_now) and not (skip_holidays and is_official_holiday(moment.date())):
                found = True
    except (ValueError, OverflowError) as error:
        raise SeriesError("invalid_rule") from error
    if not found:
        raise SeriesError("no_occurrences")
    return rule.strip().upper().removeprefix("RRULE:")


def is_official_holiday(day: datetime.date) -> bool:
    """Whether the day is one of China's official public holidays (a plain weekend is not)."""
    try:
        holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        # Beyond the schedules the package knows (events/working_days.py logs that): no holiday to skip.
        return False
    return bool(holiday and name)


def occurrence_starts(
    series: EventSeries, after: datetime.datetime, until: datetime.datetime
) -> list[datetime.datetime]:
    """The series' occurrence starts in ``(after, until]``, aware, holidays skipped if the series says so."""
    parsed = parse_rule(series.rule, series.starts_on, series.start_time)
    local_after = after.astimezone(SHANGHAI).replace(tzinfo=None)
    local_until = until.astimezone(SHANGHAI).replace(tzinfo=None)
    starts = []
    for moment in _walk(parsed, local_until):
        if moment <= local_after:
            continue
        if series.skip_official_holidays and is_official_holiday(moment.date()):
            continue
        starts.append(moment.replace(tzinfo=SHANGHAI))
    return starts


def upcoming(series: EventSeries, *, now: datetime.datetime, count: int = 8) -> list[datetime.datetime]:
    """The next ``count`` occurrence starts after ``now`` (a preview for the admin)."""
    end = now + datetime.timedelta(days=RULE_PROBE_DAYS)
    return occurrence_starts(series, now, end)[:count]


# Occurrences ----------------------------------------------------------------------------


def template_values(series: EventSeries) -> dict:
    return {name: getattr(series, name) for name in SERIES_TEMPLATE_FIELDS}


def _times(series: EventSeries, start: datetime.datetime) -> dict:
    return {"starts_at": start, "ends_at": start + datetime.timedelta(minutes=series.duration_minutes)}


def _existing_starts(series: EventSeries, starts: list[datetime.datetime]) -> set[datetime.datetime]:
    """The keys already taken, cancelled occurrences included: those are never made again."""
    taken = Event.objects.filter(series=series, occurrence_start__in=starts)
    return set(taken.values_list("occurrence_start", flat=True))


@dataclass
class Generated:
    created: list[Event] = field(default_factory=list)
    # (volunteer id, event id, why) for series sign-ups that could not take a place.
    refused: list[tuple[int, int, str]] = field(default_factory=list)


def generate_occurrences(series: EventSeries | None = None, *, now: datetime.datetime) -> Generated:
    """Make every missing occurrence up to ``SERIES_HORIZON_WEEKS`` ahead as a published event.

    Idempotent and safe to run concurrently (see the module's docstring). Each new
    occurrence takes its series' subscribers in the same transaction, so a crash
    never leaves an occurrence without them.
    """
    horizon = now + datetime.timedelta(weeks=settings.SERIES_HORIZON_WEEKS)
    chosen = [series] if series is not None else EventSeries.objects.filter(status=SeriesStatus.ACTIVE)
    result = Generated()
    for one in chosen:
        if one.status != SeriesStatus.ACTIVE:
            continue
        try:
            starts = occurrence_starts(one, now, horizon)
        except SeriesError:
            # A rule stored past the checks (by hand in the database): that series waits, the others go on.
            logger.exception("Series %s has a rule that cannot be read: %r", one.pk, one.rule)
            continue
        taken = _existing_starts(one, starts)
        for start in starts:
            if start not in taken:
                _make_occurrence(one, start, now=now, result=result)
    return result


def _make_occurrence(series: EventSeries, start: datetime.datetime, *, now, result: Generated) -> None:
    try:
        with transaction.atomic():
            # The series as it is now, under a lock a template edit, a split and a series sign-up
            # (FOR UPDATE) wait for: one read before them would make an occurrence with the old
            # template, or, after a split moved the occurrences on, a second one in the ended series.
            series = EventSeries.objects.select_for_update(no_key=True).get(pk=series.pk)
            if series.status != SeriesStatus.ACTIVE or start not in occurrence_starts(
                series, start - datetime.timedelta(seconds=1), start
            ):
                return
            event = Event.objects.create(
                series=series,
                occurrence_start=start,
                status=EventStatus.PUBLISHED,
                created_by_id=series.created_by_id,
                **template_values(series),
                **_times(series, start),
            )
            for subscription in series.subscriptions.select_related("volunteer"):
                _signup, refusal = _join(event, subscription.volunteer, now=now)
                if refusal:
                    result.refused.append((subscription.volunteer_id, event.pk, refusal))
    except IntegrityError:
        # Another generator made this occurrence first: the key is taken, which is all we wanted.
        return
    result.created.append(event)


def _join(event: Event, volunteer: Volunteer, *, now: datetime.datetime) -> tuple[Signup | None, str]:
    """Sign the volunteer up for one occurrence for their series sign-up: the sign-up, or the refusal's words.

    Signing up for the series acknowledged its risk notice, which every occurrence repeats.
    """
    try:
        signup, _new = services.sign_up(event, volunteer, at=now, risk_acknowledged=True)
    except DomainError as error:
        return None, error.detail
    return signup, ""


def _future_untouched(series: EventSeries, now: datetime.datetime):
    """Occurrences the series may still change: published, to come, not edited by hand, no records."""
    # Not a join: PostgreSQL locks no row on the nullable side of an outer join.
    recorded = ServiceRecord.objects.filter(event=OuterRef("pk"))
    return series.occurrences.filter(status=EventStatus.PUBLISHED, starts_at__gt=now, edited_by_hand=False).exclude(
        Exists(recorded)
    )


def _apply_template(event: Event, series: EventSeries, *, start: datetime.datetime | None = None) -> None:
    for name, value in template_values(series).items():
        setattr(event, name, value)
    start = start or event.occurrence_start
    if start is None:
        raise ValueError("an occurrence has its start (event_occurrence_with_series)")
    event.occurrence_start = start
    times = _times(series, start)
    event.starts_at, event.ends_at = times["starts_at"], times["ends_at"]
    event._saved_by_series = True
    try:
        event.save()
    finally:
        event._saved_by_series = False


@transaction.atomic
def create_series(*, now: datetime.datetime, **values) -> tuple[EventSeries, Generated]:
    """A new series, its rule checked, and its occurrences up to the horizon. Raises SeriesError."""
    values["rule"] = validate_rule(
        values["rule"],
        values["starts_on"],
        values["start_time"],
        skip_holidays=values.get("skip_official_holidays", False),
        after=now,
    )
    series = EventSeries.objects.create(**values)
    return series, generate_occurrences(series, now=now)


@transaction.atomic
def update_series(series: EventSeries, changes: dict, *, now: datetime.datetime) -> EventSeries:
    """Change the template (not the schedule: see ``split_series``) and the occurrences it still owns.

    Occurrences edited by hand, cancelled, past or with records keep what they have.
    """
    series = EventSeries.objects.select_for_update().get(pk=series.pk)
    for name, value in changes.items():
        if name in SCHEDULE_FIELDS:
            raise ValueError(f"{name} is changed by split_series")
        setattr(series, name, value)
    series.save()
    for event in _future_untouched(series, now).select_for_update():
        _apply_template(event, series)
    return series


@transaction.atomic
def split_series(
    series: EventSeries, from_occurrence: Event, changes: dict, *, now: datetime.datetime
) -> tuple[EventSeries, Generated]:
    """This and following: the series ends before ``from_occurrence``; a new one, with ``changes``, goes on.

    Every occurrence from there on moves to the new series, keyed by the new schedule's
    start on its date, so the new series never makes a second event on a day the old one
    had (one cancelled or edited by hand included). The untouched ones (see
    ``_future_untouched``) take the new template and time; one whose date the new
    schedule no longer has is cancelled (its volunteers are told). Those edited by hand,
    cancelled or with records stay as they are. Series sign-ups carry over. Raises SeriesError.
    """
    series = EventSeries.objects.select_for_update().get(pk=series.pk)
    if series.status != SeriesStatus.ACTIVE:
        raise SeriesError("series_ended")
    split_at = from_occurrence.occurrence_start
    if from_occurrence.series_id != series.pk or split_at is None or from_occurrence.starts_at <= now:
        raise SeriesError("not_an_occurrence")
    values = {f.name: getattr(series, f.name) for f in EventSeries._meta.concrete_fields if f.name != "id"}
    values.update(changes)
    values.pop("created_at", None)
    values.pop("updated_at", None)
    values["starts_on"] = changes.get("starts_on", split_at.astimezone(SHANGHAI).date())
    values["rule"] = validate_rule(
        values["rule"] if "rule" in changes else _rest_of(series, split_at),
        values["starts_on"],
        values["start_time"],
        skip_holidays=values["skip_official_holidays"],
        after=now,
    )
    successor = EventSeries.objects.create(**values)
    # The old rule stops just before the split: UNTIL is inclusive and in the rule's (local) time.
    until = split_at.astimezone(SHANGHAI).replace(tzinfo=None) - datetime.timedelta(seconds=1)
    series.rule = f"{_without_end(series.rule)};UNTIL={until:%Y%m%dT%H%M%S}"
    series.status = SeriesStatus.ENDED
    series.save(update_fields=["rule", "status", "updated_at"])
    subscribers = series.subscriptions.values_list("volunteer", flat=True)
    SeriesSignup.objects.bulk_create([SeriesSignup(series=successor, volunteer_id=v) for v in subscribers])
    horizon = now + datetime.timedelta(weeks=settings.SERIES_HORIZON_WEEKS)
    following = list(series.occurrences.filter(occurrence_start__gte=split_at).select_for_update())
    untouched = set(_future_untouched(series, now).filter(occurrence_start__gte=split_at).values_list("pk", flat=True))
    last = max([horizon, *(event.occurrence_start for event in following)])
    new_starts = {start.date(): start for start in occurrence_starts(successor, now, last)}
    for event in following:
        new_start = new_starts.get(event.occurrence_start.astimezone(SHANGHAI).date())
        event.series = successor
        if event.pk not in untouched:
            Event.objects.filter(pk=event.pk).update(
                series=successor, occurrence_start=new_start or event.occurrence_start
            )
            continue
        _apply_template(event, successor, start=new_start or event.occurrence_start)
        if new_start is None:
            services.cancel_event(event)
    return successor, generate_occurrences(successor, now=now)


def _rest_of(series: EventSeries, split_at: datetime.datetime) -> str:
    """The old rule from ``split_at`` on: its UNTIL kept, its COUNT reduced to the occurrences left."""
    parsed = parse_rule(series.rule, series.starts_on, series.start_time)
    if parsed._count is None:
        return series.rule
    local = split_at.astimezone(SHANGHAI).replace(tzinfo=None)
    before = sum(1 for moment in _walk(parsed, local) if moment < local)
    left = max(parsed._count - before, 0)
    return f"{_without_end(series.rule)};COUNT={left}"


def _without_end(rule: str) -> str:
    """The rule without its COUNT or UNTIL part."""
    parts = [part for part in rule.split(";") if part and not part.upper().startswith(("UNTIL=", "COUNT="))]
    return ";".join(parts)


# Series sign-ups ------------------------------------------------------------------------


@dataclass
class SeriesJoined:
    subscription: SeriesSignup
    # (event, status) for each occurrence joined, and (event, why) for each that could not be.
    joined: list[tuple[Event, str]] = field(default_factory=list)
    refused: list[tuple[Event, str]] = field(default_factory=list)


@transaction.atomic
def sign_up_for_series(series: EventSeries, volunteer: Volunteer, *, now: datetime.datetime) -> SeriesJoined:
    """Sign the volunteer up for every occurrence to come: those made already and those made later.

    A place where one is free, the waitlist otherwise; an occurrence they cannot join
    (too young, not of the team...) is skipped with the reason. Raises SeriesError.
    """
    # The generator's insert of a new occurrence takes a key-share lock on this row (its foreign
    # key), so it waits for this sign-up, then reads the subscribers anew; or this waits for it
    # and finds its occurrence below. Either way the volunteer misses no occurrence.
    series = EventSeries.objects.select_for_update().get(pk=series.pk)
    if series.status != SeriesStatus.ACTIVE:
        raise SeriesError("series_ended")
    if volunteer.status != VolunteerStatus.ACTIVE:
        raise services.EventError("volunteer_suspended")
    subscription, _created = SeriesSignup.objects.get_or_create(series=series, volunteer=volunteer)
    result = SeriesJoined(subscription)
    for event in series.occurrences.filter(status=EventStatus.PUBLISHED, starts_at__gt=now).order_by("starts_at"):
        signup, refusal = _join(event, volunteer, now=now)
        if signup is None:
            result.refused.append((event, refusal))
        else:
            result.joined.append((event, signup.status))
    return result


@transaction.atomic
def cancel_series_signup(series: EventSeries, volunteer: Volunteer, *, now: datetime.datetime) -> int:
    """End the series sign-up and give back the places to come; returns how many. Raises SeriesError."""
    deleted, _rows = SeriesSignup.objects.filter(series=series, volunteer=volunteer).delete()
    if not deleted:
        raise SeriesError("not_signed_up")
    held = Event.objects.filter(
        series=series,
        starts_at__gt=now,
        signups__volunteer=volunteer,
        signups__status__in=[SignupStatus.CONFIRMED, SignupStatus.WAITLISTED],
    ).order_by("starts_at")
    given_back = 0
    for event in held:
        services.cancel_signup(event, volunteer, at=now)
        given_back += 1
    return given_back
