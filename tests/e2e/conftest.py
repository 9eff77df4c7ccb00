"""Browser tests: Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

Chromium comes from Debian (`make browser`, which `make test` runs: `apt-get install -y chromium`), never from
`playwright install`. Without it these tests FAIL with a message saying so: they are never skipped.

Screenshots of every step go to test-output/e2e/<test name>/NN-<step>.png (emptied at the start of each test), and
the axe-core findings of every page checked to test-output/e2e/<test name>/axe.json.

Every page a test opens through `new_page` is watched for Content-Security-Policy violations (review D10): the
page's `securitypolicyviolation` events and Chromium's console reports of them. Any violation fails the test.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.db import connections
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from screening import services

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "e2e"
TIMEOUT_MS = 15_000  # generous for a loaded 2-core CI machine; Playwright waits only as long as needed
PASSWORD = "a-long-test-password"
BLOCKING_IMPACTS = ("serious", "critical")

expect.set_options(timeout=TIMEOUT_MS)


# ---- the browser ---------------------------------------------------------------------------------------------


class Launcher:
    """Launches Debian's Chromium headless, and closes and relaunches it (a browser restart in a journey).

    Playwright's sync API keeps an asyncio loop marked as running in this thread for as long as it runs, and
    Django then refuses ORM calls from the test body (SynchronousOnlyOperation). So Playwright is stopped at the
    end of every test (`stop`), before pytest-django flushes the database, and `orm()` allows the test body's own
    ORM calls while the browser is up."""

    def __init__(self) -> None:
        self._manager = None
        self._playwright: Playwright | None = None
        self.browser: Browser | None = None
        self.launches = 0
        self.csp_violations: list[str] = []

    def launch(self) -> Browser:
        if not CHROMIUM.exists():
            pytest.fail(
                f"Chromium is not installed at {CHROMIUM}: the browser tests need Debian's chromium. Run `make "
                "browser` (apt-get update && apt-get install -y chromium) or set CHROMIUM to its path.",
                pytrace=False,
            )
        if self._playwright is None:
            self._manager = sync_playwright()
            self._playwright = self._manager.start()
        self.browser = self._playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        self.launches += 1
        return self.browser

    def restart(self) -> Browser:
        """Close the browser entirely (every context, cookie and page goes) and launch a new one."""
        if self.browser is not None:
            self.browser.close()
            self.browser = None
        return self.launch()

    def stop(self) -> None:
        if self.browser is not None:
            with contextlib.suppress(Exception):
                self.browser.close()
            self.browser = None
        if self._playwright is not None:
            self._playwright.stop()
            self._playwright = self._manager = None


@pytest.fixture(scope="session")
def launcher():
    launcher = Launcher()
    yield launcher
    launcher.stop()


@pytest.fixture
def browser(launcher, live_server, people):
    """A fresh browser for the test (after the live server and the test's accounts exist); stopped afterwards.
    The test fails if any page it opened reported a Content-Security-Policy violation."""
    launcher.csp_violations = []
    launcher.launch()
    yield launcher
    launcher.stop()
    assert not launcher.csp_violations, "Content-Security-Policy violations:\n" + "\n".join(launcher.csp_violations)


@contextlib.contextmanager
def orm():
    """Allow Django ORM calls from the test body while Playwright runs (see Launcher)."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        yield
    finally:
        # Django keeps the connections of an "async" context apart: close the ones this block opened, or they
        # outlive the test (PostgreSQL then refuses to drop the test database).
        connections.close_all()
        if previous is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


# Runs in every page before its own scripts: reports each CSP violation to the console, where watch_csp hears it.
CSP_LISTENER = """document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"}`
    + ` on ${document.location.pathname} (${e.sourceFile || ""}:${e.lineNumber || ""})`);
});"""


def watch_csp(launcher: Launcher, context) -> None:
    """Collect the CSP violations of every page of the context (the event, and Chromium's own console report)."""
    context.add_init_script(CSP_LISTENER)

    def on_console(message) -> None:
        text = message.text
        if message.type == "error" and ("CSP violation" in text or "Content Security Policy" in text):
            launcher.csp_violations.append(text)

    context.on("console", on_console)


def new_page(launcher: Launcher, base_url: str, *, locale: str = "en-GB") -> Page:
    context = launcher.browser.new_context(base_url=base_url, locale=locale, viewport={"width": 1100, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    watch_csp(launcher, context)
    return context.new_page()


# ---- accounts --------------------------------------------------------------------------------------------------


@pytest.fixture
def people(transactional_db):
    """An organisation with a caseworker, and the country profiles (the live server's database is flushed after
    every test)."""
    services.country_profiles_load()
    organisation = services.organisation_create(name="Helping Hands")
    user = services.user_create(organisation=organisation, username="casey", password=PASSWORD)
    return {"organisation": organisation, "user": user, "username": "casey", "password": PASSWORD}


# ---- screenshots and accessibility -------------------------------------------------------------------------------


class Recorder:
    """Screenshots of every step (NN-<step>.png) and axe-core checks of each page type, for one test."""

    def __init__(self, name: str) -> None:
        self.directory = OUTPUT / re.sub(r"[^\w.-]+", "_", name)
        shutil.rmtree(self.directory, ignore_errors=True)
        self.directory.mkdir(parents=True)
        self.count = 0
        self.axe = Axe()
        self.checked: dict[str, dict] = {}

    def shot(self, page: Page, step: str) -> Path:
        self.count += 1
        path = self.directory / f"{self.count:02d}-{re.sub(r'[^a-z0-9]+', '-', step.lower()).strip('-')}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    def a11y(self, page: Page, page_type: str) -> None:
        """Run axe-core on the page (once per page type and test): no violation of impact serious or critical."""
        if page_type in self.checked:
            return
        results = self.axe.run(page).response
        violations = [
            {
                "id": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "nodes": [node["target"] for node in v["nodes"]],
            }
            for v in results["violations"]
        ]
        self.checked[page_type] = {"url": page.url, "axe": results["testEngine"]["version"], "violations": violations}
        (self.directory / "axe.json").write_text(json.dumps(self.checked, indent=2, ensure_ascii=False))
        blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
        assert not blocking, f"axe-core on the {page_type} page ({page.url}): {json.dumps(blocking, indent=1)}"


@pytest.fixture
def recorder(request) -> Recorder:
    return Recorder(request.node.name)


# ---- keyboard and focus -------------------------------------------------------------------------------------------

FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const s = getComputedStyle(el);
  const transparent = (c) => c === "transparent" || /rgba\\(.*,\\s*0\\)$/.test(c);
  const outline = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0 && !transparent(s.outlineColor);
  const shadow = s.boxShadow !== "none";
  return {
    tag: el.tagName.toLowerCase(), type: el.type || "", name: el.name || "", value: el.value || "",
    checked: !!el.checked, id: el.id, text: (el.innerText || "").trim().slice(0, 60),
    visible: outline || shadow, outline: `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}`, shadow: s.boxShadow,
  };
}"""


def focused(page: Page) -> dict | None:
    """The focused element, and whether its focus is visible (a non-transparent outline or a box-shadow)."""
    element = page.evaluate(FOCUSED)
    if element is not None:
        assert element["visible"], f"focus is not visible on {element}"
    return element
