import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events.models import RecordStatus
from tests.conftest import client_for, make_volunteer
from tests.stats.conftest import local, record


@pytest.fixture(autouse=True)
def clock():
    """Every test here reads the 2026 data set in December 2026, volunteers registered then too.

    Autouse, so the clock stops before any fixture makes a volunteer (a registration dated
    today would fall outside 2026 from next year on).
    """
    import time_machine

    with time_machine.travel(datetime.datetime(2026, 12, 20, 12, tzinfo=datetime.UTC), tick=False) as traveller:
        yield traveller


def test_summary_of_a_year(admin_client_api, hours, tree, settings):
    settings.ANNUAL_HOURS_TARGET = 5
    settings.STAR_THRESHOLDS_HOURS = [5, 10, 20, 40, 80]
    # Star levels are counted in the rollups: another scale takes a rebuild.
    call_command("rebuild_rollups", verbosity=0)
    response = admin_client_api.get(f"/api/v1/stats/summary/?unit={tree['C'].pk}&year=2026")
    assert response.status_code == 200
    assert response.json() == {
        "year": 2026,
        "unit": tree["C"].pk,
        "registered_volunteers": 3,
        "active_volunteers": 3,
        "total_hours": "11.50",
        "hours_per_registered_volunteer": "3.83",
        "events_held": 3,
        "annual_hours_target": "5.00",
        "volunteers_reaching_target": 1,
        "star_levels": {"0": 2, "1": 1, "2": 0, "3": 0, "4": 0, "5": 0},
    }


def test_summary_is_scoped_and_counts_only_approved_records(station_manager_client, hours, tree):
    body = station_manager_client.get("/api/v1/stats/summary/?year=2026").json()
    assert (body["registered_volunteers"], body["active_volunteers"], body["total_hours"]) == (1, 1, "2.00")
    assert station_manager_client.get(f"/api/v1/stats/summary/?unit={tree['C'].pk}").status_code == 404


def test_query_count_does_not_grow_with_the_rows(center_manager, tree, people, events):
    for n in range(30):
        volunteer = make_volunteer(tree["S1" if n % 2 else "S3"], "群众")
        record(volunteer, events["cleanup" if n % 3 else "lecture"], "1.25", at=local("2026-03-10"))
    record(people["li"], events["cleanup"], "1.00", status=RecordStatus.PENDING)

    def queries(url: str) -> int:
        client = client_for(type(center_manager).objects.get(pk=center_manager.pk))
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
            if response.streaming:
                b"".join(response.streaming_content)
        assert response.status_code == 200
        return len(captured)

    small = queries("/api/v1/stats/hours/?group_by=volunteer&page_size=2")
    large = queries("/api/v1/stats/hours/?group_by=volunteer&page_size=200")
    # A first page holding every row needs no count.
    assert large == small - 1 and small <= 4
    # A manager's stations on one page: their units (read once a request, for the scope and the
    # rollups' root) and the rows; the rollups answer, so the records are not read.
    stations = queries("/api/v1/stats/hours/?group_by=station&page_size=200")
    assert stations == 2
    # On PostgreSQL: work_mem set and reset around the one COPY.
    assert queries("/api/v1/stats/hours/?group_by=volunteer,month&format=csv") <= 5
    assert queries(f"/api/v1/stats/hours/?group_by=station&format=csv&unit={tree['I1'].pk}") <= 6


def test_the_admin_statistics_page_shows_totals_charts_and_exports(client, admin_user, hours):
    client.force_login(admin_user)
    assert "/admin/statistics/" in client.get("/admin/").content.decode()
    page = client.get("/admin/statistics/?date_from=2026-01-01&date_to=2026-12-31").content.decode()
    assert "16.50" in page and "<svg" in page and "2026-04" in page
    assert "format=xlsx" in page and "group_by=station" in page


def test_a_station_manager_sees_only_their_station_on_the_page(client, station_manager, hours):
    client.force_login(station_manager)
    page = client.get("/admin/statistics/?date_from=2026-01-01&date_to=2026-12-31").content.decode()
    assert "2.00" in page and "李四" in page and "王五" not in page and "S2 单位" not in page


def test_staff_who_manage_nothing_are_refused(client, django_user_model):
    from tests.conftest import make_user

    staff = make_user(django_user_model, "无单位", is_staff=True)
    client.force_login(staff)
    assert client.get("/admin/statistics/").status_code == 403
