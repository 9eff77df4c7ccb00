"""Countries in a Russian interview, in a real browser: CLDR names in Russian, in Russian alphabetical order,
with the type-ahead (accessible-autocomplete), and the plain <select> when JavaScript is off."""

from __future__ import annotations

from playwright.sync_api import expect

from screening import services
from screening.auth import Actor
from screening.country_names import country_choices

from .conftest import new_page, orm
from .pages import continue_button, sign_in, submit


def test_countries_in_russian_sorted_for_russian(browser, live_server, people, recorder):
    with orm():
        screening = services.screening_create(
            actor=Actor(organisation=people["organisation"]), answers={}, respondent="claimant", language="ru"
        )
    page = new_page(browser, live_server.url)
    page.goto("/accounts/login/")
    sign_in(page, people["username"], people["password"])
    page.goto(f"/cases/{screening.id}/question/country_of_origin/")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    select = page.locator('main select[name="country_of_origin"]')
    shown = select.locator("option[value]:not([value=''])").all_inner_texts()
    assert shown == [name for _, name in country_choices("ru")]
    assert shown.index("Австрия") < shown.index("Германия") < shown.index("Украина") < shown.index("Япония")
    recorder.shot(page, "countries-ru")
    recorder.a11y(page, "question (country, ru)")
    # The type-ahead: typing "Укр" offers Украина (in Russian), which sets the form's <select>.
    field = page.locator("#q-country_of_origin")
    expect(field).to_have_attribute("role", "combobox")
    field.fill("Укр")
    options = page.locator("#q-country_of_origin__listbox li")
    expect(options.first).to_have_text("Украина")
    recorder.shot(page, "type-ahead-ru")
    recorder.a11y(page, "type-ahead (ru)")
    options.first.click()
    expect(select).to_have_value("UA")
    submit(page, continue_button(page))
    with orm():
        screening.refresh_from_db()
    assert screening.answers["country_of_origin"] == "UA"
    page.goto(f"/cases/{screening.id}/check/")
    expect(page.locator("main")).to_contain_text("Украина")
    recorder.shot(page, "check-ru")


def test_without_javascript_the_country_list_is_a_select(browser, live_server, people, recorder):
    with orm():
        screening = services.screening_create(
            actor=Actor(organisation=people["organisation"]), answers={}, respondent="claimant", language="ru"
        )
    context = browser.browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/accounts/login/")
    sign_in(page, people["username"], people["password"])
    page.goto(f"/cases/{screening.id}/question/country_of_origin/")
    select = page.locator('main select[name="country_of_origin"]')
    expect(select).to_be_visible()
    select.select_option("DE")
    submit(page, continue_button(page))
    with orm():
        screening.refresh_from_db()
    assert screening.answers["country_of_origin"] == "DE"
