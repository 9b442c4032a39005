"""The outbox in the admin: what was sent to whom, and why a message failed or was skipped.

Only superusers see these pages. Messages cross every unit (a person belongs to several)
and name their recipients, so no manager scope fits them; managers see their own messages
in the inbox. Everything is read-only: rows change through delivery, and the one action,
"retry now", hands failed or pending messages back to it.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.admin import AdminRequest
from events import list_columns
from notifications import delivery
from notifications.models import Address, CalendarFeed, Message, Preference, WechatConsent


class SuperuserReadOnlyAdmin(admin.ModelAdmin):
    """Visible to active superusers only; nothing is added, changed or deleted by hand."""

    def _allowed(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_module_permission(self, request) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Message)
class MessageAdmin(SuperuserReadOnlyAdmin):
    list_display = ["created", "recipient_shown", "channel", "kind", "title_short", "status", "reason", "attempts"]
    list_filter = ["status", "channel", "kind", "urgent", "created_at"]
    search_fields = ["recipient__phone", "recipient__name", "title"]
    list_select_related = ["recipient"]
    actions = ["retry_now"]
    fields = readonly_fields = (
        "recipient_shown",
        "channel",
        "kind",
        "key",
        "title",
        "body",
        "link",
        "params",
        "urgent",
        "status",
        "reason",
        "attempts",
        "not_before",
        "next_attempt_at",
        "expires_at",
        "created_at",
        "claimed_at",
        "sent_at",
        "read_at",
        "provider_id",
    )

    @admin.display(description=_("created at"), ordering="created_at")
    def created(self, message: Message) -> str:
        return list_columns.nowrap(date_format(timezone.localtime(message.created_at), "m-d H:i"))

    @admin.display(description=_("recipient"))
    def recipient_shown(self, message: Message) -> str:
        # The user's str: name and masked number, as everywhere else in the admin.
        return list_columns.nowrap(str(message.recipient))

    @admin.display(description=_("title"))
    def title_short(self, message: Message) -> str:
        return list_columns.clipped(message.title, 15)

    @admin.action(description=_("Retry the selected failed or pending messages now"))
    def retry_now(self, request: AdminRequest, queryset) -> None:
        count = delivery.retry_now(queryset)
        self.message_user(
            request,
            ngettext("%d message will be sent again.", "%d messages will be sent again.", count) % count,
            messages.SUCCESS,
        )


@admin.register(WechatConsent)
class WechatConsentAdmin(SuperuserReadOnlyAdmin):
    list_display = ["user", "template_id", "granted_at", "used_at"]
    list_filter = ["template_id", "granted_at"]
    search_fields = ["user__phone", "user__name"]
    list_select_related = ["user"]
    fields = readonly_fields = ("user", "template_id", "granted_at", "used_at", "used_by")


@admin.register(Address)
class AddressAdmin(SuperuserReadOnlyAdmin):
    list_display = ["user", "email", "has_openid", "updated_at"]
    search_fields = ["user__phone", "user__name", "email"]
    list_select_related = ["user"]
    fields = readonly_fields = ("user", "email", "has_openid", "updated_at")

    @admin.display(description=_("WeChat linked"), boolean=True)
    def has_openid(self, address: Address) -> bool:
        return bool(address.wechat_openid)


@admin.register(Preference)
class PreferenceAdmin(SuperuserReadOnlyAdmin):
    list_display = ["user", "kind", "channel", "enabled", "updated_at"]
    list_filter = ["kind", "channel", "enabled"]
    search_fields = ["user__phone", "user__name"]
    list_select_related = ["user"]
    fields = readonly_fields = ("user", "kind", "channel", "enabled", "updated_at")


@admin.register(CalendarFeed)
class CalendarFeedAdmin(SuperuserReadOnlyAdmin):
    """The feeds without their secrets: whoever holds a token reads the calendar."""

    list_display = ["__str__", "user", "unit", "created_at", "reset_at"]
    list_select_related = ["user", "unit"]
    search_fields = ["user__phone", "user__name", "unit__name"]
    fields = readonly_fields = ("user", "unit", "created_at", "reset_at")
