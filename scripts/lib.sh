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
  # One stamp per extras set ("base", "test") and pyproject.toml version, so that run.sh and
  # test.sh do not undo each other's: the test extras include the base install, so installing
  # them stamps both; a base install leaves the test stamp (its packages stay installed).
  local extras="$1"
  local version
  version="$(sha256sum pyproject.toml | cut -c1-16)"
  local stamp=".venv/.installed-$version-${extras:-base}"
  if [ ! -x .venv/bin/python ]; then
    echo "==> creating .venv"
    "$(find_python)" -m venv .venv
  fi
  if [ ! -f "$stamp" ]; then
    echo "==> installing the project${extras:+ with [$extras]} into .venv"
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e ".${extras:+[$extras]}"
    # Stamps of an older pyproject.toml are stale; those of this version stay valid.
    find .venv -maxdepth 1 -name '.installed-*' ! -name ".installed-$version-*" -delete
    touch "$stamp"
    if [ -n "$extras" ]; then touch ".venv/.installed-$version-base"; fi
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
