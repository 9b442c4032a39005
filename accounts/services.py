"""Workflows of user accounts: password changes, deactivation and revoking every login."""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone
from knox.models import AuthToken

from accounts.models import User

DATABASE_SESSION_ENGINES = ("django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db")


def revoke_credentials(user: User) -> int:
    """Delete every API token and every session of ``user``; return how many went.

    Sessions do not index their user, so the live ones are read one by one; this
    runs only on a password change or a deactivation.
    """
    tokens, _ = AuthToken.objects.filter(user=user).delete()
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
def change_password(user: User, raw_password: str) -> User:
    """Set a new password and end every login of the user (tokens and sessions)."""
    user.set_password(raw_password)
    user.save(update_fields=["password"])
    revoke_credentials(user)
    return user


@transaction.atomic
def deactivate_user(user: User) -> User:
    """Deactivate a user and end every login they have."""
    user.is_active = False
    user.save(update_fields=["is_active"])
    revoke_credentials(user)
    return user
