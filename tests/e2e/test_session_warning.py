"""The idle-session warning in a real browser (refuge.js, screening/web/sessions.py), with the idle limit cut to
six seconds: a page left alone warns before the limit and "Stay signed in" keeps the session; typing on a page
keeps it without a warning; a page left alone past the limit leads to the sign-in page, saying why."""

from __future__ import annotations

from playwright.sync_api import expect

from .conftest import new_page
from .pages import sign_in

IDLE = 6  # seconds: the warning shows 1.5 s before the limit


def test_the_idle_warning_keeps_a_session_that_is_in_use(browser, live_server, people, recorder, settings):
    settings.SCREENING = {**settings.SCREENING, "SESSION_IDLE_SECONDS": IDLE}
    page = new_page(browser, live_server.url)
    page.goto("/accounts/login/")
    sign_in(page, people["username"], people["password"])
    expect(page.locator("h1")).to_have_text("Cases")
    warning = page.locator("#session-warning")
    expect(warning).to_be_hidden()

    expect(warning).to_be_visible(timeout=IDLE * 1000)  # nothing happened: the warning comes before the limit
    warning.get_by_role("button", name="Stay signed in").click()
    expect(warning).to_be_hidden()

    search = page.locator("main input[name='q']")
    for n in range(4 * IDLE):  # typing for twice the limit, without sending: the session is kept
        search.press_sequentially("x" if n % 2 else "y")
        page.wait_for_timeout(500)
    expect(warning).to_be_hidden()
    page.goto("/cases/")
    expect(page.locator("h1")).to_have_text("Cases")

    expect(warning).to_be_visible(timeout=IDLE * 1000)  # left alone again: the warning, ignored this time
    recorder.shot(page, "idle-warning")
    recorder.a11y(page, "case list with the idle warning")
    page.wait_for_timeout((IDLE + 1) * 1000)
    page.goto("/cases/")
    expect(page.locator("h1")).to_have_text("Sign in")
    expect(page.locator("main")).to_contain_text("You have been signed out")
    recorder.shot(page, "signed-out")
