#!/usr/bin/env bash
# The production entry point (`make serve`, the container): migrate, collect the
# static files, then run gunicorn and the task worker until stopped.
#
# Everything is read from the environment; a .env file in the project folder is
# read first when there is one (see .env.example). DEBUG is off unless set.
#   SERVE_ROLE   all (default: web and worker), web, or worker: one per container or node
#   MIGRATE      true (default for all/web) runs `migrate` first; set false on all nodes but one
#   COLLECTSTATIC true (default for all/web); false where STATIC_ROOT is already collected (shared or baked in)
#   BIND, WEB_CONCURRENCY, GUNICORN_TIMEOUT   see gunicorn.conf.py
#   TASK_WORKERS number of task worker processes (default 1)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -f .env ]; then
  set -a
  # shellcheck disable=SC1091
  . ./.env
  set +a
fi
export DEBUG=${DEBUG:-false}
export DJANGO_SETTINGS_MODULE=backend.settings
PYTHON=${PYTHON:-.venv/bin/python}
bin=$(dirname "$PYTHON")
role=${SERVE_ROLE:-all}

# gunicorn workers are processes: each writes its metrics here and /metrics adds them up.
export PROMETHEUS_MULTIPROC_DIR=${PROMETHEUS_MULTIPROC_DIR:-${TMPDIR:-/tmp}/volunteers-metrics-$$}
mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
find "$PROMETHEUS_MULTIPROC_DIR" -name '*.db' -delete  # values of an earlier run would be added in

if [ "$role" != worker ]; then
  if [ "${MIGRATE:-true}" = true ]; then
    "$PYTHON" manage.py migrate --noinput
  fi
  if [ "${COLLECTSTATIC:-true}" = true ]; then
    "$PYTHON" manage.py collectstatic --noinput --verbosity 0
  fi
fi

# The worker that matches the task backend (settings.TASKS_BACKEND).
backend=${TASKS_BACKEND:-}
if [ -z "$backend" ]; then
  if [ -n "${REDIS_URL:-}" ]; then backend=django_tasks_rq.RQBackend; else backend=django_tasks_db.DatabaseBackend; fi
fi
if [ "$backend" = django_tasks_rq.RQBackend ]; then
  worker=("$PYTHON" manage.py rqworker default --job-class django_tasks_rq.Job)
else
  worker=("$PYTHON" manage.py db_worker)
fi

pids=()
stop() {
  trap - TERM INT EXIT
  [ ${#pids[@]} -gt 0 ] && kill -TERM "${pids[@]}" 2>/dev/null
  wait
}
trap stop TERM INT EXIT

if [ "$role" != web ]; then
  # Background jobs of every kind (bulk certificates, ledgers) whose worker died (no heartbeat
  # for their timeout) are queued again or given up; cron repeats this.
  "$PYTHON" manage.py resume_jobs
  for _ in $(seq 1 "${TASK_WORKERS:-1}"); do
    "${worker[@]}" &
    pids+=($!)
  done
fi
if [ "$role" != worker ]; then
  "$bin/gunicorn" --config gunicorn.conf.py backend.wsgi &
  pids+=($!)
fi
# When any of them ends, stop the others: a supervisor (systemd, the container) restarts the whole.
wait -n
status=$?
stop
exit "$status"
