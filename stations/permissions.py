from django.db.models import QuerySet
from rest_framework import permissions

from stations.scoping import is_manager


def in_reach(objects, request, *, reading: bool | None = None) -> QuerySet:
    """The rows a request may read (``visible_to``) or, for writes, change (``managed_by``).

    ``reading`` defaults to whether the method is safe; rows outside the reach are
    a 404, never a 403 that confirms they exist.
    """
    if reading is None:
        reading = request.method in permissions.SAFE_METHODS
    return objects.visible_to(request.user) if reading else objects.managed_by(request.user)


class IsManagerOrReadOnly(permissions.BasePermission):
    """Anyone may read; only admins and unit managers may write.

    Which rows a manager may write is decided by the view's queryset, so a row
    outside their subtree is a 404.
    """

    def has_permission(self, request, view) -> bool:
        return request.method in permissions.SAFE_METHODS or is_manager(request.user)


class IsManager(permissions.BasePermission):
    """Admins and unit managers only."""

    def has_permission(self, request, view) -> bool:
        return is_manager(request.user)
