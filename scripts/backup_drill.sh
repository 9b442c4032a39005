#!/usr/bin/env bash
# Backup and restore drill for PostgreSQL: dump the database of DATABASE_URL with
# pg_dump, restore the dump into a new database, and compare the row counts of every
# table and the approved hours of both. Exits non-zero when they differ.
#
#   DATABASE_URL=postgres://user@host:5432/volunteers scripts/backup_drill.sh [backup-dir]
#
# The dump stays in backup-dir (default: backups/) as the night's backup; the
# drill database is dropped afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?set DATABASE_URL to the PostgreSQL database to back up}"
case "$DATABASE_URL" in postgres://*|postgresql://*) ;; *) echo "backup_drill.sh: DATABASE_URL must be PostgreSQL" >&2; exit 2;; esac

backup_dir=${1:-backups}
mkdir -p "$backup_dir"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
dump="$backup_dir/volunteers-$stamp.dump"
base_url=${DATABASE_URL%/*}
database=${DATABASE_URL##*/}
drill_db="${database}_drill_${stamp,,}"
drill_url="$base_url/$drill_db"

echo "Dumping $database to $dump"
pg_dump --format=custom --no-owner --file="$dump" "$DATABASE_URL"

echo "Restoring into $drill_db"
psql --quiet --no-psqlrc "$base_url/postgres" -c "CREATE DATABASE \"$drill_db\""
trap 'psql --quiet --no-psqlrc "$base_url/postgres" -c "DROP DATABASE IF EXISTS \"$drill_db\"" >/dev/null' EXIT
pg_restore --no-owner --exit-on-error --dbname="$drill_url" "$dump"

echo "Comparing row counts and approved hours"
original=$(DATABASE_URL=$DATABASE_URL .venv/bin/python manage.py data_totals)
restored=$(DATABASE_URL=$drill_url .venv/bin/python manage.py data_totals)
if [ "$original" != "$restored" ]; then
  diff <(echo "$original") <(echo "$restored") || true
  echo "DRILL FAILED: the restored database differs from the original." >&2
  exit 1
fi
echo "$restored" | .venv/bin/python -c '
import json, sys
totals = json.load(sys.stdin)
rows, tables, hours = sum(totals["counts"].values()), len(totals["counts"]), totals["approved_hours"]
print(f"Drill passed: {rows} rows in {tables} tables, {hours} approved hours, identical after restore.")
'
