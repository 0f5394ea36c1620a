#!/usr/bin/env bash
# The embedded demo: SQLite under var/, Celery on kombu's filesystem:// broker, e-mail to the
# console. Migrates, seeds (seed_demo skips when the data exists), starts a Celery worker with
# embedded beat in the background (log: var/celery.log) and runserver in the foreground.
# Ctrl-C stops runserver; the trap then stops the worker. Run through `make demo`, which
# bootstraps .venv first.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

VENV=.venv
PY="$VENV/bin/python"
ADDR=127.0.0.1:8000

[ -x "$PY" ] || { echo "demo: $PY is missing; run 'make demo' (or bash scripts/bootstrap.sh)" >&2; exit 1; }

# The demo is always the embedded default, whatever this shell has exported.
unset DATABASE_URL CELERY_BROKER_URL CACHE_URL EMAIL_URL CELERY_TASK_ALWAYS_EAGER REDRESS_VAR_DIR
export DEBUG=true

mkdir -p var

echo "demo: migrating the SQLite database (var/redress.sqlite3)"
"$PY" manage.py migrate --noinput
echo "demo: seeding demo data"
"$PY" manage.py seed_demo

worker_pid=""
stop_worker() {
    [ -n "$worker_pid" ] || return 0
    if kill -0 "$worker_pid" 2>/dev/null; then
        echo "demo: stopping the Celery worker (pid $worker_pid)"
        kill -TERM "$worker_pid" 2>/dev/null || true
        # Warm shutdown finishes the current task; give it 10 s, then kill it.
        for _ in $(seq 1 20); do
            kill -0 "$worker_pid" 2>/dev/null || break
            sleep 0.5
        done
        kill -KILL "$worker_pid" 2>/dev/null || true
    fi
    wait "$worker_pid" 2>/dev/null || true
    worker_pid=""
}
trap stop_worker EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "demo: starting the Celery worker with embedded beat (log: var/celery.log)"
"$VENV/bin/celery" -A config worker -B --pool=solo --loglevel=INFO \
    --schedule var/celerybeat-schedule >>var/celery.log 2>&1 &
worker_pid=$!

sleep 2
if ! kill -0 "$worker_pid" 2>/dev/null; then
    echo "demo: the Celery worker exited at start-up; the end of var/celery.log:" >&2
    tail -n 30 var/celery.log >&2 || true
    exit 1
fi

cat <<BANNER

  Redress demo
    portal:      http://$ADDR/
    agent desk:  http://$ADDR/admin/
    worker log:  var/celery.log
  Demo log-ins are listed by seed_demo above. Ctrl-C stops the server and the worker.

BANNER

# Not exec: the EXIT trap must run after runserver ends.
"$PY" manage.py runserver "$ADDR"
