#!/bin/sh
# Container entry point.
#   web (default)  migrate the database (unless MIGRATE_ON_START=0), then serve with gunicorn on :8000
#   track          serve the click path (the reverse proxy sends only tracking routes here) on :8001
#   migrate        migrate the database and exit
#   anything else  run that command, e.g. `python worker.py` or `flask tracking drain`
set -eu

role="${1:-web}"

case "$role" in
  web)
    if [ "${MIGRATE_ON_START:-1}" != "0" ]; then
      flask db upgrade
    fi
    # Metrics: each gunicorn worker counts in its own file here and /metrics adds them up; files
    # of an earlier run would be added too, so the folder starts empty (gunicorn.conf.py).
    export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-/tmp/affiliate-metrics}"
    rm -rf "$PROMETHEUS_MULTIPROC_DIR"
    mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
    # Pages yield the CPU to the click path, which the track role serves: SCHED_IDLE, so a click that
    # wakes up takes the core from a page at once (app/cpu_priority.py says why and what counts).
    # WEB_CPU_PRIORITY=normal when this role serves the clicks too (no track role behind the proxy).
    export CPU_PRIORITY="${WEB_CPU_PRIORITY:-idle}"
    # --preload builds the app once in the master, so the workers share one log file writer.
    # gunicorn also reads GUNICORN_CMD_ARGS and FORWARDED_ALLOW_IPS from the environment.
    # Threads for pages, and TRACK_THREADS more per worker that only tracking requests use: even
    # when every page thread is busy, a click is answered at once (app/gunicorn_threads.py).
    exec gunicorn wsgi:app \
      --bind 0.0.0.0:8000 \
      --workers "${WEB_CONCURRENCY:-2}" \
      --worker-class app.gunicorn_threads.TrackingPoolWorker \
      --threads "${WEB_THREADS:-4}" \
      --preload \
      --graceful-timeout 20 \
      --no-control-socket
    ;;
  track)
    # The click path on processes of its own: plain sync workers, the cheapest per request, and
    # nothing but tracking requests reach them (the reverse proxy routes by path; see the README).
    # Full CPU priority, whatever CPU_PRIORITY the shared environment sets for other roles.
    export CPU_PRIORITY=normal
    export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-/tmp/affiliate-metrics}"
    rm -rf "$PROMETHEUS_MULTIPROC_DIR"
    mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
    exec gunicorn wsgi:app \
      --bind 0.0.0.0:8001 \
      --workers "${TRACK_CONCURRENCY:-2}" \
      --preload \
      --graceful-timeout 20 \
      --no-control-socket
    ;;
  migrate)
    exec flask db upgrade
    ;;
  *)
    exec "$@"
    ;;
esac
