"""Who manages what: the one place that answers scoping questions about the unit tree.

A manager of a unit manages its whole subtree; admins manage everything. Subtrees are
materialized paths (``PracticeUnit.path``), so "under" is a path prefix, in Python and
in SQL alike, and nothing outside this app compares paths by hand.

- ``root_units(user)``: the units a user is appointed to that lie under no other of
  theirs (disjoint subtrees), by path; read once a request.
- ``managed_subtree(user)``: every unit the user manages, as a queryset (admins: all).
- ``manages(user, unit)``: whether the user manages ``unit`` (no query after the first).
- ``is_manager(user)``: whether the user manages anything at all.
- ``is_under(unit, ancestor)``: whether ``unit`` lies in ``ancestor``'s subtree (itself included).
- ``under(unit, field)``, ``managed_q(user, field)``: the same as filters on a path field.
- ``scoped(queryset, user, field, own=...)``: the rows a user reaches (``managed_by``).
- ``Scope``: a reach held as a value (a user's, or every unit for scheduled reports).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from django.db import models
from django.db.models import OuterRef, Q

from accounts.models import AnyUser
from stations.models import PracticeUnit


def _appointments(user: AnyUser) -> list[PracticeUnit]:
    """The units a user is appointed to, by path, cached on the user object: one query a request."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_managed_units", None)
    if cached is None:
        cached = list(PracticeUnit.objects.filter(manager_roles__user=user).order_by("path"))
        user._managed_units = cached  # type: ignore[attr-defined]  # read again on the same request
    return cached


def is_under(unit: PracticeUnit, ancestor: PracticeUnit) -> bool:
    """Whether ``unit`` is ``ancestor`` or lies below it."""
    return unit.path.startswith(ancestor.path)


def root_units(user: AnyUser) -> list[PracticeUnit]:
    """The units a user manages that lie under no other of theirs, by path (admins: none of their own)."""
    units = _appointments(user)
    return [unit for unit in units if not any(other != unit and is_under(unit, other) for other in units)]


def is_manager(user: AnyUser) -> bool:
    """Admins and users appointed to at least one unit."""
    return bool(user.is_authenticated and (user.is_superuser or _appointments(user)))


def manages(user: AnyUser, unit: PracticeUnit) -> bool:
    """Whether the user is an admin or a manager of ``unit`` or of a unit above it."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or any(is_under(unit, root) for root in root_units(user))


def under(unit: PracticeUnit | OuterRef, field: str = "path") -> Q:
    """Rows whose ``field`` path lies in ``unit``'s subtree, the unit included.

    ``unit`` may be an ``OuterRef`` to a path, for a subquery correlated on a unit.
    """
    return Q(**{f"{field}__startswith": unit if isinstance(unit, OuterRef) else unit.path})


def _within(field: str, units: list[PracticeUnit]) -> Q:
    if not units:
        return Q(pk__in=[])
    q = Q()
    for unit in units:
        q |= under(unit, field)
    return q


def managed_q(user: AnyUser, field: str) -> Q:
    """Rows whose ``field`` path lies in a subtree the user is appointed to (admins are not special here)."""
    return _within(field, root_units(user))


Rows = TypeVar("Rows", bound=models.QuerySet)


def scoped(queryset: Rows, user: AnyUser, path_field: str, *, own: Q | None = None) -> Rows:
    """The rows of ``queryset`` a user reaches: every row for admins; for others the rows
    whose ``path_field`` lies in a subtree they manage, plus the rows ``own`` matches."""
    if not user.is_authenticated:
        return queryset.none()
    if user.is_superuser:
        return queryset.all()
    reach = managed_q(user, path_field)
    return queryset.filter(reach | own if own is not None else reach)


def managed_subtree(user: AnyUser) -> models.QuerySet[PracticeUnit]:
    """Every unit the user manages: admins all, managers their subtrees, others none."""
    return scoped(PracticeUnit.objects.all(), user, "path")


@dataclass(frozen=True)
class Scope:
    """A reach as a value: every unit (``roots`` None), or the subtrees of ``roots``.

    ``Scope.of(user)`` is a user's; ``Scope()`` is everything, for work no user asked
    for (a scheduled export), so nobody need pretend to be an admin.
    """

    roots: tuple[PracticeUnit, ...] | None = None

    @classmethod
    def of(cls, user: AnyUser | Scope) -> Scope:
        """A user's scope (a scope is its own)."""
        if isinstance(user, Scope):
            return user
        if not user.is_authenticated:
            return cls(())
        return cls(None) if user.is_superuser else cls(tuple(root_units(user)))

    @property
    def is_everything(self) -> bool:
        return self.roots is None

    def q(self, field: str = "path") -> Q:
        """Rows whose ``field`` path lies in the scope."""
        return Q() if self.roots is None else _within(field, list(self.roots))

    def contains(self, unit: PracticeUnit) -> bool:
        return self.roots is None or any(is_under(unit, root) for root in self.roots)
