"""The Content-Security-Policy in a real browser (review D10): the pages the journeys do not reach (the Django
admin, the API docs' Swagger UI, the case list, the result of a complete case) work under the policy with no
violation, and the policy really blocks what it should (an injected inline script is refused and reported, which
also shows that the violation watcher of conftest.py hears violations)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from screening import services
from screening.auth import Actor
from tests.api.conftest import COMPLETE_ANSWERS

from .conftest import PASSWORD, new_page, orm
from .pages import backup_code_for, sign_in, verify_second_factor


def test_the_policy_blocks_an_injected_inline_script_and_the_watcher_reports_it(browser, live_server):
    page = new_page(browser, live_server.url)
    response = page.goto("/accounts/login/")
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    page.evaluate(
        """() => { const s = document.createElement("script"); s.textContent = "window.injected = true;";
        document.body.appendChild(s); }"""
    )
    page.wait_for_timeout(300)  # the violation event and the console report are asynchronous
    assert page.evaluate("() => window.injected === undefined")
    assert any("script-src" in v for v in browser.csp_violations), browser.csp_violations
    browser.csp_violations.clear()  # expected here: the other pages must add none


def test_admin_api_docs_case_list_and_result_work_under_the_policy(browser, live_server, people, recorder):
    with orm():
        root = get_user_model().objects.create_superuser("root-admin", "root@example.org", PASSWORD)
        code = backup_code_for(root)  # the admin needs a second factor
        screening = services.screening_create(
            actor=Actor(organisation=people["organisation"], user=people["user"]),
            answers=COMPLETE_ANSWERS,
            reference="csp-01",
        )
    page = new_page(browser, live_server.url)

    # The API docs: Swagger UI starts (its script is a separate file) and renders the operations.
    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    recorder.shot(page, "api-docs")

    # The Django admin: sign-in page, index and a change list (with its scripts) as a superuser.
    page.goto("/admin/login/")
    page.locator("#id_username").fill("root-admin")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("input[type=submit]").click()
    if "/two-factor/" in page.url or page.locator("#id_code").count():
        verify_second_factor(page, code)
    if "/admin/" not in page.url:
        page.goto("/admin/")
    expect(page.locator("#site-name")).to_be_visible()
    page.goto("/admin/screening/screening/")
    expect(page.locator("#changelist")).to_be_visible()
    recorder.shot(page, "admin-changelist")

    # The caseworker's case list and a complete case's result page (the outcome styles are a static file now).
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    sign_in(page, people["username"], people["password"])
    page.goto("/cases/")
    expect(page.locator("main")).to_contain_text("csp-01")
    recorder.shot(page, "case-list")
    page.goto(f"/cases/{screening.id}/result/")
    outcome = page.locator(".rs-outcome").first
    expect(outcome).to_be_visible()
    # outcome.css applied: the outcome card's top border (a rule that used to be inline) is 5px wide
    assert page.evaluate("(el) => getComputedStyle(el).borderTopWidth", outcome.element_handle()) == "5px"
    recorder.shot(page, "result")
