from django.utils.translation import gettext_lazy as _

from accounts.errors import DomainError


class NotificationError(DomainError):
    messages = {
        "unknown_kind": _("There is no such kind of message."),
        "unknown_channel": _("There is no such channel."),
        "channel_not_offered": _("This kind of message is not sent on that channel."),
        "not_yours": _("This message is not yours."),
        "feed_not_found": _("There is no such calendar feed."),
    }
    status_codes = {"not_yours": 404, "feed_not_found": 404}
