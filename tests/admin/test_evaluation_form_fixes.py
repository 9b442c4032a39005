"""The evaluation form: one mistake shows one message (never the database constraint's name), the constraint
speaks Chinese, and guests who served at the manager's units are evaluated as through the API.

The fixed dates are the event day's: tests/admin/conftest.py's autouse ``after_the_event`` freezes the clock."""

import pytest
from django.core.exceptions import ValidationError

from events.models import Evaluation
from tests.admin.conftest import page
from tests.admin.test_legal_records_admin import autocomplete, event_with_attendees  # noqa: F401 (a fixture)

PERIOD = {"period_start": "2026-01-01", "period_end": "2026-12-31", "comment": "全年表现突出"}


@pytest.mark.parametrize(
    "body",
    [
        {"grade": "9", "comment": "好"},
        {"comment": ""},
        {"period_start": "2026-01-01", "comment": "好"},
        {"period_start": "不是日期", "period_end": "2026-12-31", "comment": "好"},
        {"evaluated_on": "9999-12-31", "comment": "好"},
    ],
)
def test_a_mistake_on_the_add_form_does_not_show_the_constraint(client, station_manager, body):
    client.force_login(station_manager)
    response = client.post("/admin/events/evaluation/add/", body)
    html = page(response)
    assert response.status_code == 200 and not Evaluation.objects.exists()
    assert "evaluation_of_a_record_or_a_period" not in html and "约束" not in html


def test_the_constraint_says_what_is_wrong_in_chinese(tree, volunteer):
    evaluation = Evaluation(volunteer=volunteer, unit=tree["S1"], evaluated_on="2026-11-21", comment="好")
    with pytest.raises(ValidationError) as refused:
        evaluation.full_clean()
    assert "服务记录" in str(refused.value) and "evaluation_of_a_record_or_a_period" not in str(refused.value)


def test_a_guest_who_served_at_the_unit_is_found_and_evaluated_for_a_period(
    client,
    station_manager,
    tree,
    event_with_attendees,  # noqa: F811
    far_volunteer,
):
    guest = event_with_attendees.records.get(volunteer__real_name="钱七").volunteer
    assert guest.home_station == tree["S2"]
    client.force_login(station_manager)
    assert any("钱七" in text for text in autocomplete(client, "evaluation", "volunteer", "钱", app="events"))
    assert autocomplete(client, "evaluation", "volunteer", "赵", app="events") == []  # never served here
    assert autocomplete(client, "award", "volunteer", "钱") == []  # other search boxes stay as they were
    response = client.post("/admin/events/evaluation/add/", {**PERIOD, "volunteer": guest.pk, "unit": tree["S1"].pk})
    assert response.status_code == 302, page(response)
    assert Evaluation.objects.get().volunteer == guest
    refused = client.post(
        "/admin/events/evaluation/add/", {**PERIOD, "volunteer": far_volunteer.pk, "unit": tree["S1"].pk}
    )
    assert refused.status_code == 200 and "赵六" not in page(refused)
    assert Evaluation.objects.count() == 1
