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
        "volunteer_not_found": _("No volunteer was found with this mobile number, or it is not a volunteer's."),
        "relation_required": _("Say how you are related."),
        "not_receiver": _("Only the person it was offered to can answer this transfer."),
        "not_giver": _("Only the giver can withdraw this transfer."),
        "wrong_pool_unit": _("You can donate only to the pool of your own station or a unit above it."),
        "recipient_required": _("Name the resident and their group."),
        "invalid_quantity": _("The quantity must be a whole number from 1 to 1000."),
        "not_manager": _("Only a manager of this unit can do this."),
        "not_shop_keeper": _("Only a keeper or a manager of this shop can do this."),
        "foreign_shop": _("This shop serves only the volunteers of its own station and the stations below it."),
        "own_redemption": _("You cannot hand goods over to yourself: ask another keeper."),
        "stock_quantity": _("Stock quantities are whole numbers up to 100000."),
        "note_required": _("The count differs from the stock: say why in the note."),
        "not_their_unit": _("The volunteer's home station is not in this unit."),
        "cap_reached": _("The volunteer has reached the points cap of the rules."),
        "code_attempts": _(
            "Too many wrong exchange codes in the last hour: scan the volunteer's personal code instead."
        ),
    }
    status_codes = {
        # As /me/checkin-code/ answers someone without a volunteer account.
        "not_volunteer": 403,
        "not_shop_keeper": 403,
        "own_redemption": 403,
        "insufficient_points": 409,
        "out_of_stock": 409,
        "code_used": 409,
        "invalid_state": 409,
        "not_receiver": 403,
        "not_giver": 403,
        "not_manager": 403,
        "code_attempts": 429,
    }
