"""API tokens: issued at login, refused once expired, after a password change or for an inactive user."""

from __future__ import annotations

from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication
from rest_framework import exceptions

from accounts.models import ApiToken, User


def issue_token(user: User) -> tuple[ApiToken, str]:
    """A new token for ``user``: the row (holding only the digest) and the token to hand over once."""
    return ApiToken.objects.create(user, password_stamp=user.get_session_auth_hash())


class ApiTokenAuthentication(TokenAuthentication):
    """knox's token authentication (``Authorization: Token …``, expiry sliding on use), and
    the token dies with the password it was issued under or when its user is inactive.

    A refused token is deleted, so reactivating the user or restoring the old
    password does not bring it back.
    """

    def validate_user(self, auth_token: ApiToken) -> tuple[User, ApiToken]:
        user = auth_token.user
        if not user.is_active:
            user.auth_token_set.all().delete()
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not constant_time_compare(auth_token.password_stamp, user.get_session_auth_hash()):
            auth_token.delete()
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        return user, auth_token


class ApiTokenScheme(KnoxTokenScheme):
    """The OpenAPI security scheme of our tokens: knox's, ``Authorization: Token …``."""

    target_class = "accounts.tokens.ApiTokenAuthentication"
    name = "tokenAuth"
