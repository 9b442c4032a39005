"""While PostgreSQL restarts, requests get 503 in Chinese with Retry-After; then service resumes by itself.

The shared PostgreSQL server is not restarted (other tests use it): the node
reaches it through a TCP relay on loopback, and stopping the relay is what the
node sees of a restart — its open connections break and new ones are refused.
"""

import time

import dj_database_url
import pytest

from tests.ops.stack import Node, TcpProxy, call, production_env

pytestmark = pytest.mark.postgres


@pytest.fixture
def node_behind_relay(ops_database, ops_files):
    port = int(dj_database_url.parse(ops_database)["PORT"] or 5432)
    relay = TcpProxy(port).start()
    url = ops_database.replace(f":{port}/", f":{relay.port}/")
    env = production_env(url, ops_files["media"], ops_files["static"], SERVE_ROLE="web", DB_CONNECT_TIMEOUT="2")
    node = Node("relay-node", env, ops_files["root"] / "relay-node.log").start()
    try:
        node.wait_ready()
        yield node, relay
    finally:
        node.stop()
        relay.stop()


def test_a_database_restart_answers_503_in_chinese_and_recovers_within_seconds(node_behind_relay):
    node, relay = node_behind_relay
    assert call(f"{node.url}/readyz").status == 200
    assert call(f"{node.url}/api/v1/units/").status == 200  # the workers now hold persistent connections

    relay.stop()
    api = call(f"{node.url}/api/v1/units/")
    assert api.status == 503
    assert api.headers["Retry-After"] == "5"
    assert api.json() == {"code": "service_unavailable", "detail": "服务暂时不可用，请几秒钟后重试。"}
    page = call(f"{node.url}/events/")
    assert page.status == 503 and page.headers["Retry-After"] == "5"
    assert "请重试" in page.body.decode() and "签到" in page.body.decode()
    ready = call(f"{node.url}/readyz")
    assert ready.status == 503 and ready.json()["checks"]["database"] == "fail"

    relay.start()
    restarted = time.monotonic()
    while call(f"{node.url}/api/v1/units/").status != 200:
        assert time.monotonic() - restarted < 10, "service did not resume within 10 seconds"
        time.sleep(0.2)
    # Every worker, not only the one that answered first, is back.
    assert all(call(f"{node.url}/api/v1/units/").status == 200 for _ in range(10))
    assert call(f"{node.url}/readyz").status == 200
