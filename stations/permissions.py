from rest_framework import permissions

from stations.models import is_manager


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
