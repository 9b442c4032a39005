from django.utils.translation import gettext_lazy as _

from accounts.errors import DomainError


class VenueError(DomainError):
    messages = {
        "venue_closed": _("This venue takes no bookings."),
        "not_open_then": _("The venue is not open at that time."),
        "too_long": _("This booking is longer than the venue allows."),
        "too_far_ahead": _("This venue cannot be booked that far ahead."),
        "in_the_past": _("A booking must start in the future."),
        "ends_before_start": _("A booking must end after it starts."),
        "over_capacity": _("More people than the venue holds."),
        "monthly_limit": _("You have reached this venue's bookings for the month."),
        "overlaps": _("The venue is already booked at that time."),
        "not_pending": _("Only a booking waiting for approval can be approved or refused."),
        "already_begun": _("This booking has already begun; it can no longer be approved."),
        "not_cancellable": _("This booking can no longer be cancelled."),
        "reason_required": _("Give a reason for refusing."),
        "not_yours": _("This booking is not yours."),
    }
    status_codes = {"overlaps": 409, "not_yours": 404}
