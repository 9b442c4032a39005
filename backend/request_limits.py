from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _


class RequestSizeLimitMiddleware:
    """Refuse bodies over MAX_REQUEST_BODY_BYTES before anything reads them.

    Django's own limit guards form parsing only; DRF's JSON parser reads the stream
    directly, so the limit is enforced here for every request (the reverse proxy's
    client_max_body_size is the first line).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_REQUEST_BODY_BYTES:
            return JsonResponse({"code": "too_large", "detail": _("The request is too large.")}, status=413)
        return self.get_response(request)
