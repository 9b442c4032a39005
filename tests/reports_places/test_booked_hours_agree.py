"""The ledger, the dashboard and the self-assessment give the same booked hours for the same bookings.

Three 20-minute bookings are 1.00 h in each (the sum is rounded once, not each booking to 0.33).
The clock is frozen at 5 December 2026, 12:00 Shanghai (conftest ``clock``); the bookings are in November.
"""

from decimal import Decimal

import pytest

from reports.assessment.indicators import Assessment, parse_period
from reports.ledgers.contents import Period, build_ledger
from tests.reports_places.conftest import book, local
from tests.venues.conftest import make_venue

pytestmark = pytest.mark.django_db


def test_three_twenty_minute_bookings_are_one_hour_in_every_report(tree, clock, admin_user, admin_client_api):
    room = make_venue(tree["S3"], name="南山书屋")
    for day in ("2026-11-03", "2026-11-10", "2026-11-17"):
        book(room, admin_user, local(day, 14), hours=1 / 3)

    ledger = build_ledger(tree["S3"], Period("month", 2026, 11))
    [venue] = ledger.venues.venues
    assert (venue.hours, ledger.venues.hours) == (Decimal("1.00"), Decimal("1.00"))

    response = admin_client_api.get(f"/api/v1/reports/dashboard/?unit={tree['S3'].pk}&month=2026-11")
    [item] = [item for item in response.json()["indicators"] if item["key"] == "venue-use"]
    assert item["venues"]["hours"] == "1.00"

    figures = {figure.key: figure for figure in Assessment(admin_user, tree["S3"], parse_period("2026-11")).compute()}
    assert Decimal(figures["venue-hours"].numerator) == Decimal("1.00")
