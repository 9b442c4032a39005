from decimal import Decimal

import pytest

from tests.events.conftest import at, make_event

# The event runs 09:00-11:00 (120 minutes).
CASES = [
    # check-in, check-out, rules, credited hours
    pytest.param(at(9), at(11), {}, "2.00", id="on time"),
    pytest.param(at(8, 30), at(11), {}, "2.00", id="early arrival does not count"),
    pytest.param(at(9), at(12), {}, "2.00", id="late departure does not count"),
    pytest.param(at(9, 20), at(11), {}, "1.67", id="late arrival: 100 minutes"),
    pytest.param(at(9), at(10, 15), {}, "1.25", id="leaving early"),
    pytest.param(at(9, 0, 59), at(10, 0, 0), {}, "0.98", id="whole minutes, seconds dropped"),
    pytest.param(at(9), at(10, 11), {"min_presence_ratio": Decimal("0.6")}, "0.00", id="presence 59% of 60% credits 0"),
    pytest.param(at(9), at(10, 12), {"min_presence_ratio": Decimal("0.6")}, "1.20", id="presence exactly 60% counts"),
    pytest.param(at(9), at(10, 59), {"rounding_minutes": 30}, "1.50", id="30-minute steps round down"),
    pytest.param(at(9), at(11), {"rounding_minutes": 30}, "2.00", id="30-minute steps, full time"),
    pytest.param(at(8), at(8, 50), {}, "0.00", id="all before the start"),
    pytest.param(at(11, 10), at(11, 50), {}, "0.00", id="all after the end"),
]


@pytest.mark.parametrize(("checked_in", "checked_out", "rules", "hours"), CASES)
def test_credited_hours(tree, checked_in, checked_out, rules, hours):
    event = make_event(tree["S1"], **rules)
    assert event.credited_hours(checked_in, checked_out) == Decimal(hours)
