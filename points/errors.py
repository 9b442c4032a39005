from django.utils.translation import gettext_lazy as _

from accounts.errors import DomainError


class PointsError(DomainError):
    """A points workflow refused: earning, spending, the shop, transfers."""

    messages = {
        "insufficient_points": _("Not enough points."),
        "account_frozen": _("These points are frozen while a service record is disputed."),
        "not_allowed": _("The points rules of this unit do not allow this."),
        "out_of_stock": _("This item is out of stock."),
        "limit_reached": _("You have reached the limit for this item in this period."),
        "item_inactive": _("This item is not offered now."),
        "invalid_amount": _("The amount must be greater than zero."),
        "reason_required": _("Give a reason."),
        "self_review": _("Another person must approve what you proposed."),
        "invalid_state": _("This has already been decided."),
        "code_invalid": _("The code is invalid or has expired. Ask the volunteer to show it again."),
        "code_used": _("This exchange code has already been used."),
        "wrong_unit": _("This item belongs to another shop."),
        "same_account": _("Points cannot be transferred to the same account."),
        "not_volunteer": _("Only registered volunteers have points."),
    }
    status_codes = {"insufficient_points": 409, "out_of_stock": 409, "code_used": 409, "invalid_state": 409}
