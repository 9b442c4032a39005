from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.phones import normalize_phone


class TokenLoginSerializer(serializers.Serializer):
    phone = serializers.CharField(label=_("mobile number"))
    password = serializers.CharField(label=_("password"), style={"input_type": "password"}, write_only=True)

    def validate(self, attrs: dict) -> dict:
        user = authenticate(
            request=self.context.get("request"), phone=normalize_phone(attrs["phone"]), password=attrs["password"]
        )
        if user is None:
            raise serializers.ValidationError(
                {"non_field_errors": [_("Wrong mobile number or password.")]}, code="authorization"
            )
        attrs["user"] = user
        return attrs


class PasswordChangeSerializer(serializers.Serializer):
    old_password = serializers.CharField(
        label=_("current password"), style={"input_type": "password"}, write_only=True, max_length=128
    )
    new_password = serializers.CharField(
        label=_("new password"), style={"input_type": "password"}, write_only=True, max_length=128
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)
    expiry = serializers.DateTimeField(
        read_only=True, help_text=_("When the token ends unless used before; each use extends it.")
    )
    user_id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    is_admin = serializers.BooleanField(read_only=True)
    is_manager = serializers.BooleanField(read_only=True)
    password_change_required = serializers.BooleanField(
        read_only=True,
        help_text=_(
            "The password was a one-time password: every call but auth/password/, whoami and logout answers 403 "
            "with the code password_change_required until the user chooses their own."
        ),
    )
