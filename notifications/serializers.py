"""The inbox, the choices matrix, the address and WeChat consents, as the mini program sees them."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from notifications import choices
from notifications.errors import NotificationError
from notifications.inbox import safe_link
from notifications.kinds import KINDS, Channel
from notifications.models import Address, Message


class MessageSerializer(serializers.ModelSerializer):
    link = serializers.SerializerMethodField()
    read = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = ["id", "kind", "title", "body", "link", "urgent", "sent_at", "read", "read_at"]
        read_only_fields = fields

    def get_link(self, message: Message) -> str:
        return safe_link(message.link)

    def get_read(self, message: Message) -> bool:
        return message.read_at is not None


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField()


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many unread messages were marked read.")


class ChoiceRowSerializer(serializers.Serializer):
    kind = serializers.CharField(source="code")
    name = serializers.CharField(source="label")
    audience = serializers.CharField(source="kind.audience")
    urgent = serializers.BooleanField(source="kind.urgent")
    opt_in = serializers.BooleanField(source="kind.opt_in")
    mine = serializers.BooleanField(help_text="Whether the kind is for someone like this person.")
    channels = serializers.DictField(child=serializers.BooleanField(), help_text="Channel → whether it is sent there.")


class ChoicesSerializer(serializers.Serializer):
    """``{"choices": {kind: {channel: true|false}}}``: only the pairs named change."""

    choices = serializers.DictField(
        child=serializers.DictField(child=serializers.BooleanField()),
        allow_empty=False,
        label=_("Choices"),
    )

    def validate_choices(self, value: dict[str, dict[str, bool]]) -> dict[str, dict[str, bool]]:
        if len(value) > len(KINDS):
            # Some codes cannot be kinds: one message, not one per code sent (a huge body echoed back).
            raise serializers.ValidationError(str(NotificationError.messages["unknown_kind"]))
        errors: dict[str, list[str]] = {}
        for code, channels in value.items():
            if code not in KINDS:
                errors[code] = [str(NotificationError.messages["unknown_kind"])]
            elif unknown := [channel for channel in channels if channel not in Channel.values]:
                errors[code] = [f"{NotificationError.messages['unknown_channel']} ({', '.join(unknown)})"]
        if errors:
            raise serializers.ValidationError(errors)
        return value


class AddressSerializer(serializers.ModelSerializer):
    # The openid comes from the WeChat login, never typed: shown as bound or not, never written here.
    wechat_bound = serializers.SerializerMethodField()

    class Meta:
        model = Address
        fields = ["email", "wechat_bound"]
        extra_kwargs = {"email": {"required": True, "allow_blank": True}}

    def get_wechat_bound(self, address: Address) -> bool:
        return bool(address.wechat_openid)


def _template_id(value: str) -> None:
    configured = choices.configured_template_ids()
    if configured is not None and value not in configured:
        raise serializers.ValidationError(_("This WeChat message template is not used by the platform."))


class WechatConsentsSerializer(serializers.Serializer):
    template_ids = serializers.ListField(
        child=serializers.CharField(max_length=64, validators=[_template_id]),
        allow_empty=False,
        max_length=choices.MAX_TEMPLATES_PER_REQUEST,
        label=_("Accepted templates"),
    )


class ConsentCountSerializer(serializers.Serializer):
    template_id = serializers.CharField()
    unused = serializers.IntegerField(help_text="Consents of this template not yet used by a message.")
