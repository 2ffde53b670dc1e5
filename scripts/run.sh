#!/usr/bin/env bash
# Install and run the whole system on embedded defaults: SQLite file under ./var, the web app on
# http://127.0.0.1:${PORT:-8000}, and the timer sweep. Demo users and the processes are deployed.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_venv ""

export PETITIONS_DATA_DIR="${PETITIONS_DATA_DIR:-$PWD/var}"
PORT="${PORT:-8000}"

petitions db upgrade
if find processes -name '*.bpmn' -print -quit | grep -q .; then
  petitions deploy processes --user system
fi
petitions demo-seed

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

gunicorn --bind "127.0.0.1:${PORT}" --workers 2 --access-logfile - "webapp:create_app()" &
pids+=($!)
petitions timers sweep --interval 5 &
pids+=($!)
echo "==> running: web http://127.0.0.1:${PORT}/  (Ctrl-C stops everything)"
wait -n "${pids[@]}"
