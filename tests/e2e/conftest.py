"""Browser fixtures: the app served on a random loopback port, Debian's Chromium driven by Playwright.

    def test_page(live_server, browser, artifacts):
        page = browser.new_page()
        page.goto(live_server.url + "/login")
        page.screenshot(path=artifacts / "login.png")

Chromium is Debian's ``/usr/bin/chromium`` (never ``playwright install``: downloads are blocked);
where it is missing every browser test is skipped with a loud message, repeated in the summary.
"""
from __future__ import annotations

import os
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from petitions.demo import DEMO_PASSWORD, seed_demo_users
from tests.bpmn.harness import deploy_processes
from tests.support import BROWSER_SKIPPED

CHROMIUM = Path(os.environ.get("PETITIONS_CHROMIUM", "/usr/bin/chromium"))
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
# Without the background-networking flags Chromium floods the closed network with connections.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-default-apps", "--disable-extensions", "--mute-audio"]
_MISSING: list[str] = []


def pytest_configure(config):
    if not CHROMIUM.exists():
        _MISSING.append(f"{CHROMIUM} not found")


@pytest.fixture(scope="session")
def browser():
    if _MISSING:  # tests/conftest.py repeats this in the summary (BROWSER_SKIPPED)
        pytest.skip(f"{BROWSER_SKIPPED}{_MISSING[0]}")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                              headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def artifacts() -> Path:
    """Screenshots for a reviewer (gitignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def e2e_app(tmp_path, sqlite_template):
    """The real app on a fresh SQLite database, demo users seeded, the shipped processes deployed."""
    from webapp import create_app
    application = create_app({"DATABASE_URL": sqlite_template.fresh(tmp_path),
                              "PETITIONS_DATA_DIR": str(tmp_path), "SECRET_KEY": "e2e-secret",
                              "SECURE_COOKIES": False, "RATELIMIT_ENABLED": "0"})
    ctx = application.extensions["petitions"]
    seed_demo_users(ctx)
    deploy_processes(ctx)
    yield application
    ctx.close()


@dataclass
class LiveServer:
    url: str
    app: object

    @property
    def engine_ctx(self):
        return self.app.extensions["petitions"]


@pytest.fixture
def live_server(e2e_app):
    """``e2e_app`` served by werkzeug on 127.0.0.1 and a free port, in a thread."""
    from werkzeug.serving import make_server
    server = make_server("127.0.0.1", 0, e2e_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    deadline = time.monotonic() + 10
    while True:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    yield LiveServer(url, e2e_app)
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture
def browser_login(live_server):
    """Log a Playwright page in as a demo user through the login form."""
    def do_login(page, username: str, password: str = DEMO_PASSWORD):
        page.goto(live_server.url + "/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        assert "/login" not in page.url, f"login failed for {username}"
    return do_login
