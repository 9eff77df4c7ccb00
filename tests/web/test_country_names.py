# ruff: noqa: F811  (pytest fixtures imported from test_views)
"""Country names from CLDR (Babel) in the interview's language, sorted for that language; the API's too."""

from __future__ import annotations

import re

from django.test import Client
from django.urls import reverse
from pyuca import Collator

from rules.countries import COUNTRIES
from screening import services
from screening.country_names import country_choices, country_name

from .test_views import actor, client_in, html, make_screening, member, organisation  # noqa: F401


def test_names_are_translated_and_sorted_for_the_language():
    assert country_name("UA", "uk") == "Україна" and country_name("UA", "ru") == "Украина"
    assert country_name("DE", "ru") == "Германия" and country_name("RU", "en") == COUNTRIES["RU"]
    for language in ("ru", "uk"):
        choices = country_choices(language)
        assert {code for code, _ in choices} == set(COUNTRIES)  # every code answers accept, none more
        names = [name for _, name in choices]
        assert names[0].startswith("А") and names[-1].startswith("Я")  # Cyrillic order, not English
        key = Collator().sort_key
        assert names == sorted(names, key=lambda n: key(n.casefold()))
    uk = [name for _, name in country_choices("uk")]
    assert uk.index("Ефіопія") < uk.index("Єгипет") < uk.index("Ємен") < uk.index("Ізраїль")  # Е, Є, І order


def test_question_page_and_check_your_answers_show_names_in_the_screenings_language(client_in, actor):
    screening = make_screening(actor, {"country_of_origin": "UA"}, respondent="claimant", language="ru")
    page = html(client_in.get(reverse("web:question", args=[screening.id, "country_of_origin"])))
    options = re.findall(r'<option value="([A-Z]{2})"[^>]*>([^<]+)</option>', page)
    assert ("UA", "Украина") in options and ("DE", "Германия") in options
    assert [name for _, name in options] == [name for _, name in country_choices("ru")]
    assert "Украина" in html(client_in.get(reverse("web:check", args=[screening.id])))


def test_the_api_country_list_names_countries_in_the_requested_language(db):
    services.country_profiles_load()
    client = Client()
    response = client.get("/api/v1/countries/", HTTP_ACCEPT_LANGUAGE="uk, en;q=0.5")
    assert response.status_code == 200 and response["Content-Language"] == "uk"
    names = {c["code"]: c["name"] for c in response.json()["countries"]}
    assert names["UA"] == "Україна" and names["RU"] == "Росія"
    response = client.get("/api/v1/countries/RU/", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.json()["name"] == "Россия" and response["Content-Language"] == "ru"
    english = client.get("/api/v1/countries/RU/").json()
    assert english["name"] != "Россия" and client.get("/api/v1/countries/RU/")["Content-Language"] == "en"
