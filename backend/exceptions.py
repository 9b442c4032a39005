from django.db.models import ProtectedError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import exception_handler

from accounts.errors import DomainError
from accounts.tokens import PasswordChangeRequired


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's handler, plus domain errors and protected deletes as clean responses."""
    if isinstance(exc, DomainError):
        return Response({"code": exc.code, "detail": exc.detail}, status=exc.status_code)
    if isinstance(exc, PasswordChangeRequired):
        # A code, so an app can open its password screen rather than show an error.
        return Response({"code": exc.default_code, "detail": exc.detail}, status=exc.status_code)
    if isinstance(exc, ProtectedError):
        return Response(
            {"code": "in_use", "detail": _("This item is still in use by other records and cannot be deleted.")},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, Http404):
        # Django's message names the model in English; DRF's is translated and says less.
        exc = NotFound()
    return exception_handler(exc, context)
