"""Two reports of the same consent at once, one short of the cap: the lock on the person lets one in."""

import pytest
from django.utils import timezone

from notifications import choices
from notifications.models import WechatConsent
from tests.concurrency import run_together, without_lock

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

REPORTS = 2


def one_short_of_the_cap(user) -> None:
    WechatConsent.objects.bulk_create(
        WechatConsent(user=user, template_id="tpl", granted_at=timezone.now())
        for _ in range(choices.MAX_UNUSED_CONSENTS - 1)
    )


def report_at_once(user) -> list:
    return run_together([lambda: choices.record_wechat_consents(user, ["tpl"]) for _ in range(REPORTS)])


def test_reports_at_once_never_pass_the_cap(volunteer):
    one_short_of_the_cap(volunteer.user)
    results = report_at_once(volunteer.user)
    assert not any(isinstance(result, Exception) for result in results), results
    assert WechatConsent.objects.filter(user=volunteer.user).count() == choices.MAX_UNUSED_CONSENTS


def test_control_without_the_lock_both_reports_pass_the_cap(volunteer, monkeypatch):
    without_lock(monkeypatch, choices, "locked_unused_consents", choices.unused_consents, parties=REPORTS)
    one_short_of_the_cap(volunteer.user)
    report_at_once(volunteer.user)
    assert WechatConsent.objects.filter(user=volunteer.user).count() == choices.MAX_UNUSED_CONSENTS + 1
