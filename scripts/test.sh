#!/usr/bin/env bash
# Install and run every test. PostgreSQL (TEST_POSTGRES_URL, default 127.0.0.1:5432/test) is used
# when reachable; otherwise its half of the suite is skipped with a loud message.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_venv "test"
ensure_frontend
ensure_chromium

python -m pytest -p no:cacheprovider "$@"
