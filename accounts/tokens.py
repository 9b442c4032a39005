"""API authentication.

Tokens: issued at login, refused once expired, after a password change or for an
inactive user. Tokens and sessions alike: a user still holding a one-time password
(``User.password_change_required``) may only choose their own, check who they are
and log out.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication
from knox.models import AuthToken
from rest_framework import authentication, exceptions

from accounts.models import TokenStamp, User


@transaction.atomic
def issue_token(user: User) -> tuple[AuthToken, str]:
    """A new token for ``user``: the row (holding only the digest) and the token to hand over once."""
    row, token = AuthToken.objects.create(user)
    TokenStamp.objects.create(token=row, password_stamp=user.get_session_auth_hash())
    return row, token


# The API routes (URL names) open to a user who must first choose a password.
OPEN_BEFORE_PASSWORD_CHANGE = {"auth-password", "auth-whoami", "auth-logout", "auth-logout-everywhere"}


class PasswordChangeRequired(exceptions.PermissionDenied):
    default_detail = _("Choose your own password first: the one you logged in with was for one use only.")
    default_code = "password_change_required"


def refuse_one_time_password(request, user: User) -> None:
    if user.password_change_required:
        match = getattr(request._request, "resolver_match", None)
        if match is None or match.url_name not in OPEN_BEFORE_PASSWORD_CHANGE:
            raise PasswordChangeRequired()


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

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            refuse_one_time_password(request, result[0])
        return result


class ApiSessionAuthentication(authentication.SessionAuthentication):
    """DRF's session authentication (CSRF-checked), with the one-time password rule."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            refuse_one_time_password(request, result[0])
        return result


class ApiTokenScheme(KnoxTokenScheme):
    """The OpenAPI security scheme of our tokens: knox's, ``Authorization: Token …``."""

    target_class = "accounts.tokens.ApiTokenAuthentication"
    name = "tokenAuth"


class ApiSessionScheme(SessionScheme):
    """The OpenAPI security scheme of our sessions: DRF's, a session cookie."""

    target_class = "accounts.tokens.ApiSessionAuthentication"
