# Shared by scripts/run.sh and scripts/test.sh: a project virtualenv, (re)installed when
# pyproject.toml changes. Sourced, not executed.

find_python() {
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "error: Python 3.11 or newer is required" >&2
  return 1
}

ensure_venv() {
  local extras="$1"
  local stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)${extras:+-$extras}"
  if [ ! -x .venv/bin/python ]; then
    echo "==> creating .venv"
    "$(find_python)" -m venv .venv
  fi
  if [ ! -f "$stamp" ]; then
    echo "==> installing the project${extras:+ with [$extras]} into .venv"
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e ".${extras:+[$extras]}"
    rm -f .venv/.installed-*
    touch "$stamp"
  fi
  export PATH="$PWD/.venv/bin:$PATH"
}

ensure_frontend() {
  # bpmn-js and chart.js are served from node_modules (installed from npm, never committed).
  local stamp="node_modules/.installed-$(sha256sum package-lock.json | cut -c1-16)"
  if [ -f "$stamp" ]; then return 0; fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "!!! npm not found: the process modeler and diagram viewers will be unavailable" >&2
    return 0
  fi
  echo "==> installing front-end libraries (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  touch "$stamp"
}

ensure_chromium() {
  # Browser tests drive Debian's chromium through Playwright (never a downloaded browser).
  if [ -x /usr/bin/chromium ]; then return 0; fi
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> chromium missing: installing Debian's chromium for the browser tests"
    (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) ||
      echo "!!! could not install chromium: browser tests will be SKIPPED" >&2
  else
    echo "!!! /usr/bin/chromium missing and cannot be installed here: browser tests will be SKIPPED" >&2
  fi
}
