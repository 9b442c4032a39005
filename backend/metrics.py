"""Prometheus metrics: the platform's own counters and the scrape endpoint.

django-prometheus counts requests by view and status and their latency (its two
middlewares in settings); this module adds what an operator of this platform asks
about — check-ins, refused scans by code, cache fallbacks, database outages — and
the task queue's depth, read when Prometheus scrapes. Under gunicorn every worker
is its own process, so ``PROMETHEUS_MULTIPROC_DIR`` (set by scripts/serve.sh)
makes them write their values to files that the endpoint adds up.

The endpoint tells nothing personal, but it does tell how busy every unit is, so
it answers only to the addresses in ``METRICS_ALLOWED_ADDRESSES``.
"""

import logging
import os
from collections.abc import Iterator

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from accounts.client_addresses import address_in, client_ip

logger = logging.getLogger(__name__)

CHECKINS = Counter("volunteer_checkins_total", "Check-ins and check-outs recorded.", ["action"])
REFUSED_SCANS = Counter("volunteer_refused_scans_total", "Scans turned away, by refusal code.", ["code"])
DOMAIN_EVENTS = Counter("volunteer_domain_events_total", "Domain events logged, by name.", ["event"])
CACHE_FALLBACKS = Counter(
    "volunteer_cache_fallbacks_total", "Cache operations answered from process memory because Redis failed.", ["op"]
)
DATABASE_UNAVAILABLE = Counter(
    "volunteer_database_unavailable_total", "Requests answered 503 because the database could not be reached."
)


def queue_depth() -> dict[str, int]:
    """Tasks waiting in each queue of the default task backend (READY ones only)."""
    from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends

    backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
    name = type(backend).__name__
    if name == "DatabaseBackend":
        from django.db.models import Count
        from django_tasks_db.models import DBTaskResult

        rows = DBTaskResult.objects.ready().values("queue_name").annotate(n=Count("id")).order_by()
        depth = {row["queue_name"]: row["n"] for row in rows}
    elif name == "RQBackend":
        import django_rq

        depth = {queue: django_rq.get_queue(queue).count for queue in backend.queues}
    else:
        depth = {}
    for queue in getattr(backend, "queues", None) or ["default"]:
        depth.setdefault(queue, 0)
    return depth


class QueueDepthCollector:
    """Read at scrape time, so every node reports the shared queue as it is now."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily("volunteer_task_queue_depth", "Tasks waiting to run, by queue.", labels=["queue"])
        try:
            for queue, count in sorted(queue_depth().items()):
                family.add_metric([queue], count)
        except Exception:  # a broken queue must not hide the other metrics
            logger.warning("task queue depth unavailable", exc_info=True)
        yield family


def address_allowed(request: HttpRequest) -> bool:
    """Whether the client (as ``client_ip`` finds it) is in ``METRICS_ALLOWED_ADDRESSES``."""
    return address_in(client_ip(request), settings.METRICS_ALLOWED_ADDRESSES)


def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus text format; anyone outside METRICS_ALLOWED_ADDRESSES gets a plain 404."""
    if not address_allowed(request):
        raise Http404
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    queue = CollectorRegistry()
    queue.register(QueueDepthCollector())
    return HttpResponse(body + generate_latest(queue), content_type=CONTENT_TYPE_LATEST)
