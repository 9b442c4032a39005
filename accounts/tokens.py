"""API authentication.

Tokens: issued at login, refused once expired, after a password change or for an
inactive user. Tokens and sessions alike: a user still holding a one-time password
(``User.password_change_required``) may only choose their own, check who they are
and log out.

A token costs one query per request: the token, its user and its password stamp in
one SELECT. knox's own authentication also lists every token of the user on every
request to delete the expired ones, and slides the expiry with an UPDATE before the
view runs; here expired tokens are refused as they are met and deleted by a periodic
job (``delete_expired_tokens``), and the expiry slides after the response is sent.
"""

from __future__ import annotations

import binascii
import datetime
import logging
from collections.abc import Callable
from hmac import compare_digest

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.models import AuthToken
from knox.settings import CONSTANTS, knox_settings
from rest_framework import authentication, exceptions

from accounts.models import TokenStamp, User

logger = logging.getLogger(__name__)


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


def delete_expired_tokens(*, now: datetime.datetime, dry_run: bool = False) -> int:
    """Delete the API tokens expired before ``now``, their stamps with them; return how many.

    Authentication refuses an expired token whether or not it is still stored: this only
    keeps the table small, as a periodic job instead of knox's sweep on every request.
    Safe to run at any moment and twice at once (a row already gone is simply not counted).
    """
    expired = AuthToken.objects.filter(expiry__lt=now)
    if dry_run:
        return expired.count()
    return expired.delete()[1].get(AuthToken._meta.label, 0)


def refreshed_expiry(token: AuthToken, now: datetime.datetime) -> datetime.datetime | None:
    """The expiry a use at ``now`` slides ``token`` to, or None when no write is due.

    knox's AUTO_REFRESH rules: ``TOKEN_TTL`` after this use, never past ``AUTO_REFRESH_MAX_TTL``
    after the login, and written only when that gains more than ``MIN_REFRESH_INTERVAL`` seconds,
    so a token in constant use is written at most once per interval.
    """
    if not knox_settings.AUTO_REFRESH or token.expiry is None:
        return None
    expiry = now + knox_settings.TOKEN_TTL
    if knox_settings.AUTO_REFRESH_MAX_TTL is not None:
        expiry = min(expiry, token.created + knox_settings.AUTO_REFRESH_MAX_TTL)
    if (expiry - token.expiry).total_seconds() <= knox_settings.MIN_REFRESH_INTERVAL:
        return None
    return expiry


def after_response(request: HttpRequest, work: Callable[[], None]) -> None:
    """Run ``work`` once the response has been sent, outside every transaction of the request.

    Django appends ``request.close`` to the response's closers (``BaseHandler.get_response``),
    which the server calls once it has written the body (the client, reading to the
    Content-Length, has its answer), and before ``request_finished`` lets the database
    connection go: the work uses the request's connection, in autocommit.
    """
    close = request.close

    def close_then_work() -> None:
        close()
        try:
            work()
        except Exception:
            # The response's closers swallow errors: say at least that the work was lost.
            logger.exception("work after the response failed")

    request.close = close_then_work  # type: ignore[method-assign]


def slide_expiry(digest: str, expiry: datetime.datetime) -> None:
    """One UPDATE in autocommit; never moves an expiry back (two requests may race to refresh)."""
    AuthToken.objects.filter(digest=digest, expiry__lt=expiry).update(expiry=expiry)


class ApiTokenAuthentication(TokenAuthentication):
    """knox's token authentication (``Authorization: Token …``, expiry sliding on use), and
    the token dies with the password it was issued under or when its user is inactive.

    A refused token is deleted, so reactivating the user or restoring the old
    password does not bring it back.
    """

    def authenticate_credentials(self, key: bytes) -> tuple[User, AuthToken]:
        invalid = exceptions.AuthenticationFailed(_("Invalid token."))
        try:
            token = key.decode()
            digest = hash_token(token)
        except (UnicodeDecodeError, TypeError, binascii.Error):
            raise invalid from None
        candidates = AuthToken.objects.filter(token_key=token[: CONSTANTS.TOKEN_KEY_LENGTH])
        for row in candidates.select_related("user", "stamp"):
            if compare_digest(digest, row.digest):
                break
        else:
            raise invalid
        if row.expiry is not None and row.expiry < timezone.now():
            row.delete()
            raise invalid
        return self.validate_user(row)

    def validate_user(self, auth_token: AuthToken) -> tuple[User, AuthToken]:
        user = auth_token.user
        if not user.is_active:
            user.auth_token_set.all().delete()
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        try:
            stamp = auth_token.stamp.password_stamp
        except TokenStamp.DoesNotExist:
            stamp = None
        if stamp is None or not constant_time_compare(stamp, user.get_session_auth_hash()):
            auth_token.delete()
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        return user, auth_token

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            user, token = result
            expiry = refreshed_expiry(token, timezone.now())
            if expiry is not None:
                after_response(request._request, lambda: slide_expiry(token.digest, expiry))
            refuse_one_time_password(request, user)
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
