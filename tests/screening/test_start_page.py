import pytest


@pytest.mark.django_db
def test_start_page_says_what_the_service_is_and_links_to_the_schema(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Screening, not a decision" in html
    assert 'href="/api/v1/questionnaire/"' in html


def test_questionnaire_schema_lists_every_question(client, ruleset):
    data = client.get("/api/v1/questionnaire/").json()
    assert [q["id"] for q in data["questions"]] == [q.id for q in ruleset.questionnaire.questions]
    assert data["ruleset"]["sha256"] == ruleset.sha256
    likely = next(q for q in data["questions"] if q["id"] == "likely_deployment")
    assert likely["show_if"]["all"][0] == {
        "q": "armed_conflict_involvement",
        "in_set": "armed_conflict_types",
    }
