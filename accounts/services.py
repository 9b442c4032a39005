"""Workflows of user accounts: password changes, deactivation and revoking every login."""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken

from accounts.errors import DomainError
from accounts.models import User

DATABASE_SESSION_ENGINES = ("django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db")


class PasswordError(DomainError):
    messages = {
        "wrong_password": _("The current password is wrong."),
        "same_password": _("The new password must differ from the current one."),
        "weak_password": _("The new password is too weak."),
    }


def revoke_credentials(user: User) -> int:
    """Delete every API token and every session of ``user``; return how many went.

    Sessions do not index their user, so the live ones are read one by one; this
    runs only on a password change or a deactivation.
    """
    tokens, _by_model = AuthToken.objects.filter(user=user).delete()
    if settings.SESSION_ENGINE not in DATABASE_SESSION_ENGINES:
        # Other session stores cannot be searched by user; Django still refuses their
        # sessions after a password change (session hash) and for an inactive user.
        return tokens
    store = import_module(settings.SESSION_ENGINE).SessionStore
    doomed = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator(chunk_size=500)
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk)
    ]
    for key in doomed:
        store(session_key=key).delete()
    return tokens + len(doomed)


@transaction.atomic
def change_password(user: User, raw_password: str, *, one_time: bool = False) -> User:
    """Set a new password and end every login of the user (tokens and sessions).

    A ``one_time`` password is handed over by someone else (a manager's reset): its
    holder can do nothing but choose their own after logging in with it.
    """
    user.set_password(raw_password)
    user.password_change_required = one_time
    user.save(update_fields=["password", "password_change_required"])
    revoke_credentials(user)
    return user


def require_password_change(user: User) -> None:
    """The user's current password was handed over (e.g. set at a registration desk): they choose their own next."""
    User.objects.filter(pk=user.pk).update(password_change_required=True)
    user.password_change_required = True


def choose_password(user: User, *, old_password: str, new_password: str) -> User:
    """The user replaces their password with one of their own. Raises PasswordError.

    The new one passes ``AUTH_PASSWORD_VALIDATORS`` (callers show their messages per
    field first); every other login of the user ends, as with any password change.
    """
    if not user.check_password(old_password):
        raise PasswordError("wrong_password")
    if old_password == new_password:
        raise PasswordError("same_password")
    try:
        validate_password(new_password, user)
    except ValidationError as error:
        raise PasswordError("weak_password", " ".join(error.messages)) from None
    return change_password(user, new_password)


@transaction.atomic
def deactivate_user(user: User) -> User:
    """Deactivate a user and end every login they have."""
    user.is_active = False
    user.save(update_fields=["is_active"])
    revoke_credentials(user)
    return user
