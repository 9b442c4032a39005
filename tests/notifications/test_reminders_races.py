"""Two reminder jobs at once, on PostgreSQL: each sign-up is reminded once, and each job counts what it queued.

Two guards, each enough alone: the batch's row locks (``FOR NO KEY UPDATE SKIP LOCKED``) and the
outbox's unique (recipient, channel, key). The controls take away the lock, the constraint, or both,
with both jobs reading before either writes: without both guards the race duplicates reminders.
Dates are built from now (the event starts in two hours).
"""

import datetime
import threading
from collections import Counter

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from events.services import sign_up
from notifications import reminders
from notifications.models import JobRun, Message
from notifications.reminders import send_reminders
from tests.concurrency import run_together, without_lock
from tests.conftest import make_volunteer
from tests.events.conftest import make_event

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PEOPLE = 20
BATCH = 5


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def crowd(tree, now):
    """Twenty volunteers with a place at an event starting in two hours; the job has run before."""
    event = make_event(
        tree["S1"], starts_at=now + datetime.timedelta(hours=2), ends_at=now + datetime.timedelta(hours=4)
    )
    for n in range(PEOPLE):
        sign_up(event, make_volunteer(tree["S1"], f"志愿者{n}"), at=now)
    JobRun.objects.create(name=reminders.JOB, finished_at=now - datetime.timedelta(minutes=5))
    return event


@pytest.fixture
def constraint(request):
    """With ``False``: the outbox without its unique (recipient, channel, key) for the test, restored after it."""
    if request.param:
        yield True
        return
    unique = next(c for c in Message._meta.constraints if c.name == "message_once_per_occasion")
    with connection.schema_editor() as editor:
        editor.remove_constraint(Message, unique)
    try:
        yield False
    finally:
        Message.objects.all().delete()
        with connection.schema_editor() as editor:
            editor.add_constraint(Message, unique)


def rows_per_occasion() -> Counter:
    return Counter(Message.objects.filter(kind="reminder").values_list("recipient_id", "channel", "key"))


def two_jobs(now) -> list[dict]:
    outcomes = run_together([lambda: send_reminders(now=now, batch_size=BATCH)] * 2)
    assert not [outcome for outcome in outcomes if isinstance(outcome, Exception)], outcomes
    return outcomes


@pytest.mark.usefixtures("crowd")
@pytest.mark.parametrize("constraint", [True, False], indirect=True, ids=["with the constraint", "lock alone"])
def test_two_jobs_at_once_remind_each_sign_up_once(constraint, now, monkeypatch):
    claim = reminders._claim
    both_claimed = threading.Barrier(2)
    first_claim = threading.local()

    def claim_and_wait_for_the_other_first(*args):
        # Both jobs have claimed a first batch before either writes: the second found it locked.
        batch = claim(*args)
        if not getattr(first_claim, "done", False):
            first_claim.done = True
            both_claimed.wait(timeout=10)
        return batch

    monkeypatch.setattr(reminders, "_claim", claim_and_wait_for_the_other_first)
    outcomes = two_jobs(now)
    assert set(rows_per_occasion().values()) == {1} and len(rows_per_occasion()) == 2 * PEOPLE
    assert sum(outcome["signups"] for outcome in outcomes) == PEOPLE
    assert sum(outcome["messages"] for outcome in outcomes) == 2 * PEOPLE


@pytest.mark.usefixtures("crowd")
@pytest.mark.parametrize("constraint", [True, False], indirect=True, ids=["constraint alone", "no guard"])
def test_control_without_the_lock_the_jobs_race(constraint, now, monkeypatch):
    monkeypatch.setattr(QuerySet, "select_for_update", lambda self, **kwargs: self)
    without_lock(monkeypatch, reminders, "_claim", reminders._claim, parties=2)
    outcomes = two_jobs(now)
    # Both jobs read every sign-up as not yet reminded, and both believe they reminded all of them.
    assert [outcome["signups"] for outcome in outcomes] == [PEOPLE, PEOPLE]
    expected = {1} if constraint else {2}
    assert set(rows_per_occasion().values()) == expected and len(rows_per_occasion()) == 2 * PEOPLE
