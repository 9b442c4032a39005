"""API tokens: issued at login, refused once expired, after a password change or for an inactive user."""

from __future__ import annotations

from django.db import transaction
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication
from knox.models import AuthToken
from rest_framework import exceptions

from accounts.models import TokenStamp, User


@transaction.atomic
def issue_token(user: User) -> tuple[AuthToken, str]:
    """A new token for ``user``: the row (holding only the digest) and the token to hand over once."""
    row, token = AuthToken.objects.create(user)
    TokenStamp.objects.create(token=row, password_stamp=user.get_session_auth_hash())
    return row, token


class ApiTokenAuthentication(TokenAuthentication):
    """knox's token authentication (``Authorization: Token …``, expiry sliding on use), and
    the token dies with the password it was issued under or when its user is inactive.

    A refused token is deleted, so reactivating the user or restoring the old
    password does not bring it back.
    """

    def validate_user(self, auth_token: AuthToken) -> tuple[User, AuthToken]:
        user = auth_token.user
        if not user.is_active:
            user.auth_token_set.all().delete()
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        stamp = TokenStamp.objects.filter(token=auth_token).values_list("password_stamp", flat=True).first()
        if stamp is None or not constant_time_compare(stamp, user.get_session_auth_hash()):
            auth_token.delete()
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        return user, auth_token


class ApiTokenScheme(KnoxTokenScheme):
    """The OpenAPI security scheme of our tokens: knox's, ``Authorization: Token …``."""

    target_class = "accounts.tokens.ApiTokenAuthentication"
    name = "tokenAuth"
