from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _


class RequestSizeLimitMiddleware:
    """Refuse bodies over MAX_REQUEST_BODY_BYTES before anything reads them, and NUL
    characters in the path or query (PostgreSQL refuses them in text, as a 500).

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
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "\x00" in query or "%00" in query:
            return JsonResponse({"code": "bad_request", "detail": _("The request is malformed.")}, status=400)
        return self.get_response(request)
