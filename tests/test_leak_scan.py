"""The leak scan itself catches a leak (a scan that cannot fail would prove nothing)."""

import logging

from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from tests import leak_scan


def scan(user, body: str) -> list[str]:
    request = RequestFactory().get("/somewhere/")
    request.user = user
    leak_scan.LeakScanMiddleware(lambda request: HttpResponse(body))(request)
    found = list(leak_scan.leaks)
    leak_scan.leaks.clear()
    return found


def test_a_full_phone_shown_to_a_manager_is_a_leak(station_manager, volunteer):
    assert scan(station_manager, f"电话 {volunteer.phone}") != []
    assert scan(station_manager, f"身份证 {volunteer.id_number}") != []


def test_masked_numbers_and_the_persons_own_are_not(station_manager, admin_user, volunteer):
    masked = (
        f"{volunteer.phone[:3]}****{volunteer.phone[7:]} {volunteer.id_number[:6]}********{volunteer.id_number[14:]}"
    )
    assert scan(station_manager, masked) == []
    assert scan(volunteer.user, f"{volunteer.phone} {volunteer.id_number}") == []
    assert scan(admin_user, f"{volunteer.phone} {volunteer.id_number}") == []


def test_a_number_in_a_log_line_is_a_leak(volunteer):
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, f"login failed for {volunteer.phone}", (), None)
    leak_scan.LeakLogHandler().emit(record)
    assert leak_scan.leaks != []
    leak_scan.leaks.clear()


def test_the_scans_own_lookups_stay_out_of_a_tests_query_count(station_manager, volunteer):
    # A random certificate number can hold a phone-shaped run of digits; the list endpoints'
    # "same queries whatever the page" tests must not see the scan look it up.
    with CaptureQueriesContext(connection) as captured:
        assert scan(station_manager, f"编号 {volunteer.phone} 身份证 {volunteer.id_number}") != []
        assert scan(station_manager, "编号 15702210107 身份证 11010519491231002X") == []
    assert captured.captured_queries == []
