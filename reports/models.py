"""Rollups of approved service, so statistics read thousands of rows, not millions of records.

Every table here is derived: ``reports.rollups.upkeep`` keeps it in step inside the
transaction that approves, rejects or corrects a record, moves a volunteer or
edits an event, and ``manage.py rebuild_rollups`` makes it again from the records.
A record falls in the Asia/Shanghai month and year of its check-in and counts for
its volunteer's current home station (as the statistics do).

The ``center_*``, ``institute_*`` and ``station_*`` measures count only records of
events organised inside the volunteer's own center, institute or station: a
manager of one unit counts the records they review (events in their subtree) of
volunteers registered there, and for any unit under theirs that is exactly the
measure of their own level.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jobs.files import private_file_name
from jobs.models import BackgroundJob, BackgroundJobQuerySet
from stations.models import PracticeUnit
from stations.scoping import scoped
from volunteers.models import Volunteer

HOURS_DIGITS = 14
# Level prefixes of the scoped measures, from the widest.
REACH_LEVELS = ("center", "institute", "station")


def hours_field(label) -> models.DecimalField:
    return models.DecimalField(label, max_digits=HOURS_DIGITS, decimal_places=2, default=0)


class HoursRollup(models.Model):
    """Approved hours and records per (home station, organising unit, category, month).

    The finest grain: any filter on both the volunteer's and the event's side, or on
    categories, reads these rows. Rows whose records fell to zero stay, with zeros.
    """

    station = models.ForeignKey(
        PracticeUnit, verbose_name=_("home station"), on_delete=models.CASCADE, related_name="+"
    )
    event_unit = models.ForeignKey(
        PracticeUnit, verbose_name=_("organising unit"), on_delete=models.CASCADE, related_name="+"
    )
    category = models.CharField(_("service category"), max_length=20)
    month = models.DateField(_("month"), help_text=_("First day of the month."))
    hours = hours_field(_("service hours"))
    records = models.BigIntegerField(_("record count"), default=0)

    class Meta:
        verbose_name = _("hours rollup")
        verbose_name_plural = _("hours rollups")
        constraints = [
            models.UniqueConstraint(fields=["station", "event_unit", "category", "month"], name="hours_rollup_key"),
        ]
        indexes = [models.Index(fields=["month", "station"], name="hours_rollup_month_idx")]

    def __str__(self) -> str:
        return f"{self.station_id} · {self.event_unit_id} · {self.category} · {self.month:%Y-%m}"


class UnitHours(models.Model):
    """Approved hours of the volunteers registered under a unit (of any level), per month and per year.

    Each approved record adds to the rows of its volunteer's station, institute and
    center, for its month and for its whole year (``month`` 0), so a province's year
    by station is one row per station.
    """

    # Named, so statistics outer-join a unit's rows and show idle units with 0.
    unit = models.ForeignKey(
        PracticeUnit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="rollup_hours"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"), help_text=_("1 to 12, or 0 for the whole year."))
    hours = hours_field(_("service hours"))
    records = models.BigIntegerField(_("record count"), default=0)
    center_hours = hours_field(_("hours at events of the own center"))
    center_records = models.BigIntegerField(_("records at events of the own center"), default=0)
    institute_hours = hours_field(_("hours at events of the own institute"))
    institute_records = models.BigIntegerField(_("records at events of the own institute"), default=0)
    station_hours = hours_field(_("hours at events of the own station"))
    station_records = models.BigIntegerField(_("records at events of the own station"), default=0)

    class Meta:
        verbose_name = _("unit hours")
        verbose_name_plural = _("unit hours")
        constraints = [models.UniqueConstraint(fields=["unit", "year", "month"], name="unit_hours_key")]
        indexes = [
            # Covering on PostgreSQL: a province's month by station (all records) is read from the index alone.
            models.Index(fields=["year", "month", "unit"], include=["hours", "records"], name="unit_hours_period_idx")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} · {self.year}-{self.month:02d}"


class VolunteerYear(models.Model):
    """A volunteer's approved service in one year; a row exists only for years with approved records.

    ``station`` follows the volunteer's home station, so counts of active
    volunteers or of those reaching the annual target read this table alone.
    """

    volunteer = models.ForeignKey(Volunteer, verbose_name=_("volunteer"), on_delete=models.CASCADE, related_name="+")
    station = models.ForeignKey(
        PracticeUnit, verbose_name=_("home station"), on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    hours = hours_field(_("service hours"))
    records = models.IntegerField(_("record count"), default=0)
    last_served = models.DateField(_("last served on"))
    center_hours = hours_field(_("hours at events of the own center"))
    center_records = models.IntegerField(_("records at events of the own center"), default=0)
    center_last_served = models.DateField(_("last served in the own center"), null=True)
    institute_hours = hours_field(_("hours at events of the own institute"))
    institute_records = models.IntegerField(_("records at events of the own institute"), default=0)
    institute_last_served = models.DateField(_("last served in the own institute"), null=True)
    station_hours = hours_field(_("hours at events of the own station"))
    station_records = models.IntegerField(_("records at events of the own station"), default=0)
    station_last_served = models.DateField(_("last served in the own station"), null=True)

    class Meta:
        verbose_name = _("volunteer year")
        verbose_name_plural = _("volunteer years")
        constraints = [models.UniqueConstraint(fields=["volunteer", "year"], name="volunteer_year_key")]
        indexes = [
            models.Index(fields=["station", "year"], name="volunteer_year_station_idx"),
            models.Index(fields=["year", "hours"], name="volunteer_year_hours_idx"),
            models.Index(fields=["last_served"], name="volunteer_year_served_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id} · {self.year}"


class UnitActivity(models.Model):
    """How many volunteers registered under a unit (of any level) served: per year, and by their latest month.

    A year row (``month`` 0) counts the volunteers with an approved record in the year
    (``served``) and those whose hours in it reached ``settings.ANNUAL_HOURS_TARGET``
    (``reaching_target``). A month row counts the volunteers whose latest approved
    record falls in that month (``latest``): those active since a month are a sum of rows.
    """

    unit = models.ForeignKey(
        PracticeUnit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="rollup_activity"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"), help_text=_("1 to 12, or 0 for the whole year."))
    served = models.BigIntegerField(_("volunteers who served"), default=0)
    reaching_target = models.BigIntegerField(_("volunteers reaching the annual target"), default=0)
    latest = models.BigIntegerField(_("volunteers who last served in the month"), default=0)
    center_served = models.BigIntegerField(_("served at events of the own center"), default=0)
    center_reaching_target = models.BigIntegerField(_("reaching the target at events of the own center"), default=0)
    center_latest = models.BigIntegerField(_("last served at events of the own center"), default=0)
    institute_served = models.BigIntegerField(_("served at events of the own institute"), default=0)
    institute_reaching_target = models.BigIntegerField(
        _("reaching the target at events of the own institute"), default=0
    )
    institute_latest = models.BigIntegerField(_("last served at events of the own institute"), default=0)
    station_served = models.BigIntegerField(_("served at events of the own station"), default=0)
    station_reaching_target = models.BigIntegerField(_("reaching the target at events of the own station"), default=0)
    station_latest = models.BigIntegerField(_("last served at events of the own station"), default=0)

    class Meta:
        verbose_name = _("unit activity")
        verbose_name_plural = _("unit activity")
        constraints = [models.UniqueConstraint(fields=["unit", "year", "month"], name="unit_activity_key")]
        indexes = [models.Index(fields=["year", "month", "unit"], name="unit_activity_period_idx")]

    def __str__(self) -> str:
        return f"{self.unit_id} · {self.year}-{self.month:02d}"


class UnitVolunteers(models.Model):
    """Volunteers registered under a unit (of any level) by the year they registered and their star level.

    The star level is the current one, from lifetime approved hours: the registered
    volunteers at a year's end and their levels are sums over ``registered_year``.
    """

    unit = models.ForeignKey(PracticeUnit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+")
    registered_year = models.PositiveSmallIntegerField(_("year registered"))
    star_level = models.PositiveSmallIntegerField(_("star level"))
    volunteers = models.BigIntegerField(_("volunteers"), default=0)

    class Meta:
        verbose_name = _("unit volunteers")
        verbose_name_plural = _("unit volunteers")
        constraints = [
            models.UniqueConstraint(fields=["unit", "registered_year", "star_level"], name="unit_volunteers_key")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} · {self.registered_year} · {self.star_level}"


# --- Ledgers (台账): made in the background, downloaded through a checked view ---


class LedgerPeriod(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")


class LedgerFormat(models.TextChoices):
    PDF = "pdf", _("PDF")
    XLSX = "xlsx", _("XLSX")
    # The unit's own ledger and one per unit below it, each as PDF and XLSX.
    ZIP = "zip", _("ZIP with the units below")


def ledger_file_name(job: LedgerJob, filename: str) -> str:
    return private_file_name("ledgers", filename)


class LedgerJobQuerySet(BackgroundJobQuerySet):
    def visible_to(self, user) -> LedgerJobQuerySet:
        """Jobs of units in the manager's subtree, and those the user asked for."""
        return scoped(self, user, "unit__path", own=Q(requested_by=user))


class LedgerJob(BackgroundJob):
    """A unit's ledger of a month, quarter or year, being made or made.

    Its work makes the whole file again when resumed: nothing is kept of a run cut short.
    """

    work: ClassVar[str] = "reports.ledgers.jobs.make_ledger"

    unit = models.ForeignKey(PracticeUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="ledger_jobs")
    period = models.CharField(_("period"), max_length=10, choices=LedgerPeriod.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    # The month (1-12) or quarter (1-4); 0 for a whole year.
    number = models.PositiveSmallIntegerField(_("month or quarter"), default=0)
    format = models.CharField(_("format"), max_length=10, choices=LedgerFormat.choices)
    file = models.FileField(_("file"), upload_to=ledger_file_name, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = LedgerJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger job")
        verbose_name_plural = _("ledger jobs")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="ledger_progress_percent"),
            models.CheckConstraint(
                condition=Q(period="month", number__gte=1, number__lte=12)
                | Q(period="quarter", number__gte=1, number__lte=4)
                | Q(period="year", number=0),
                name="ledger_period_number",
            ),
            # A second click while the ledger is being made returns that job.
            models.UniqueConstraint(
                fields=["unit", "period", "year", "number", "format"],
                condition=Q(status__in=["queued", "running"]),
                name="one_active_ledger_job_per_scope",
            ),
        ]
        indexes = [models.Index(fields=["unit", "created_at"], name="ledger_job_unit_idx")]

    def __str__(self) -> str:
        return f"{self.unit.name} · {self.period} {self.year}-{self.number} · {self.format}"
