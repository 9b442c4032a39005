"""What address a request comes from, and what the limits count it as."""

import pytest

from accounts.client_addresses import client_ip, counting_key


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
        ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
        ("192.0.2.1", "192.0.2.1"),
        ("192.0.2.2", "192.0.2.2"),
        ("::ffff:192.0.2.1", "192.0.2.1"),
        ("::1", "::1"),
        ("fe80::1", "fe80::1"),
        ("fd00::1", "fd00::1"),
        (None, "unknown"),
        ("", "unknown"),
        ("garbage", "unknown"),
    ],
)
def test_global_ipv6_counts_by_its_64_and_everything_else_as_it_is(address, key):
    assert counting_key(address) == key


@pytest.mark.parametrize("forwarded", ["2.2.2.2, garbage", "garbage", " , ", "2.2.2.2, 2001:db8::zz"])
def test_an_unparseable_hop_from_a_trusted_proxy_is_unknown_not_the_proxy(rf, settings, forwarded):
    settings.NUM_PROXIES = 1
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) is None


def test_logs_and_allow_lists_keep_the_exact_ipv6_address(rf, settings):
    settings.NUM_PROXIES = 1
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="2001:db8::2")
    assert client_ip(request) == "2001:db8::2"


def test_a_well_formed_hop_is_still_believed(rf, settings):
    settings.NUM_PROXIES = 1
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="garbage, 2.2.2.2")
    assert client_ip(request) == "2.2.2.2"
