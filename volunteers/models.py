from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, DecimalField, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import AnyUser
from stations.models import Level, PracticeUnit
from stations.scoping import managed_q, scoped
from volunteers.id_numbers import IdType, validate_document_number
from volunteers.names import validate_real_name


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class PoliticalStatus(models.TextChoices):
    PARTY_MEMBER = "party_member", _("CPC member")
    PROBATIONARY = "probationary_member", _("CPC probationary member")
    LEAGUE_MEMBER = "league_member", _("Communist Youth League member")
    DEMOCRATIC_PARTY = "democratic_party", _("Member of a democratic party")
    MASSES = "masses", _("Ordinary citizen")


class VolunteerStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")


# Civil Code art. 17 (adults from 18); and below 14 the Personal Information Protection
# Law art. 28/31 makes a child's personal information sensitive, processed only with a
# guardian's consent.
ADULT_AGE = 18
GUARDIAN_CONSENT_BELOW_AGE = 14
# The Regulations on Volunteer Service set no minimum age (art. 15 only asks that tasks
# fit it). Below 8 a child can perform no civil act of their own (Civil Code art. 20), so
# the volunteer agreement and the account would be the guardian's alone: such a child
# serves beside a registered adult instead of registering. 8 is also an age by which the
# child can read and use their own login at a primary school level.
MIN_REGISTRATION_AGE = 8


class GuardianRelation(models.TextChoices):
    # Who may be a minor's guardian, in the order of Civil Code art. 27.
    PARENT = "parent", _("Parent")
    GRANDPARENT = "grandparent", _("Grandparent")
    SIBLING = "sibling", _("Elder brother or sister")
    OTHER = "other", _("Other guardian")


def age_on(birth_date: datetime.date, day: datetime.date) -> int:
    """Whole years (周岁) from ``birth_date`` to ``day``; never negative."""
    years = day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))
    return max(years, 0)


class Skill(models.Model):
    name = models.CharField(_("name"), max_length=30, unique=True)

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# ServiceRecord lives in events/, above this app: its totals are reached through the
# reverse relation "service_records" and its status by value.
APPROVED_RECORD = "approved"


def star_level_expression(hours_field: str) -> Case:
    """Star level (星级) 0-5 from approved lifetime hours, thresholds from the settings."""
    thresholds = list(enumerate(settings.STAR_THRESHOLDS_HOURS, start=1))
    return Case(
        *[When(**{f"{hours_field}__gte": hours}, then=Value(level)) for level, hours in reversed(thresholds)],
        default=Value(0),
        output_field=models.IntegerField(),
    )


class VolunteerQuerySet(models.QuerySet):
    def with_hours(self) -> VolunteerQuerySet:
        """Annotate ``approved_hours`` and ``star_level``, in the same query as the rows."""
        # A correlated subquery, so joins made by other filters never multiply the sum.
        totals = (
            Volunteer.objects.filter(pk=OuterRef("pk"))
            .annotate(total=Sum("service_records__credited_hours", filter=Q(service_records__status=APPROVED_RECORD)))
            .values("total")
        )
        hours: DecimalField = DecimalField(max_digits=10, decimal_places=2)
        return self.annotate(
            approved_hours=Coalesce(Subquery(totals, output_field=hours), Value(Decimal("0.00")), output_field=hours)
        ).annotate(star_level=star_level_expression("approved_hours"))

    def of_user(self, user: AnyUser) -> VolunteerQuerySet:
        """The user's own volunteer profile, if any: ``Volunteer.objects.of_user(user).first()``.

        The one way to find "this user's volunteer": anonymous users and people who never
        registered as volunteers (managers, admins) get an empty queryset, not an error.
        """
        if not user.is_authenticated:
            return self.none()
        return self.filter(user=user)

    def visible_to(self, user: AnyUser) -> VolunteerQuerySet:
        """Admins see everyone, managers the volunteers of their subtree, a volunteer themself."""
        return scoped(self, user, "home_station__path", own=Q(user=user))

    def managed_by(self, user: AnyUser) -> VolunteerQuerySet:
        """Volunteers a user may change: admins all, managers their subtree's (never themself)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(managed_q(user, "home_station__path")).exclude(user=user)


class Volunteer(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="volunteer"
    )
    number = models.CharField(_("volunteer number"), max_length=16, unique=True, null=True, editable=False)
    real_name = models.CharField(_("real name"), max_length=30, validators=[validate_real_name])
    id_type = models.CharField(_("ID type"), max_length=30, choices=IdType.choices, default=IdType.RESIDENT)
    # Unique among open accounts (constraint below); a closed account keeps only the masked number.
    id_number = models.CharField(_("ID number"), max_length=18)
    # The volunteer's number in the national volunteer service information system, once known.
    national_number = models.CharField(_("national volunteer number"), max_length=32, blank=True)
    # A closed account keeps neither (PIPL art. 47): beside its masked number they would
    # give back the digits the mask hides. Only the birth year stays, for statistics by age.
    gender = models.CharField(_("gender"), max_length=6, choices=Gender.choices, blank=True, editable=False)
    birth_date = models.DateField(_("birth date"), null=True, blank=True, editable=False)
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True, editable=False)
    home_station = models.ForeignKey(
        PracticeUnit,
        verbose_name=_("home station"),
        on_delete=models.PROTECT,
        related_name="volunteers",
        limit_choices_to={"level": Level.STATION},
    )
    skills = models.ManyToManyField(Skill, verbose_name=_("skills"), blank=True, related_name="volunteers")
    political_status = models.CharField(
        _("political status"), max_length=20, choices=PoliticalStatus.choices, blank=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=VolunteerStatus.choices, default=VolunteerStatus.ACTIVE
    )
    consented_at = models.DateTimeField(_("consented to personal information processing at"))
    # A minor's guardian, and when they consented (required below 14, PIPL art. 31).
    guardian_name = models.CharField(_("guardian's name"), max_length=30, blank=True)
    guardian_phone = models.CharField(_("guardian's mobile number"), max_length=11, blank=True)
    guardian_relation = models.CharField(
        _("guardian's relation"), max_length=12, choices=GuardianRelation.choices, blank=True
    )
    guardian_consented_at = models.DateTimeField(_("guardian consented at"), null=True, blank=True)
    # PIPL art. 47: a closed account keeps the service it rests certificates on, nothing else.
    closed_at = models.DateTimeField(_("account closed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = VolunteerQuerySet.as_manager()

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status"], name="volunteer_status_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number"], condition=Q(closed_at__isnull=True), name="volunteer_id_number_unique_open"
            ),
            # A guardian's consent names who gave it.
            models.CheckConstraint(
                condition=Q(guardian_consented_at__isnull=True)
                | (~Q(guardian_name="") & ~Q(guardian_phone="") & ~Q(guardian_relation="")),
                name="volunteer_guardian_consent_names_guardian",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.real_name}（{self.number}）"

    def clean(self) -> None:
        if self.closed_at is None:
            from django.core.exceptions import ValidationError

            try:
                validate_document_number(self.id_type, self.id_number)
            except ValidationError as error:
                raise ValidationError({"id_number": error.messages}) from None

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def phone(self) -> str:
        # The login phone is the volunteer's phone: one number, kept unique once.
        return self.user.phone

    def age_on(self, day: datetime.date) -> int:
        """Age in whole years (周岁) on ``day``; someone born on 29 February turns a year older on 1 March.

        A closed account knows only the birth year: its age is the lower of the two it may be.
        """
        if self.birth_date is None:
            return max(day.year - (self.birth_year or day.year) - 1, 0)
        return age_on(self.birth_date, day)

    @property
    def age(self) -> int:
        """Age in whole years today, in the platform's time zone."""
        return self.age_on(timezone.localdate())

    @property
    def is_minor(self) -> bool:
        # Civil Code art. 17: under 18 is a minor.
        return self.age < ADULT_AGE

    @property
    def needs_guardian(self) -> bool:
        return self.age < GUARDIAN_CONSENT_BELOW_AGE

    def assign_number(self) -> None:
        """Give a saved volunteer the number printed on cards and certificates."""
        self.number = f"{timezone.localtime(self.created_at):%Y}{self.pk:08d}"
        self.save(update_fields=["number"])


class ConsentKind(models.TextChoices):
    REGISTRATION = "registration", _("Processing of personal information")
    GUARDIAN = "guardian", _("Guardian's consent for a minor")


class ConsentRecord(models.Model):
    """Which version of a consent text a volunteer (or their guardian) agreed to, and when.

    PIPL art. 14 and 17: consent is to the rules as stated at the time; the texts
    themselves are kept, versioned, in volunteers/consent_texts.py.
    """

    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.CASCADE, related_name="consents"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ConsentKind.choices)
    version = models.CharField(_("text version"), max_length=20)
    consented_at = models.DateTimeField(_("consented at"))

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["consented_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.version}"


class TeamQuerySet(models.QuerySet):
    def visible_to(self, user: AnyUser) -> TeamQuerySet:
        """Admins see all teams, managers those of their subtree, a volunteer the teams they belong to."""
        return scoped(self, user, "unit__path", own=Q(members__user=user)).distinct()

    def managed_by(self, user: AnyUser) -> TeamQuerySet:
        return scoped(self, user, "unit__path")


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100)
    unit = models.ForeignKey(PracticeUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="teams")
    leader = models.ForeignKey(
        Volunteer, verbose_name=_("leader"), null=True, blank=True, on_delete=models.SET_NULL, related_name="led_teams"
    )
    members = models.ManyToManyField(Volunteer, verbose_name=_("members"), blank=True, related_name="teams")
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = TeamQuerySet.as_manager()

    class Meta:
        verbose_name = _("volunteer team")
        verbose_name_plural = _("volunteer teams")
        ordering = ["unit__path", "name"]
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="unique_team_name_per_unit")]

    def __str__(self) -> str:
        return self.name


# --- The rest of the volunteer record (志愿服务条例 art. 19; 志愿服务记录与证明出具办法 art. 8-9) ---

# A training lasts at most a working week of full days; a longer figure is a typing error.
MAX_TRAINING_HOURS = 200


class TrainingQuerySet(models.QuerySet):
    def visible_to(self, user: AnyUser) -> TrainingQuerySet:
        """Admins all, managers the trainings their subtree's units entered, a volunteer those they attended."""
        return scoped(self, user, "unit__path", own=Q(attendees__user=user)).distinct()

    def managed_by(self, user: AnyUser) -> TrainingQuerySet:
        return scoped(self, user, "unit__path")


class Training(models.Model):
    """A training volunteers attended (志愿服务记录与证明出具办法 art. 8).

    The article asks for its name, main content, duration, organiser and date.
    Training hours are not service hours: they never count towards approved hours,
    star levels or certificates' totals.
    """

    unit = models.ForeignKey(
        PracticeUnit, verbose_name=_("recording unit"), on_delete=models.PROTECT, related_name="trainings"
    )
    name = models.CharField(_("training name"), max_length=100)
    content = models.TextField(_("main content"), max_length=1000)
    hours = models.DecimalField(
        _("duration (hours)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(MAX_TRAINING_HOURS)],
    )
    organiser = models.CharField(_("organiser"), max_length=100)
    held_on = models.DateField(_("training date"))
    attendees = models.ManyToManyField(Volunteer, verbose_name=_("attendees"), related_name="trainings")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = TrainingQuerySet.as_manager()

    class Meta:
        verbose_name = _("training")
        verbose_name_plural = _("trainings")
        ordering = ["-held_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=MAX_TRAINING_HOURS), name="training_hours_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.held_on:%Y-%m-%d}）"


class AwardLevel(models.TextChoices):
    NATIONAL = "national", _("National")
    PROVINCIAL = "provincial", _("Provincial")
    MUNICIPAL = "municipal", _("Municipal")
    COUNTY = "county", _("County or district")
    TOWNSHIP = "township", _("Township or street")
    ORGANISATION = "organisation", _("Organisation")


class AwardQuerySet(models.QuerySet):
    def visible_to(self, user: AnyUser) -> AwardQuerySet:
        """Admins all, managers the awards of their subtree's volunteers, a volunteer their own."""
        return scoped(self, user, "volunteer__home_station__path", own=Q(volunteer__user=user))


class Award(models.Model):
    """An honour a volunteer received (志愿服务记录与证明出具办法 art. 9): name, date, awarding body, level."""

    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.PROTECT, related_name="awards"
    )
    name = models.CharField(_("award name"), max_length=100)
    awarded_on = models.DateField(_("date awarded"))
    awarding_body = models.CharField(_("awarding body"), max_length=100)
    level = models.CharField(_("level"), max_length=12, choices=AwardLevel.choices)
    on_certificates = models.BooleanField(
        _("shown on certificates"), default=True, help_text=_("Certificates may list this award.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = AwardQuerySet.as_manager()

    class Meta:
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        ordering = ["-awarded_on", "-id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.awarded_on:%Y-%m-%d}）"
