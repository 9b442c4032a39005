"""A unit's venues (阵地) and their bookings.

A booking holds its time slot from the moment it is made until it is refused or
cancelled: a pending booking already keeps others out, so a second resident learns
at once that the slot is taken instead of after the manager's decision. No two
holding bookings of one venue overlap: ``venues.services`` checks it under the
venue's row lock on every path, and on PostgreSQL an exclusion constraint
(migration 0002) makes it a database guarantee.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import AnyUser
from stations.models import PracticeUnit
from stations.scoping import scoped

ALL_WEEKDAYS = "1234567"


class VenueKind(models.TextChoices):
    HALL = "hall", _("Hall")
    READING_ROOM = "reading_room", _("Reading room (农家书屋)")
    CLASSROOM = "classroom", _("Classroom")
    COURT = "court", _("Sports court")
    SQUARE = "square", _("Square")
    OTHER = "other", _("Other")


class VenueQuerySet(models.QuerySet):
    def bookable(self) -> VenueQuerySet:
        return self.filter(is_active=True, unit__is_active=True)

    def managed_by(self, user: AnyUser) -> VenueQuerySet:
        return scoped(self, user, "unit__path")


class Venue(models.Model):
    unit = models.ForeignKey(PracticeUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="venues")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=VenueKind.choices, default=VenueKind.HALL)
    address = models.CharField(_("address"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    facilities = models.CharField(_("facilities"), max_length=300, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), validators=[MinValueValidator(1), MaxValueValidator(100_000)])
    # Opening hours: the same hours on each open weekday (1 = Monday … 7 = Sunday).
    open_weekdays = models.CharField(_("open weekdays"), max_length=7, default=ALL_WEEKDAYS)
    opens_at = models.TimeField(_("opens at"), default=datetime.time(8, 30))
    closes_at = models.TimeField(_("closes at"), default=datetime.time(21, 0))
    # Booking rules.
    approval_required = models.BooleanField(_("bookings need approval"), default=True)
    max_booking_minutes = models.PositiveIntegerField(
        _("longest booking (minutes)"), default=240, validators=[MinValueValidator(15), MaxValueValidator(24 * 60)]
    )
    bookings_per_month = models.PositiveSmallIntegerField(
        _("bookings per person or team per month"),
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    advance_days = models.PositiveSmallIntegerField(
        _("bookable days ahead"), default=30, validators=[MinValueValidator(1), MaxValueValidator(366)]
    )
    is_active = models.BooleanField(_("takes bookings"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = VenueQuerySet.as_manager()

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        ordering = ["unit__path", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(opens_at__lt=models.F("closes_at")), name="venue_opens_before_closing"),
        ]

    def __str__(self) -> str:
        return self.name


def venue_photo_name(photo: VenuePhoto, filename: str) -> str:
    return f"venues/{photo.venue_id}/{filename}"


class VenuePhoto(models.Model):
    """A photo of the venue itself (no people), re-encoded without EXIF like activity photos."""

    venue = models.ForeignKey(Venue, verbose_name=_("venue"), on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to=venue_photo_name)
    caption = models.CharField(_("caption"), max_length=100, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("venue photo")
        verbose_name_plural = _("venue photos")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.caption or f"{self.venue} #{self.pk}"


def booked_hours(seconds: float) -> Decimal:
    """Hours of bookings from their summed length, rounded once (half up) to the hundredth.

    Every report rounds the sum, never each booking, so the ledger, the dashboard and the
    self-assessment give the same hours for the same bookings.
    """
    return (Decimal(seconds) / Decimal(3600)).quantize(Decimal("0.01"), ROUND_HALF_UP)


class BookingStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    CANCELLED = "cancelled", _("Cancelled")


# Bookings that keep the slot from others.
HOLDING = (BookingStatus.PENDING, BookingStatus.APPROVED)


class BookingQuerySet(models.QuerySet):
    def holding(self) -> BookingQuerySet:
        return self.filter(status__in=HOLDING)

    def overlapping(self, starts_at: datetime.datetime, ends_at: datetime.datetime) -> BookingQuerySet:
        return self.filter(starts_at__lt=ends_at, ends_at__gt=starts_at)

    def managed_by(self, user: AnyUser) -> BookingQuerySet:
        return scoped(self, user, "venue__unit__path")

    def visible_to(self, user: AnyUser) -> BookingQuerySet:
        """Managers their subtree's bookings, everyone their own."""
        return scoped(self, user, "venue__unit__path", own=Q(booker=user))


class Booking(models.Model):
    venue = models.ForeignKey(Venue, verbose_name=_("venue"), on_delete=models.PROTECT, related_name="bookings")
    booker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("booked by"), on_delete=models.PROTECT, related_name="venue_bookings"
    )
    # A team books through one of its members; the monthly limit then counts the team's bookings.
    team = models.ForeignKey(
        "volunteers.Team",
        verbose_name=_("for team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="venue_bookings",
    )
    purpose = models.CharField(_("purpose"), max_length=100)
    attendees = models.PositiveIntegerField(
        _("expected attendees"), default=1, validators=[MinValueValidator(1), MaxValueValidator(100_000)]
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    # Open to the public: shown on the unit's activity calendar.
    is_public = models.BooleanField(_("open to the public"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=BookingStatus.choices, default=BookingStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    refuse_reason = models.CharField(_("reason for refusal"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("booked at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = BookingQuerySet.as_manager()

    class Meta:
        verbose_name = _("venue booking")
        verbose_name_plural = _("venue bookings")
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["venue", "starts_at"], name="booking_venue_start_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(starts_at__lt=models.F("ends_at")), name="booking_starts_before_end"),
        ]

    def __str__(self) -> str:
        return f"{self.venue} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def holds_slot(self) -> bool:
        return self.status in HOLDING
