"""Two managers of a center save its theme days at once, on PostgreSQL (CI runs it).

The control replaces the center's row lock by a plain read and lets both read before either
writes: each then keeps the other's additions, and the center ends with neither's choice.
"""

import pytest
from rest_framework.test import APIClient

from events.models import MarkedTheme
from notifications import activity_calendar
from stations.models import PracticeUnit
from tests.concurrency import run_together, without_lock
from tests.conftest import make_manager

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def two_managers_save_at_once(tree, django_user_model) -> set[str]:
    first, second = (make_manager(django_user_model, tree["C"], name) for name in ("甲", "乙"))

    def put(user, themes):
        client = APIClient()
        client.force_authenticate(user)
        return client.put(f"/api/v1/units/{tree['C'].pk}/themes/", {"themes": themes}, format="json").status_code

    statuses = run_together([lambda: put(first, ["lei_feng_day"]), lambda: put(second, ["arbor_day"])])
    assert statuses == [200, 200]
    return set(MarkedTheme.objects.filter(center=tree["C"]).values_list("theme", flat=True))


def test_the_center_ends_with_one_managers_choice_whole(tree, django_user_model):
    assert two_managers_save_at_once(tree, django_user_model) in ({"lei_feng_day"}, {"arbor_day"})


def test_control_without_the_center_lock_both_choices_mix(tree, django_user_model, monkeypatch):
    without_lock(
        monkeypatch, activity_calendar, "_lock_center", lambda center: PracticeUnit.objects.get(pk=center.pk), parties=2
    )
    assert two_managers_save_at_once(tree, django_user_model) == {"lei_feng_day", "arbor_day"}
