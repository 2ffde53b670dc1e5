#!/usr/bin/env bash
# Install and run every test. PostgreSQL (TEST_POSTGRES_URL, default 127.0.0.1:5432/test) is used
# when reachable; otherwise its half of the suite is skipped with a loud message.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_venv "test"
ensure_frontend
ensure_chromium

# In parallel (pytest-xdist), one worker per CPU (nproc, at most 8: each worker holds its own
# PostgreSQL schema, Redis and browser), a whole file per worker: a module's tests share its module
# fixtures and run in their order (tests/bpmn checks its flow coverage last). PYTEST_WORKERS=N sets
# the count; PYTEST_WORKERS=0 runs everything in this one process (needed for --pdb).
workers="${PYTEST_WORKERS:-$(nproc 2>/dev/null || echo 1)}"
if [ -z "${PYTEST_WORKERS:-}" ] && [ "$workers" -gt 8 ]; then workers=8; fi
python -m pytest -p no:cacheprovider -n "$workers" --dist loadfile "$@"
