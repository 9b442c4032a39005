#!/bin/sh
# Install pretix from PyPI into its own virtual environment and prepare its check-in
# benchmark: database pretix_bench, an event with 500 paid orders and a check-in list,
# an API token; writes $PRETIX_BENCH/bench.json (the secrets, the token, the list).
# Nothing of pretix is kept in this repository. Rerunning starts the database afresh.
set -eu
PRETIX_VENV=${PRETIX_VENV:-/tmp/pretix-venv}
PRETIX_BENCH=${PRETIX_BENCH:-/tmp/pretix-bench}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
REDIS_LOCATION=${REDIS_LOCATION:-redis://127.0.0.1:6379/14}
CELERY_BROKER=${CELERY_BROKER:-redis://127.0.0.1:6379/13}
CELERY_BACKEND=${CELERY_BACKEND:-redis://127.0.0.1:6379/12}
ORDERS=${ORDERS:-500}
HERE=$(cd "$(dirname "$0")" && pwd)

if [ ! -x "$PRETIX_VENV/bin/pretix" ] && [ ! -f "$PRETIX_VENV/lib/python3.11/site-packages/pretix/__init__.py" ]; then
    python3.11 -m venv "$PRETIX_VENV"
    "$PRETIX_VENV/bin/pip" install pretix gunicorn
fi
mkdir -p "$PRETIX_BENCH/data"
cat > "$PRETIX_BENCH/pretix.cfg" <<CFG
[pretix]
instance_name=pretix benchmark
url=http://127.0.0.1:8766
datadir=$PRETIX_BENCH/data
trust_x_forwarded_for=off
ecb_rates=off

[django]
secret=pretix-benchmark-secret-not-for-production-0123456789
debug=off

[database]
backend=postgresql
name=pretix_bench
user=postgres
host=127.0.0.1
port=5432

[redis]
location=$REDIS_LOCATION
sessions=true

[celery]
# As in production: a request enqueues pretix's background tasks (webhooks, notifications)
# instead of running them inline; without a broker pretix runs them in the request.
broker=$CELERY_BROKER
backend=$CELERY_BACKEND

[locale]
timezone=Asia/Shanghai
CFG
psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS pretix_bench" -c "CREATE DATABASE pretix_bench"
export PRETIX_CONFIG_FILE="$PRETIX_BENCH/pretix.cfg"
"$PRETIX_VENV/bin/python" -m pretix migrate -v0
DJANGO_SETTINGS_MODULE=pretix.settings ORDERS=$ORDERS OUT="$PRETIX_BENCH/bench.json" \
    "$PRETIX_VENV/bin/python" "$HERE/setup_event.py"
echo "pretix prepared: $PRETIX_BENCH/bench.json"
