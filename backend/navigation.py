"""What the header offers: only the pages the person may open."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from stations.models import is_manager
from volunteers.models import Volunteer


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)

    def roles() -> dict:
        if user is None or not user.is_authenticated:
            return {"manager": False, "volunteer": False, "staff": False}
        return {
            "manager": is_manager(user),
            "volunteer": Volunteer.objects.of_user(user).exists(),
            "staff": user.is_staff,
        }

    # Lazy: pages without the header (kiosk, API) never pay for the queries.
    return {"nav": SimpleLazyObject(roles)}
