from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext_lazy as _

from accounts.models import AnyUser
from stations.seals import SealField

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Subtrees are stored as a materialized path: each unit's ``path`` is its
# ancestors' ids and its own, zero-padded, e.g. "00000001/00000004/". The tree has
# exactly three levels and is read on every request (scoping) but changed rarely,
# so one ``path LIKE 'prefix%'`` on an index beats walking parents, and it needs no
# tree library with its own API for creating and moving nodes.
PATH_STEP = 9
MAX_POPULATION = 20_000_000


class Level(models.TextChoices):
    CENTER = "center", _("Center")
    INSTITUTE = "institute", _("Institute")
    STATION = "station", _("Station")


PARENT_LEVEL: dict[str, Level | None] = {
    Level.CENTER: None,
    Level.INSTITUTE: Level.CENTER,
    Level.STATION: Level.INSTITUTE,
}


def coordinate_field(label: StrOrPromise, limit: int) -> models.DecimalField:
    """An optional latitude (limit 90) or longitude (limit 180) in degrees, to about 0.1 m."""
    return models.DecimalField(
        label,
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-limit), MaxValueValidator(limit)],
    )


class PracticeUnitQuerySet(models.QuerySet):
    # ``stations.scoping`` answers both; it imports this module, hence the imports inside.
    def subtree_of(self, unit: PracticeUnit) -> PracticeUnitQuerySet:
        from stations.scoping import under

        return self.filter(under(unit))

    def managed_by(self, user: AnyUser) -> PracticeUnitQuerySet:
        """Units the user may change: admins all, managers their subtrees."""
        from stations.scoping import scoped

        return scoped(self, user, "path")

    def visible_to(self, user: AnyUser) -> PracticeUnitQuerySet:
        # The directory of practice units is public: volunteers choose their home
        # station from it when they register.
        return self.all()


class PracticeUnit(models.Model):
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(_("path"), max_length=3 * PATH_STEP, unique=True, editable=False)
    code = models.CharField(
        _("code"),
        max_length=32,
        unique=True,
        validators=[RegexValidator(r"^[A-Za-z0-9_-]+$", _("Use letters, digits, '-' and '_' only."))],
    )
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = coordinate_field(_("latitude"), 90)
    longitude = coordinate_field(_("longitude"), 180)
    contact_name = models.CharField(_("contact person"), max_length=30, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    # Certificates name the unit's person in charge (负责人) and the handler (经办人)
    # who issues them (民发〔2015〕149号; 志愿服务记录与证明出具办法 art. 15).
    person_in_charge = models.CharField(_("person in charge"), max_length=30, blank=True)
    handler_name = models.CharField(
        _("handler"),
        max_length=30,
        blank=True,
        help_text=_("Named on certificates as the handler (经办人) unless the issuer names another."),
    )
    # The campaign is assessed on registered volunteers per resident (常住人口). No
    # county-level area in China reaches the bound; it refuses a mistyped extra digit.
    population = models.PositiveIntegerField(
        _("resident population"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_POPULATION)],
        help_text=_("Resident population (常住人口) of the unit's area, from the latest statistics."),
    )
    # Schemes count Party members registered as volunteers against the members in the area
    # (the 在职党员 社区报到 rule); only the unit knows that total, so it is recorded, never guessed.
    party_members = models.PositiveIntegerField(
        _("Party members in the area"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_POPULATION)],
        help_text=_("Party members (中共党员) living or working in the unit's area, for the self-assessment."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Checked from its header and stored re-encoded as a small PNG on every path (stations/seals.py):
    # it is embedded in every certificate.
    seal = SealField(_("seal image"), upload_to="seals/", blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = PracticeUnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("practice unit")
        verbose_name_plural = _("practice units")
        ordering = ["path"]
        indexes = [
            # LIKE 'prefix%' on PostgreSQL uses a btree only with the pattern opclass.
            models.Index(fields=["path"], name="unit_path_prefix_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["level"], name="unit_level_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(level=Level.CENTER, parent__isnull=True) | Q(~Q(level=Level.CENTER), parent__isnull=False),
                name="unit_center_has_no_parent",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @transaction.atomic
    def save(self, *args, **kwargs) -> None:
        """Keep ``path`` in step with ``parent``, also for the whole subtree on a move.

        Paths are read from the database, not from this (possibly stale) object, so a
        save racing with a move of this unit or its parent leaves a consistent tree.
        """
        if self._state.adding:
            # The id is not known before the insert; a unique placeholder keeps
            # concurrent inserts clear of the unique index until the real path.
            self.path = f"~{uuid.uuid4().hex[: 3 * PATH_STEP - 1]}"
            super().save(*args, **kwargs)
            self.path = self._path_under_parent()
            super().save(update_fields=["path"])
            return
        old_path = PracticeUnit.objects.select_for_update().values_list("path", flat=True).get(pk=self.pk)
        self.path = self._path_under_parent()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "path"}
        super().save(*args, **kwargs)
        if self.path != old_path:
            PracticeUnit.objects.filter(path__startswith=old_path).exclude(pk=self.pk).update(
                path=Concat(models.Value(self.path), Substr("path", len(old_path) + 1))
            )

    def _path_under_parent(self) -> str:
        prefix = PracticeUnit.objects.values_list("path", flat=True).get(pk=self.parent_id) if self.parent_id else ""
        return f"{prefix}{self.pk:0{PATH_STEP - 1}d}/"

    def clean(self) -> None:
        self.check_parent(self.parent)

    def check_parent(self, parent: PracticeUnit | None) -> None:
        """Raise ValidationError unless ``parent`` may hold this unit (also on a move)."""
        expected = PARENT_LEVEL.get(self.level)
        if expected is None:
            if parent is not None:
                raise ValidationError({"parent": _("A center has no parent unit.")})
            return
        if parent is None or parent.level != expected:
            raise ValidationError(
                {
                    "parent": _("The parent of a %(level)s must be a %(parent)s.")
                    % {"level": Level(self.level).label, "parent": expected.label}
                }
            )


class UnitManager(models.Model):
    """A user who manages a unit and, through it, the unit's whole subtree."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="unit_roles"
    )
    unit = models.ForeignKey(
        PracticeUnit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="manager_roles"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("unit manager")
        verbose_name_plural = _("unit managers")
        constraints = [models.UniqueConstraint(fields=["user", "unit"], name="unique_unit_manager")]

    def __str__(self) -> str:
        return f"{self.unit} · {self.user}"
