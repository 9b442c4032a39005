from __future__ import annotations

import datetime
import secrets
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import AnyUser
from events.choices import ChangeAction, RecordFlag, ScanAction
from events.themes import validate_theme
from stations.models import PracticeUnit, coordinate_field
from stations.scoping import managed_q, scoped
from venues.models import Booking, Venue
from volunteers.models import Team, Volunteer

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class ServiceCategory(models.TextChoices):
    # The service fields the civilization-practice guidance names; extend by adding a member.
    THEORY = "theory", _("Theory outreach")
    CIVILITY = "civility", _("Civility campaign")
    ENVIRONMENT = "environment", _("Environment and sanitation")
    ELDERLY_DISABLED = "elderly_disabled", _("Help for the elderly and disabled")
    MINORS = "minors", _("Care for minors")
    CULTURE = "culture", _("Culture and arts")
    HEALTH = "health", _("Health")
    LEGAL = "legal", _("Legal services")
    SCIENCE = "science", _("Science popularisation")
    EMERGENCY = "emergency", _("Emergency rescue")
    OTHER = "other", _("Other")


class EventStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CANCELLED = "cancelled", _("Cancelled")
    FINISHED = "finished", _("Finished")


class Rounding(models.IntegerChoices):
    MINUTE = 1, _("Whole minutes")
    QUARTER = 15, _("15-minute steps")
    HALF_HOUR = 30, _("30-minute steps")


# An event is a day's or a camp's work, not a season: longer spans are data-entry
# errors that would credit absurd hours (a three-year "event" credited 26,304 h).
MAX_EVENT_DAYS = 7
# Check-in may open, and check-out close, at most a day around the schedule.
MAX_WINDOW_MINUTES = 24 * 60
MAX_RECORD_HOURS = MAX_EVENT_DAYS * 24


def event_bounds_errors(
    starts_at: datetime.datetime | None, ends_at: datetime.datetime | None
) -> dict[str, StrOrPromise]:
    """Field messages for a schedule that is backwards or longer than an event may last."""
    if starts_at is None or ends_at is None:
        return {}
    if ends_at <= starts_at:
        return {"ends_at": _("The end must be after the start.")}
    if ends_at - starts_at > datetime.timedelta(days=MAX_EVENT_DAYS):
        return {"ends_at": _("An event lasts at most %(days)d days.") % {"days": MAX_EVENT_DAYS}}
    return {}


def public_q() -> Q:
    """Events anyone may read: past the draft stage and open to every volunteer (no ``team``)."""
    return ~Q(status=EventStatus.DRAFT) & Q(team__isnull=True)


def crew_of(team_id: int) -> models.QuerySet[Volunteer]:
    """The volunteers a team's own event admits: the team's members and its leader, as they are now."""
    members = Team.members.through.objects.filter(team=team_id).values("volunteer")
    leader = Team.objects.filter(pk=team_id, leader__isnull=False).values("leader")
    return Volunteer.objects.filter(Q(pk__in=members) | Q(pk__in=leader))


def _own_team_events(user_id: int) -> Q:
    """A team's own events (past the draft stage) that the user belongs to: as a member or the
    leader of the team, a leader of the event, or one of its crew (a confirmed place, a record)."""
    member_of = Team.members.through.objects.filter(volunteer__user_id=user_id).values("team")
    led = Team.objects.filter(leader__user_id=user_id).values("pk")
    leading = Event.leaders.through.objects.filter(user_id=user_id).values("event")
    placed = Signup.objects.filter(volunteer__user_id=user_id, status=SignupStatus.CONFIRMED).values("event")
    served = ServiceRecord.objects.filter(volunteer__user_id=user_id).values("event")
    belongs = Q(team__in=member_of) | Q(team__in=led) | Q(pk__in=leading) | Q(pk__in=placed) | Q(pk__in=served)
    return ~Q(status=EventStatus.DRAFT) & Q(team__isnull=False) & belongs


class EventQuerySet(models.QuerySet):
    def public(self) -> EventQuerySet:
        """Events anyone may read, logged in or not (``public_q``)."""
        return self.filter(public_q())

    def visible_to(self, user: AnyUser) -> EventQuerySet:
        """The one answer to who may read an event; every list, page and lookup goes through it.

        Everybody, logged in or not, sees public events; managers also their subtree's
        drafts and team events. A team's own event (a service order's visit to a
        resident's home: 志愿服务条例 art. 21) is seen only by its team, its leaders, those
        who served in it, the managers of its unit and those of the unit it serves.
        """
        if not user.is_authenticated:
            return self.public()
        served_units = managed_q(user, "served_unit__path")
        return scoped(self, user, "unit__path", own=public_q() | _own_team_events(user.pk) | served_units)

    def managed_by(self, user: AnyUser) -> EventQuerySet:
        return scoped(self, user, "unit__path")

    def run_by(self, user: AnyUser) -> EventQuerySet:
        """Events the user runs on the day: those they manage and those naming them among the leaders.

        Leaders open the check-in screens, scan volunteers' codes and document the event;
        approving hours stays with the managers (a leader usually served in it).
        """
        if not user.is_authenticated:
            return self.none()
        led = Q(pk__in=Event.leaders.through.objects.filter(user=user).values("event"))
        return scoped(self, user, "unit__path", own=led)

    def documented(self) -> EventQuerySet:
        """Events whose activity record has a summary and at least ``ACTIVITY_MIN_PHOTOS`` photos."""
        return self.filter(is_documented())

    def undocumented(self) -> EventQuerySet:
        return self.exclude(is_documented())


def is_documented() -> Q:
    """The condition of ``documented()``, to count with; events without an activity record fail it at the join."""
    complete = ActivityRecord.objects.complete().filter(event=OuterRef("pk"))
    return Q(activity_record__isnull=False) & Q(Exists(complete))


# What volunteers see of an event and must hear of when it changes (events.signals.event_changed).
EVENT_FIELDS_PEOPLE_SEE = ("title", "starts_at", "ends_at", "address", "status")

# The fields a series gives each of its occurrences besides the schedule (events/series.py). A change
# to any of them, or to the schedule, by anything but the series marks the occurrence as edited by hand.
SERIES_TEMPLATE_FIELDS = (
    "unit_id",
    "title",
    "description",
    "category",
    "recipients",
    "address",
    "latitude",
    "longitude",
    "radius_m",
    "capacity",
    "signup_required",
    "approval_required",
    "walk_ins_allowed",
    "min_age",
    "risk_notice",
    "lead_name",
    "checkin_opens_minutes",
    "checkout_closes_minutes",
    "min_presence_ratio",
    "rounding_minutes",
    "team_id",
)
_HAND_EDIT_FIELDS = (*SERIES_TEMPLATE_FIELDS, "starts_at", "ends_at")
# Longest occurrence, as for any event.
MAX_SERIES_DURATION_MINUTES = MAX_EVENT_DAYS * 24 * 60


class SeriesStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Ended")


class EventSeriesQuerySet(models.QuerySet):
    def managed_by(self, user: AnyUser) -> EventSeriesQuerySet:
        return scoped(self, user, "unit__path")


class EventSeries(models.Model):
    """A recurring event: a template and an RFC 5545 rule; events/series.py turns it into events.

    The rule's start is ``starts_on`` at ``start_time``, Shanghai wall time: every occurrence
    begins at that time of day whatever the date.
    """

    unit = models.ForeignKey(
        PracticeUnit, verbose_name=_("organising unit"), on_delete=models.PROTECT, related_name="event_series"
    )
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(_("service category"), max_length=20, choices=ServiceCategory.choices)
    recipients = models.CharField(_("service recipients"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=200)
    latitude = coordinate_field(_("latitude"), 90)
    longitude = coordinate_field(_("longitude"), 180)
    radius_m = models.PositiveIntegerField(
        _("check-in radius (metres)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(10), MaxValueValidator(50_000)],
    )
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True, validators=[MinValueValidator(1)])
    signup_required = models.BooleanField(_("sign-up required"), default=True)
    approval_required = models.BooleanField(_("records need approval"), default=True)
    walk_ins_allowed = models.BooleanField(_("walk-ins allowed"), default=False)
    min_age = models.PositiveSmallIntegerField(
        _("minimum age"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    risk_notice = models.TextField(_("risk notice"), blank=True)
    lead_name = models.CharField(_("activity lead"), max_length=30, blank=True)
    checkin_opens_minutes = models.PositiveIntegerField(
        _("check-in opens (minutes before start)"), default=30, validators=[MaxValueValidator(MAX_WINDOW_MINUTES)]
    )
    checkout_closes_minutes = models.PositiveIntegerField(
        _("check-out closes (minutes after end)"), default=60, validators=[MaxValueValidator(MAX_WINDOW_MINUTES)]
    )
    min_presence_ratio = models.DecimalField(
        _("minimum presence share"),
        max_digits=3,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(1)],
    )
    rounding_minutes = models.PositiveSmallIntegerField(
        _("rounding"), choices=Rounding.choices, default=Rounding.MINUTE
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("for the members of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    starts_on = models.DateField(_("first date"))
    start_time = models.TimeField(_("start time"))
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"), validators=[MinValueValidator(1), MaxValueValidator(MAX_SERIES_DURATION_MINUTES)]
    )
    # RFC 5545 RRULE without DTSTART (the first date and start time above), e.g. FREQ=WEEKLY;BYDAY=SA.
    rule = models.CharField(_("recurrence rule"), max_length=500)
    skip_official_holidays = models.BooleanField(
        _("skip official holidays"),
        default=False,
        help_text=_("No occurrence on China's official public holidays (such as the National Day week)."),
    )
    status = models.CharField(_("status"), max_length=10, choices=SeriesStatus.choices, default=SeriesStatus.ACTIVE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = EventSeriesQuerySet.as_manager()

    class Meta:
        verbose_name = _("event series")
        verbose_name_plural = _("event series")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1) & Q(duration_minutes__lte=MAX_SERIES_DURATION_MINUTES),
                name="series_duration_within_event_bounds",
            ),
            models.CheckConstraint(
                condition=Q(radius_m__isnull=True) | Q(latitude__isnull=False, longitude__isnull=False),
                name="series_radius_needs_point",
            ),
            models.CheckConstraint(
                condition=Q(checkin_opens_minutes__lte=MAX_WINDOW_MINUTES)
                & Q(checkout_closes_minutes__lte=MAX_WINDOW_MINUTES),
                name="series_windows_at_most_a_day",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class SeriesSignup(models.Model):
    """A volunteer signed up for every occurrence of a series, those to come included."""

    series = models.ForeignKey(
        EventSeries, verbose_name=_("series"), on_delete=models.CASCADE, related_name="subscriptions"
    )
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.CASCADE, related_name="series_signups"
    )
    created_at = models.DateTimeField(_("signed up at"), auto_now_add=True)

    class Meta:
        verbose_name = _("series sign-up")
        verbose_name_plural = _("series sign-ups")
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["series", "volunteer"], name="one_series_signup_each")]

    def __str__(self) -> str:
        return f"{self.volunteer.real_name} · {self.series.title}"


class ProjectQuerySet(models.QuerySet):
    def managed_by(self, user: AnyUser) -> ProjectQuerySet:
        return scoped(self, user, "lead_unit__path")

    def public(self) -> ProjectQuerySet:
        return self.filter(is_public=True)


class Project(models.Model):
    """A brand project (品牌项目): events, teams and orders grouped under a name, goals and a period."""

    lead_unit = models.ForeignKey(
        PracticeUnit, verbose_name=_("lead unit"), on_delete=models.PROTECT, related_name="projects"
    )
    name = models.CharField(_("name"), max_length=100)
    summary = models.CharField(_("summary"), max_length=200, blank=True)
    goals = models.TextField(_("goals"), blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True, help_text=_("Empty while it runs on."))
    teams = models.ManyToManyField(Team, verbose_name=_("teams"), blank=True, related_name="projects")
    is_public = models.BooleanField(_("shown to the public"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("brand project")
        verbose_name_plural = _("brand projects")
        ordering = ["lead_unit__path", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="project_ends_after_start",
            ),
            models.UniqueConstraint(fields=["lead_unit", "name"], name="project_name_unique_per_unit"),
        ]

    def __str__(self) -> str:
        return self.name


class MarkedTheme(models.Model):
    """A theme day (``events.themes``) a center marks for its network's events and calendar."""

    center = models.ForeignKey(
        PracticeUnit, verbose_name=_("center"), on_delete=models.CASCADE, related_name="marked_themes"
    )
    theme = models.CharField(_("theme day"), max_length=30, validators=[validate_theme])

    class Meta:
        verbose_name = _("marked theme day")
        verbose_name_plural = _("marked theme days")
        constraints = [models.UniqueConstraint(fields=["center", "theme"], name="marked_theme_once_per_center")]

    def __str__(self) -> str:
        return self.theme


class Event(models.Model):
    unit = models.ForeignKey(
        PracticeUnit, verbose_name=_("organising unit"), on_delete=models.PROTECT, related_name="events"
    )
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(_("service category"), max_length=20, choices=ServiceCategory.choices)
    recipients = models.CharField(_("service recipients"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=200)
    latitude = coordinate_field(_("latitude"), 90)
    longitude = coordinate_field(_("longitude"), 180)
    radius_m = models.PositiveIntegerField(
        _("check-in radius (metres)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(10), MaxValueValidator(50_000)],
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True, validators=[MinValueValidator(1)])
    signup_required = models.BooleanField(_("sign-up required"), default=True)
    approval_required = models.BooleanField(_("records need approval"), default=True)
    lead_name = models.CharField(_("activity lead"), max_length=30, blank=True)
    leaders = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("leaders"),
        blank=True,
        related_name="led_events",
        help_text=_("They run the check-in and document the event like its managers, but do not approve hours."),
    )
    recorder_name = models.CharField(_("recorder"), max_length=30, blank=True)
    risk_notice = models.TextField(
        _("risk notice"),
        blank=True,
        help_text=_("Risks volunteers should know of (Regulations on Volunteer Service, art. 12)."),
    )
    checkin_opens_minutes = models.PositiveIntegerField(
        _("check-in opens (minutes before start)"), default=30, validators=[MaxValueValidator(MAX_WINDOW_MINUTES)]
    )
    checkout_closes_minutes = models.PositiveIntegerField(
        _("check-out closes (minutes after end)"), default=60, validators=[MaxValueValidator(MAX_WINDOW_MINUTES)]
    )
    walk_ins_allowed = models.BooleanField(
        _("walk-ins allowed"),
        default=False,
        help_text=_("Volunteers who did not sign up may sign up and check in at the venue while places are free."),
    )
    # 志愿服务条例 art. 15: organisations give volunteers tasks that fit their age.
    min_age = models.PositiveSmallIntegerField(
        _("minimum age"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
        help_text=_("Volunteers younger than this on the day of the event cannot sign up or check in."),
    )
    min_presence_ratio = models.DecimalField(
        _("minimum presence share"),
        max_digits=3,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(1)],
        help_text=_("E.g. 0.6: attending less than 60 percent of the scheduled time credits nothing. Empty: off."),
    )
    rounding_minutes = models.PositiveSmallIntegerField(
        _("rounding"), choices=Rounding.choices, default=Rounding.MINUTE
    )
    status = models.CharField(_("status"), max_length=10, choices=EventStatus.choices, default=EventStatus.DRAFT)
    # A team's own event, such as the visit an accepted service order makes to a resident's
    # home: never public; only the team's members see it and sign up for it.
    team = models.ForeignKey(
        Team,
        verbose_name=_("for the members of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="own_events",
        help_text=_("Only this team's members see the event and sign up for it."),
    )
    served_unit = models.ForeignKey(
        PracticeUnit,
        verbose_name=_("serves the residents of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The managers of this unit and of the units above it see the team's event too."),
    )
    # An occurrence of a series: the series' events keep it (PROTECT) until they go; a series
    # ends rather than disappears. ``occurrence_start`` is the rule's start for this event,
    # unchanged when the event is moved by hand: the key regeneration finds it by.
    series = models.ForeignKey(
        EventSeries,
        verbose_name=_("series"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="occurrences",
    )
    occurrence_start = models.DateTimeField(_("occurrence of"), null=True, blank=True, editable=False)
    edited_by_hand = models.BooleanField(
        _("edited by hand"),
        default=False,
        editable=False,
        help_text=_("Changed apart from its series: changes to the series leave it as it is."),
    )
    # Where the event is held, if at one of a unit's venues: publishing it books the venue.
    venue = models.ForeignKey(
        Venue, verbose_name=_("venue"), null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    venue_booking = models.OneToOneField(
        Booking,
        verbose_name=_("venue booking"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="event",
    )
    project = models.ForeignKey(
        Project,
        verbose_name=_("brand project"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
    )
    theme = models.CharField(_("theme day"), max_length=30, blank=True, validators=[validate_theme])
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = EventQuerySet.as_manager()

    # What was loaded (see from_db), and whether events/series.py itself is saving the event.
    _as_loaded: dict[str, object]
    _hand_edit_loaded: dict[str, object]
    _saved_by_series = False

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["status", "starts_at"], name="event_status_start_idx"),
            models.Index(fields=["unit", "starts_at"], name="event_unit_start_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="event_ends_after_start"),
            models.CheckConstraint(
                condition=Q(radius_m__isnull=True) | Q(latitude__isnull=False, longitude__isnull=False),
                name="event_radius_needs_point",
            ),
            models.CheckConstraint(
                condition=Q(checkin_opens_minutes__lte=MAX_WINDOW_MINUTES)
                & Q(checkout_closes_minutes__lte=MAX_WINDOW_MINUTES),
                name="event_windows_at_most_a_day",
            ),
            # Regeneration, however often and concurrently it runs, makes each occurrence once.
            models.UniqueConstraint(fields=["series", "occurrence_start"], name="one_event_per_series_occurrence"),
            models.CheckConstraint(
                condition=Q(series__isnull=True, occurrence_start__isnull=True)
                | Q(series__isnull=False, occurrence_start__isnull=False),
                name="event_occurrence_with_series",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.starts_at:%Y-%m-%d}）"

    def save(self, *args, **kwargs) -> None:
        # Any path but the series' own (admin, API, pages, orders) that changes an occurrence
        # makes it the manager's: regeneration and later series edits leave it alone.
        if self.pk and self.series_id and not self.edited_by_hand and not self._saved_by_series:
            loaded = getattr(self, "_hand_edit_loaded", {})
            if any(getattr(self, field) != value for field, value in loaded.items()):
                self.edited_by_hand = True
                update_fields = kwargs.get("update_fields")
                if update_fields is not None:
                    kwargs["update_fields"] = {*update_fields, "edited_by_hand"}
        super().save(*args, **kwargs)
        self._hand_edit_loaded = {f: getattr(self, f) for f in _HAND_EDIT_FIELDS if f in self.__dict__}

    @classmethod
    def from_db(cls, db, field_names, values):
        # What was loaded, so that a save from any path (admin, API, pages) can tell volunteers
        # what changed (events.signals.announce_event_changes) without reading the row again.
        return _remember_loaded_fields(super().from_db(db, field_names, values))

    def clean(self) -> None:
        # The admin's forms call this; the API's serializer asks the same function.
        errors = event_bounds_errors(self.starts_at, self.ends_at)
        if errors:
            raise ValidationError(errors)

    def admits(self, volunteer: Volunteer) -> bool:
        """Whether the volunteer may sign up and check in: anyone, or for a team's own event its crew only."""
        return self.team_id is None or crew_of(self.team_id).filter(pk=volunteer.pk).exists()

    @property
    def checkin_opens_at(self) -> datetime.datetime:
        return self.starts_at - datetime.timedelta(minutes=self.checkin_opens_minutes)

    @property
    def checkout_closes_at(self) -> datetime.datetime:
        return self.ends_at + datetime.timedelta(minutes=self.checkout_closes_minutes)

    @property
    def is_documented(self) -> bool:
        """Whether the activity record is complete (a summary and enough photos); see ``documented()``."""
        try:
            record = self.activity_record
        except ActivityRecord.DoesNotExist:
            return False
        return record.is_complete

    @property
    def scheduled_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    def is_open_for(self, action: str, at: datetime.datetime) -> bool:
        """Whether a scan of ``action`` (a ``ScanAction``) is accepted at ``at``."""
        if self.status != EventStatus.PUBLISHED:
            return False
        if action == ScanAction.IN:
            return self.checkin_opens_at <= at <= self.ends_at
        return self.checkin_opens_at <= at <= self.checkout_closes_at

    def credited_hours(self, checked_in_at: datetime.datetime, checked_out_at: datetime.datetime) -> Decimal:
        """Hours credited for attending from ``checked_in_at`` to ``checked_out_at``.

        Service time excludes travel (志愿服务记录与证明出具办法: 不包括往返交通时间), so
        only the overlap with the scheduled interval counts, in whole minutes; then
        the event's presence rule and rounding apply.
        """
        start = max(checked_in_at, self.starts_at)
        end = min(checked_out_at, self.ends_at)
        minutes = max(0, int((end - start).total_seconds() // 60))
        if self.min_presence_ratio and minutes < self.min_presence_ratio * self.scheduled_minutes:
            return Decimal("0.00")
        minutes -= minutes % self.rounding_minutes
        return (Decimal(minutes) / 60).quantize(Decimal("0.01"))


def _remember_loaded_fields(event: Event) -> Event:
    event._as_loaded = {f: event.__dict__[f] for f in EVENT_FIELDS_PEOPLE_SEE if f in event.__dict__}
    event._hand_edit_loaded = {f: event.__dict__[f] for f in _HAND_EDIT_FIELDS if f in event.__dict__}
    return event


class SignupStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("Waitlisted")
    CANCELLED = "cancelled", _("Cancelled")


class Signup(models.Model):
    event = models.ForeignKey(Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="signups")
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.CASCADE, related_name="signups"
    )
    status = models.CharField(_("status"), max_length=10, choices=SignupStatus.choices)
    # When the volunteer (last) joined the queue: the waitlist is served in this order.
    queued_at = models.DateTimeField(_("signed up at"))
    risk_acknowledged_at = models.DateTimeField(_("risk notice acknowledged at"), null=True, blank=True)
    # Promoted from the waitlist: the place is the volunteer's if they confirm by then, else it
    # goes to the next in the queue. Null for places taken directly.
    confirm_by = models.DateTimeField(_("confirm by"), null=True, blank=True)
    # When the volunteer answered a reminder or a promotion: "I am coming".
    reconfirmed_at = models.DateTimeField(_("confirmed coming at"), null=True, blank=True)
    # Marked when the event ends: confirmed, never checked in, place not given back before the start.
    # An absence never changes hours (docs/features.md "No-shows" says how a unit may use it).
    absent = models.BooleanField(_("absent"), default=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        ordering = ["queued_at", "id"]
        constraints = [models.UniqueConstraint(fields=["event", "volunteer"], name="unique_signup_per_event")]
        indexes = [models.Index(fields=["event", "status", "queued_at"], name="signup_queue_idx")]

    def __str__(self) -> str:
        return f"{self.volunteer.real_name} · {self.event.title}"


class Method(models.TextChoices):
    EVENT_QR = "event_qr", _("Scanned the event code")
    VOLUNTEER_QR = "volunteer_qr", _("Manager scanned the volunteer code")
    MANUAL = "manual", _("Entered manually")
    OFFLINE_QR = "offline_qr", _("Scanned offline, uploaded later")


class RecordStatus(models.TextChoices):
    OPEN = "open", _("Checked in")
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ServiceRecordQuerySet(models.QuerySet):
    def visible_to(self, user: AnyUser) -> ServiceRecordQuerySet:
        """Admins all records, managers those of events in their subtree, volunteers their own."""
        return scoped(self, user, "event__unit__path", own=Q(volunteer__user=user))

    def managed_by(self, user: AnyUser) -> ServiceRecordQuerySet:
        return scoped(self, user, "event__unit__path")

    def approved(self) -> ServiceRecordQuerySet:
        return self.filter(status=RecordStatus.APPROVED)

    def overlapping(
        self, volunteer: Volunteer, start: datetime.datetime, end: datetime.datetime
    ) -> ServiceRecordQuerySet:
        """The volunteer's records, rejected ones aside, whose attended time meets ``[start, end)``.

        A record not checked out yet claims the time up to its event's end: the
        volunteer may still check out there, so no other record may claim it.
        """
        return self.filter(self.claiming(start, end), volunteer=volunteer)

    @staticmethod
    def claiming(start: datetime.datetime, end: datetime.datetime) -> Q:
        """The condition of ``overlapping`` without the volunteer, to combine with others in one filter."""
        checked_out = Q(checked_out_at__isnull=False, checked_out_at__gt=start)
        not_out = Q(checked_out_at__isnull=True, event__ends_at__gt=start)
        return Q(checked_in_at__lt=end) & (checked_out | not_out) & ~Q(status=RecordStatus.REJECTED)


class ServiceRecord(models.Model):
    event = models.ForeignKey(Event, verbose_name=_("event"), on_delete=models.PROTECT, related_name="records")
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.PROTECT, related_name="service_records"
    )
    checked_in_at = models.DateTimeField(_("checked in at"))
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    method = models.CharField(_("method"), max_length=12, choices=Method.choices)
    status = models.CharField(_("status"), max_length=10, choices=RecordStatus.choices, default=RecordStatus.OPEN)
    credited_hours = models.DecimalField(_("credited hours"), max_digits=6, decimal_places=2, default=Decimal("0.00"))
    flag = models.CharField(_("flag"), max_length=20, choices=RecordFlag.choices, blank=True)
    client_time = models.DateTimeField(_("time on the phone"), null=True, blank=True)
    reason = models.CharField(_("reason for manual entry"), max_length=200, blank=True)
    reject_reason = models.CharField(_("reason for rejection"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ServiceRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        ordering = ["-checked_in_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "volunteer"], name="one_record_per_volunteer_per_event"),
            models.CheckConstraint(
                condition=Q(checked_out_at__isnull=True) | Q(checked_out_at__gte=models.F("checked_in_at")),
                name="record_checkout_after_checkin",
            ),
            models.CheckConstraint(condition=Q(credited_hours__gte=0), name="record_hours_not_negative"),
            models.CheckConstraint(
                condition=Q(credited_hours__lte=MAX_RECORD_HOURS), name="record_hours_at_most_an_event"
            ),
        ]
        indexes = [
            models.Index(fields=["volunteer", "status"], name="record_volunteer_status_idx"),
            models.Index(fields=["status", "checked_in_at"], name="record_status_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer.real_name} · {self.event.title}"


class RecordChange(models.Model):
    """One change to a service record, kept for ever: who, when, what was and became, why."""

    record = models.ForeignKey(
        ServiceRecord, verbose_name=_("record"), on_delete=models.PROTECT, related_name="history"
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)
    action = models.CharField(_("action"), max_length=20, choices=ChangeAction.choices)
    old = models.JSONField(_("old values"), default=dict)
    new = models.JSONField(_("new values"), default=dict)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("record change")
        verbose_name_plural = _("record history")
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.record_id} · {self.action} · {self.changed_at:%Y-%m-%d %H:%M}"


class RefusedScanQuerySet(models.QuerySet):
    def visible_to(self, user: AnyUser) -> RefusedScanQuerySet:
        """Managers review refusals at their subtree's events or by their subtree's volunteers."""
        if not user.is_authenticated:
            return self.none()
        # A refusal of one of my volunteers elsewhere names the event only if I may see
        # that event: another station's draft title is none of my business.
        visible_events = Event.objects.visible_to(user).values("pk")
        own = managed_q(user, "volunteer__home_station__path") & (Q(event__isnull=True) | Q(event__in=visible_events))
        return scoped(self, user, "event__unit__path", own=own)


class RefusedScan(models.Model):
    """A scan that was turned away, kept for fraud review."""

    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    event = models.ForeignKey(
        Event, verbose_name=_("event"), null=True, blank=True, on_delete=models.SET_NULL, related_name="refused_scans"
    )
    action = models.CharField(_("action"), max_length=3, choices=ScanAction.choices, blank=True)
    code = models.CharField(_("refusal code"), max_length=30)
    at = models.DateTimeField(_("time"))
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)

    objects = RefusedScanQuerySet.as_manager()

    class Meta:
        verbose_name = _("refused scan")
        verbose_name_plural = _("refused scans")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.code} · {self.at:%Y-%m-%d %H:%M}"


# --- Evaluations and corrections the volunteer starts (志愿服务记录与证明出具办法 art. 10, 13) ---


class EvaluationQuerySet(models.QuerySet):
    def visible_to(self, user: AnyUser) -> EvaluationQuerySet:
        """Admins all, managers the evaluations their subtree's units made, a volunteer their own."""
        return scoped(self, user, "unit__path", own=Q(volunteer__user=user))


class Evaluation(models.Model):
    """The organising unit's evaluation of a volunteer's service (志愿服务记录与证明出具办法 art. 10).

    Either of one service record or of a period; with its date and optionally a star
    grade. Like records, it is due within 10 working days after the activity (art. 11).
    """

    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.PROTECT, related_name="evaluations"
    )
    unit = models.ForeignKey(
        PracticeUnit, verbose_name=_("evaluating unit"), on_delete=models.PROTECT, related_name="evaluations"
    )
    record = models.OneToOneField(
        ServiceRecord,
        verbose_name=_("service record"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evaluation",
    )
    period_start = models.DateField(_("period from"), null=True, blank=True)
    period_end = models.DateField(_("period to"), null=True, blank=True)
    evaluated_on = models.DateField(_("evaluation date"))
    grade = models.PositiveSmallIntegerField(
        _("stars"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.CharField(_("evaluation"), max_length=500)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = EvaluationQuerySet.as_manager()

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["-evaluated_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(record__isnull=False) & Q(period_start__isnull=True) & Q(period_end__isnull=True))
                | (
                    Q(record__isnull=True) & Q(period_start__isnull=False) & Q(period_end__gte=models.F("period_start"))
                ),
                name="evaluation_of_a_record_or_a_period",
                violation_error_message=_(
                    "Evaluate either one service record, or a period whose end is not before its start."
                ),
            ),
            models.CheckConstraint(
                condition=Q(grade__isnull=True) | Q(grade__gte=1, grade__lte=5), name="evaluation_grade_1_to_5"
            ),
        ]
        indexes = [models.Index(fields=["volunteer", "unit", "period_start"], name="evaluation_period_idx")]

    def __str__(self) -> str:
        return f"{self.volunteer.real_name} · {self.evaluated_on:%Y-%m-%d}"


class CorrectionKind(models.TextChoices):
    CORRECT = "correct", _("Correct a record")
    ADD = "add", _("Add a missing record")


class CorrectionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the unit")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")


def private_photo_name(folder: str) -> str:
    """``folder/<year>/<month>/<random>.jpg``: photos are personal; their names say nothing and cannot be guessed."""
    return f"{folder}/{timezone.now():%Y/%m}/{secrets.token_urlsafe(24)}.jpg"


def correction_photo_name(request: CorrectionRequest, filename: str) -> str:
    """A random stored name: the photo is personal and is served only by the permission-checked download."""
    return private_photo_name("corrections")


class CorrectionRequestQuerySet(models.QuerySet):
    def visible_to(self, user: AnyUser) -> CorrectionRequestQuerySet:
        """Admins all, managers those about their subtree's events, a volunteer their own."""
        return scoped(self, user, "event__unit__path", own=Q(volunteer__user=user))

    def managed_by(self, user: AnyUser) -> CorrectionRequestQuerySet:
        return scoped(self, user, "event__unit__path")


class CorrectionRequest(models.Model):
    """A volunteer asks to correct a record or to add a missing one (志愿服务记录与证明出具办法 art. 13).

    The organising unit verifies it; approving applies it through the same
    correction and manual-entry services a manager uses, so the four-eyes rule holds.
    """

    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.PROTECT, related_name="correction_requests"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=CorrectionKind.choices)
    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.PROTECT, related_name="correction_requests"
    )
    record = models.ForeignKey(
        ServiceRecord,
        verbose_name=_("service record"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="correction_requests",
    )
    checked_in_at = models.DateTimeField(_("check-in asked for"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("check-out asked for"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200)
    photo = models.FileField(_("photo"), upload_to=correction_photo_name, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=CorrectionStatus.choices, default=CorrectionStatus.PENDING
    )
    decline_reason = models.CharField(_("reason for declining"), max_length=200, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)

    objects = CorrectionRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("correction request")
        verbose_name_plural = _("correction requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                # An added record exists only once the unit approved the request.
                condition=(Q(kind="correct") & Q(record__isnull=False))
                | (Q(kind="add") & Q(checked_in_at__isnull=False) & (Q(record__isnull=True) | Q(status="approved"))),
                name="correction_names_its_record",
            ),
            # One open request per volunteer and event: the unit answers it before the next.
            models.UniqueConstraint(
                fields=["volunteer", "event"],
                condition=Q(status="pending"),
                name="one_pending_correction_per_event",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="correction_status_idx")]

    def __str__(self) -> str:
        return f"{self.volunteer.real_name} · {self.event.title} · {self.get_kind_display()}"


# --- Activity records (活动纪实): what an event did, for the station's ledger (台账) ---

# The people one event serves: a county-wide campaign reaches tens of thousands, not more.
MAX_PEOPLE_SERVED = 1_000_000


def activity_photo_name(photo: ActivityPhoto, filename: str) -> str:
    return private_photo_name("activity-photos")


def activity_thumbnail_name(photo: ActivityPhoto, filename: str) -> str:
    return private_photo_name("activity-thumbnails")


class ActivityRecordQuerySet(models.QuerySet):
    def complete(self) -> ActivityRecordQuerySet:
        """Records with a summary and at least ``ACTIVITY_MIN_PHOTOS`` photos."""
        return (
            self.exclude(summary="")
            .annotate(n_photos=Count("photos"))
            .filter(n_photos__gte=settings.ACTIVITY_MIN_PHOTOS)
        )


class ActivityRecord(models.Model):
    """What an event did (活动纪实): a summary, the people served and photos, completed by its managers."""

    event = models.OneToOneField(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="activity_record"
    )
    summary = models.TextField(_("summary"), blank=True, help_text=_("What was done and what came of it."))
    people_served = models.PositiveIntegerField(
        _("people served"), null=True, blank=True, validators=[MaxValueValidator(MAX_PEOPLE_SERVED)]
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("updated by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ActivityRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity record")
        verbose_name_plural = _("activity records")
        constraints = [
            models.CheckConstraint(
                condition=Q(people_served__isnull=True) | Q(people_served__lte=MAX_PEOPLE_SERVED),
                name="activity_people_served_bounded",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event.title} · 活动纪实"

    @property
    def photo_count(self) -> int:
        if self.pk is None:
            return 0
        if "photos" in getattr(self, "_prefetched_objects_cache", {}):
            return len(self.photos.all())
        return self.photos.count()

    @property
    def is_complete(self) -> bool:
        return bool(self.summary.strip()) and self.photo_count >= settings.ACTIVITY_MIN_PHOTOS


class ActivityPhotoQuerySet(models.QuerySet):
    def managed_by(self, user: AnyUser) -> ActivityPhotoQuerySet:
        """Photos show residents: only the event's managers (and admins) reach them."""
        return scoped(self, user, "record__event__unit__path")


class ActivityPhoto(models.Model):
    """A photo of an event, re-encoded without EXIF (``events.photos``); served only by permission-checked views."""

    record = models.ForeignKey(
        ActivityRecord, verbose_name=_("activity record"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField(_("photo"), upload_to=activity_photo_name)
    thumbnail = models.ImageField(_("thumbnail"), upload_to=activity_thumbnail_name)
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    caption = models.CharField(_("caption"), max_length=100, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    objects = ActivityPhotoQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity photo")
        verbose_name_plural = _("activity photos")
        ordering = [models.F("taken_at").asc(nulls_last=True), "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.caption or f"{self.record.event.title} · {self.pk}"


# --- Offline scanning: signed personal codes, scanner devices and their uploaded scans ---


class CardKey(models.Model):
    """One generation of the Ed25519 key that signs volunteers' personal codes and cards.

    Only the public half is stored: the private half is derived from CARD_SIGNING_SECRET and
    the generation (events.offline_codes), so a copy of the database cannot forge a code.
    """

    generation = models.PositiveSmallIntegerField(_("generation"), unique=True)
    public_key = models.CharField(_("public key"), max_length=64)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        verbose_name = _("card signing key")
        verbose_name_plural = _("card signing keys")
        ordering = ["-generation"]

    def __str__(self) -> str:
        return f"{self.generation}"


class VolunteerCard(models.Model):
    """A printed personal code. Its serial is signed into the code; revoking it refuses the card."""

    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.CASCADE, related_name="cards"
    )
    serial = models.PositiveIntegerField(_("serial"))
    # The CardKey generation its code is signed with: reprinting gives the same code, and
    # retiring that generation refuses the card.
    generation = models.PositiveSmallIntegerField(_("key generation"), default=1)
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoke_reason = models.CharField(_("reason for revoking"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("volunteer card")
        verbose_name_plural = _("volunteer cards")
        ordering = ["volunteer", "-serial"]
        constraints = [
            models.UniqueConstraint(fields=["volunteer", "serial"], name="one_card_per_serial"),
            models.CheckConstraint(condition=Q(serial__gte=1), name="card_serial_from_one"),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id}-{self.serial}"


class ScannerDeviceQuerySet(models.QuerySet):
    def visible_to(self, user: AnyUser) -> ScannerDeviceQuerySet:
        return scoped(self, user, "unit__path")


class ScannerDevice(models.Model):
    """A manager's phone registered to scan offline for a unit (and the units below it)."""

    unit = models.ForeignKey(
        PracticeUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="scanner_devices"
    )
    name = models.CharField(_("name"), max_length=60)
    # SHA-256 of the device's secret, which only the device holds; shown once at registration.
    secret_hash = models.CharField(max_length=64, editable=False)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("registered by"), on_delete=models.PROTECT, related_name="+"
    )
    registered_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    last_seen_at = models.DateTimeField(_("last contact"), null=True, blank=True)
    # Server clock minus the device's, estimated from its contacts (events.offline_merge).
    clock_offset_ms = models.BigIntegerField(_("clock offset (ms)"), null=True, blank=True)
    refused_uploads = models.PositiveIntegerField(_("uploads refused after revocation"), default=0)
    last_refused_at = models.DateTimeField(_("last refused upload"), null=True, blank=True)

    objects = ScannerDeviceQuerySet.as_manager()

    class Meta:
        verbose_name = _("scanner device")
        verbose_name_plural = _("scanner devices")
        ordering = ["-registered_at", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class OfflineScanOutcome(models.TextChoices):
    PENDING = "pending", _("Not merged yet")
    APPLIED = "applied", _("Applied")
    NO_EFFECT = "no_effect", _("No effect (already checked in)")
    CONFLICT = "conflict", _("Refused: awaiting review")


class OfflineResolution(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    DISMISSED = "dismissed", _("Dismissed")


class OfflineScanQuerySet(models.QuerySet):
    def visible_to(self, user: AnyUser) -> OfflineScanQuerySet:
        return scoped(self, user, "event__unit__path")

    def awaiting_review(self) -> OfflineScanQuerySet:
        return self.filter(outcome=OfflineScanOutcome.CONFLICT, resolution="")


class OfflineScan(models.Model):
    """One scan as a scanner device recorded it, stored once per nonce, whenever it arrives.

    ``device_time`` is the device's clock at the scan; ``scanned_at`` the same moment on the
    server's clock once the device's offset is known; ``uploaded_at`` when it arrived. Attendance
    is built from a volunteer's scans ordered by (scanned_at, device, counter).
    """

    device = models.ForeignKey(ScannerDevice, verbose_name=_("device"), on_delete=models.PROTECT, related_name="scans")
    nonce = models.CharField(_("nonce"), max_length=32)
    counter = models.PositiveBigIntegerField(_("device counter"))
    event = models.ForeignKey(Event, verbose_name=_("event"), on_delete=models.PROTECT, related_name="offline_scans")
    volunteer = models.ForeignKey(
        Volunteer,
        verbose_name=_("volunteer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="offline_scans",
    )
    code = models.CharField(_("scanned code"), max_length=200)
    action = models.CharField(_("action"), max_length=3, choices=ScanAction.choices)
    walk_in = models.BooleanField(_("walk-in"), default=False)
    device_time = models.DateTimeField(_("time on the device"))
    scanned_at = models.DateTimeField(_("scan time"), null=True, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"))
    scanned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("scanned by"), on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=OfflineScanOutcome.choices, default=OfflineScanOutcome.PENDING
    )
    # The refusal code an online scan would have got (CheckInError codes), or "clock_skew".
    reason = models.CharField(_("reason"), max_length=30, blank=True)
    record = models.ForeignKey(
        ServiceRecord,
        verbose_name=_("service record"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="offline_scans",
    )
    # Set when a second person accepts a conflict: the merge then lets this scan past the rule it broke.
    forced = models.BooleanField(_("accepted despite the conflict"), default=False)
    resolution = models.CharField(_("resolution"), max_length=10, choices=OfflineResolution.choices, blank=True)
    resolution_note = models.CharField(_("note"), max_length=200, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    objects = OfflineScanQuerySet.as_manager()

    class Meta:
        verbose_name = _("offline scan")
        verbose_name_plural = _("offline scans")
        ordering = ["scanned_at", "device", "counter"]
        constraints = [
            models.UniqueConstraint(fields=["device", "nonce"], name="offline_scan_once_per_nonce"),
        ]
        indexes = [
            # Not unique: a phone whose storage was wiped counts from 1 again; such a scan is kept for review.
            models.Index(fields=["device", "counter"], name="offline_scan_counter_idx"),
            models.Index(fields=["volunteer", "scanned_at"], name="offline_scan_volunteer_idx"),
            models.Index(fields=["outcome", "resolution"], name="offline_scan_review_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.device_id}#{self.counter} {self.action}"
