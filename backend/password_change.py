"""A user holding a one-time password sees no page but the one to choose their own.

The API refuses them in ``accounts.tokens``.
"""

from django.contrib.auth.views import redirect_to_login
from django.urls import reverse

# Besides the API, which answers for itself with the code password_change_required.
OPEN_PAGES = {"password-change-page", "logout", "login"}


class PasswordChangeRequiredMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not (user.is_authenticated and user.password_change_required):
            return None
        match = request.resolver_match
        if (match is not None and match.url_name in OPEN_PAGES) or request.path_info.startswith("/api/"):
            return None
        return redirect_to_login(request.get_full_path(), reverse("password-change-page"))
