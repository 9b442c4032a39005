from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

# Where people upload photos (events/photos.py takes each up to 5 MB): activity records, the
# resident's order, the completion report and a volunteer's correction request, API and pages.
PHOTO_UPLOADS = frozenset(
    {
        "event-activity-photos",
        "event-record-page",
        "event-record-photo-upload",
        "order-list",
        "order-complete",
        "orders-new",
        "orders-manage-new",
        "orders-complete",
        "correction-request-list",
        "me-correction-request",
    }
)


def body_limit(request: HttpRequest) -> int:
    """PHOTO_REQUEST_BODY_BYTES for a form posted to a photo upload, MAX_REQUEST_BODY_BYTES otherwise.

    A photo just under its own limit must reach events/photos.py, which answers in Chinese
    what is wrong; a 413 here would only say the request is too large. Only multipart forms
    get the room: a JSON body that big is never a photo.
    """
    if request.content_type != "multipart/form-data" or request.method not in ("POST", "PUT"):
        return settings.MAX_REQUEST_BODY_BYTES
    try:
        name = resolve(request.path_info).url_name
    except Resolver404:
        return settings.MAX_REQUEST_BODY_BYTES
    return settings.PHOTO_REQUEST_BODY_BYTES if name in PHOTO_UPLOADS else settings.MAX_REQUEST_BODY_BYTES


def wants_json(request: HttpRequest) -> bool:
    """The API's clients, and a page's script asking for JSON (the activity record's photo upload)."""
    if request.path_info.startswith("/api/"):
        return True
    return request.accepts("application/json") and not request.accepts("text/html")


def too_large(request: HttpRequest, limit: int) -> HttpResponse:
    """413: the API's JSON error, or for a person's page (an admin form, a roster) a page in Chinese."""
    if wants_json(request):
        return JsonResponse({"code": "too_large", "detail": _("The request is too large.")}, status=413)
    context = {"size": f"{round(limit / (1024 * 1024), 1):g}", "back_url": request.path}
    return HttpResponse(render_to_string("413.html", context), status=413)


class RequestSizeLimitMiddleware:
    """Refuse bodies over MAX_REQUEST_BODY_BYTES (PHOTO_REQUEST_BODY_BYTES for photo uploads)
    before anything reads them, and NUL characters in the path or query (PostgreSQL refuses
    them in text, as a 500).

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
        # The URL is resolved only for the rare body over the general limit.
        if length > settings.MAX_REQUEST_BODY_BYTES:
            limit = body_limit(request)
            if length > limit:
                return too_large(request, limit)
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "\x00" in query or "%00" in query:
            return JsonResponse({"code": "bad_request", "detail": _("The request is malformed.")}, status=400)
        return self.get_response(request)
