"""gunicorn settings for scripts/serve.sh and the container; every value can be set from the environment.

Sync workers, three per two cores: the check-in load benchmark (docs/security.md, "Load")
found threads only added GIL contention and tail latency.
"""

import multiprocessing
import os

bind = os.getenv("BIND", "127.0.0.1:8000")
worker_class = "sync"
workers = int(os.getenv("WEB_CONCURRENCY", max(2, multiprocessing.cpu_count() * 3 // 2)))
timeout = int(os.getenv("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# gunicorn's control socket lives in the user's home: nodes on one host would share
# it, and the container's user has no home. Nothing here uses it.
control_socket_disable = True
# Requests are logged as JSON lines by the app (backend/request_logging.py).
accesslog = None
errorlog = "-"
# gunicorn's own lines (start, worker exits, timeouts) in the app's format.
if os.getenv("LOG_FORMAT", "json") == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "backend.request_logging.JsonFormatter"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
        "loggers": {"gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False}},
    }
# Let the app see the proxy's X-Forwarded-* headers only as settings.NUM_PROXIES allows.
forwarded_allow_ips = os.getenv("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")


def child_exit(server: object, worker: object) -> None:
    # Each worker writes its metrics to PROMETHEUS_MULTIPROC_DIR; a dead one's gauges are dropped.
    if os.getenv("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
