"""Numbering under simultaneous issuing: run on PostgreSQL (CI does)."""

import datetime

import pytest
from rest_framework.test import APIClient

from certificates import services
from certificates.models import Certificate, CertificateCounter
from tests.certificates.conftest import PERIOD, approved, event_on
from tests.concurrency import run_together, without_lock
from tests.conftest import make_volunteer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def manager_client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def issue_ten_together(tree, center_manager) -> list:
    volunteers = [make_volunteer(tree["S1" if n % 2 else "S2"]) for n in range(10)]
    for n, volunteer in enumerate(volunteers):
        approved(event_on(tree["S1" if n % 2 else "S2"], 1 + n), volunteer)
    calls = [
        lambda v=v: (
            manager_client(center_manager)
            .post("/api/v1/certificates/", {"volunteer": v.pk, "unit": tree["I1"].pk, **PERIOD}, format="json")
            .status_code
        )
        for v in volunteers
    ]
    return run_together(calls)


def test_simultaneous_issues_get_gapless_unique_numbers(tree, center_manager):
    assert issue_ten_together(tree, center_manager) == [201] * 10
    numbers = sorted(Certificate.objects.values_list("number", flat=True))
    assert numbers == [f"C-2026-{n:06d}" for n in range(1, 11)]


def test_control_without_the_counter_lock_simultaneous_issues_collide(tree, center_manager, monkeypatch):
    def plain_counter(unit, year):
        counter, _ = CertificateCounter.objects.get_or_create(center=services.issuing_center(unit), year=year)
        return CertificateCounter.objects.select_related("center").get(pk=counter.pk)

    without_lock(monkeypatch, services, "lock_counter", plain_counter, parties=10)
    statuses = issue_ten_together(tree, center_manager)
    assert statuses != [201] * 10
    assert Certificate.objects.count() < 10


def test_simultaneous_issues_for_one_scope_make_one_certificate(tree, center_manager):
    volunteer = make_volunteer(tree["S1"])
    approved(event_on(tree["S1"], 1), volunteer)
    body = {"volunteer": volunteer.pk, "unit": tree["S1"].pk, **PERIOD}
    statuses = run_together(
        [lambda: manager_client(center_manager).post("/api/v1/certificates/", body, format="json").status_code] * 6
    )
    assert sorted(statuses) == [201] + [409] * 5
    assert list(Certificate.objects.values_list("number", flat=True)) == ["C-2026-000001"]


def test_issuing_in_a_new_year_starts_a_new_sequence_without_a_race(tree, center_manager):
    volunteers = [make_volunteer(tree["S1"]) for _ in range(4)]
    for volunteer in volunteers:
        approved(event_on(tree["S1"], 1), volunteer)
    # No counter row exists yet: the first issues race to create it.
    assert (
        run_together(
            [
                lambda v=v: (
                    manager_client(center_manager)
                    .post("/api/v1/certificates/", {"volunteer": v.pk, "unit": tree["S1"].pk, **PERIOD}, format="json")
                    .status_code
                )
                for v in volunteers
            ]
        )
        == [201] * 4
    )
    assert Certificate.objects.filter(issued_at__year=datetime.date.today().year).count() == 4
