"""Pages of volunteers/: closing one's own account from the personal page."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from accounts.models import User
from volunteers import services


# Error reports carry neither the password posted nor the locals of any frame below (backend/pages.py).
@sensitive_post_parameters("password")
@sensitive_variables()
@login_required
@require_POST
def close_account(request: HttpRequest) -> HttpResponse:
    """The 注销账号 button of a volunteer's or resident's page: the same service as the API (PIPL art. 47)."""
    user = request.user
    if not isinstance(user, User) or not services.holds_own_account(user):
        return redirect("me-page")
    try:
        services.close_account(user, password=request.POST.get("password", ""))
    except services.AccountError as error:
        messages.error(request, error.detail)
        return redirect(reverse("me-page") + "#my-data")
    logout(request)
    messages.success(request, _("Your account is closed."))
    return redirect("login")
