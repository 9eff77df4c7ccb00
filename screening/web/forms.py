"""The web interview's forms: the new-screening form, and what each question's field shows.

Question fields are built from the questionnaire (screening.interview parses what comes back), so a new
question in questionnaire.yaml needs no code here. Texts come from rules.translations in the active language,
with English where a translation lacks an entry (marked lang="en").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from rules.claimant_texts import claimant_hint
from rules.model import Question
from rules.translations import Translation
from rules.validation import EXCLUSIVE_OPTIONS

from .. import country_names
from .. import interview as iv
from ..dates import long_date
from ..models import Respondent
from .provenance import provenance_view

RADIOS_MAX_OPTIONS = 12  # more options than this: a <select>


class NewScreeningForm(forms.Form):
    reference = forms.CharField(
        label=gettext_lazy("Reference (optional)"),
        help_text=gettext_lazy("Your organisation's own reference for this case. Do not use the person's name."),
        max_length=100,
        required=False,
        error_messages={"max_length": gettext_lazy("Enter a reference of %(limit_value)d characters or fewer.")},
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Interview language"),
        choices=settings.LANGUAGES,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Select the interview language.")},
    )
    respondent = forms.ChoiceField(
        label=gettext_lazy("Who is answering the questions?"),
        choices=[
            (Respondent.CLAIMANT, gettext_lazy("The claimant, one question per page")),
            (Respondent.CASEWORKER, gettext_lazy("A caseworker on the claimant's behalf, a section per page")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Select who is answering the questions.")},
    )

    def clean_reference(self) -> str:
        return self.cleaned_data["reference"].strip()


# ---- question fields ---------------------------------------------------------------------------------------


@dataclass
class Choice:
    value: str
    label: str
    id: str
    selected: bool = False
    exclusive: bool = False  # "None of these", "Prefer not to say": cannot be combined (multi-choice)
    divider_before: bool = False  # the "or" between the other options and the exclusive ones


@dataclass
class Field:
    """Everything a template needs to render one question."""

    question: Question
    name: str
    widget: str  # radios | checkboxes | select | country | integer | date | text
    id: str  # the element the error summary links to (interview.field_id)
    container_id: str  # the question's wrapper, the target of "#question-<id>" links
    prompt: str
    hint: str
    lang: str | None  # "en" when the text is an English fallback in another language
    value: Any
    choices: list[Choice] = field(default_factory=list)
    error: str = ""
    prefill: dict | None = None  # provenance_view() of the country profile's suggestion, when there is one
    error_parts: tuple[str, ...] = ()  # a date's boxes at fault: only those are highlighted

    @property
    def grouped(self) -> bool:
        """Radios, checkboxes and the date's three inputs are a fieldset with a legend; others a label."""
        return self.widget in ("radios", "checkboxes", "date")

    @property
    def hint_id(self) -> str:
        return f"q-{self.name}-hint"

    @property
    def error_id(self) -> str:
        return f"q-{self.name}-error"

    @property
    def describedby(self) -> str:
        ids = [self.hint_id] if self.hint else []
        if self.error:
            ids.append(self.error_id)
        if self.prefill:
            ids.append(f"q-{self.name}-prefill")
        return " ".join(ids)

    @property
    def date_parts(self) -> list[dict]:
        labels = {"day": _("Day"), "month": _("Month"), "year": _("Year")}
        value = self.value if isinstance(self.value, dict) else {}
        return [
            {
                "part": part,
                "label": labels[part],
                "id": f"q-{self.name}-{part}",
                "value": value.get(part, ""),
                "error": part in self.error_parts,
            }
            for part in ("day", "month", "year")
        ]


def country_choices(language: str | None = None) -> tuple[tuple[str, str], ...]:
    """(code, name) of every country in the language (default: the active one), sorted for that language."""
    return country_names.country_choices(language or get_language())


def _widget(question: Question) -> str:
    if question.type == "boolean":
        return "radios"
    if question.type == "single_choice":
        return "select" if len(question.options) > RADIOS_MAX_OPTIONS else "radios"
    if question.type == "multi_choice":
        return "checkboxes"
    return {"country": "country", "integer": "integer", "date": "date"}.get(question.type, "text")


def _choices(question: Question, texts: dict, mode: str, value: Any) -> list[Choice]:
    if question.type == "boolean":
        options = [("true", _("Yes")), ("false", _("No"))]
    else:
        key = "caseworker_label" if mode == iv.CASEWORKER else "label"
        options = [(option.id, texts["options"][option.id][key]) for option in question.options]
    if question.type == "multi_choice":  # "None of these", "Prefer not to say" last, after an "or"
        options.sort(key=lambda option: option[0] in EXCLUSIVE_OPTIONS)
    selected = set(value) if isinstance(value, list) else {value}
    choices: list[Choice] = []
    for index, (option_id, label) in enumerate(options):
        exclusive = question.type == "multi_choice" and option_id in EXCLUSIVE_OPTIONS
        choices.append(
            Choice(
                value=option_id,
                label=label,
                id=f"q-{question.id}-{index}",
                selected=option_id in selected,
                exclusive=exclusive,
                divider_before=exclusive and index > 0 and not choices[-1].exclusive,
            )
        )
    return choices


def _translated(translation: Translation, question: Question) -> bool:
    return translation.language != "en" and question.id in translation.document.get("questions", {})


def question_field(
    question: Question,
    *,
    translation: Translation,
    language: str,
    mode: str,
    value: Any,
    error: str = "",
    error_parts: tuple[str, ...] = (),
    prefill: dict | None = None,
    country: str | None = None,
) -> Field:
    """One question's field. `value` is what interview.form_value gives (the saved or the submitted value);
    `country` (the country of origin) adds the question's example for that country, if it has one."""
    texts = translation.question(question)
    example = translation.country_hint(question, country)
    if mode == iv.CASEWORKER:
        prompt = texts["caseworker_prompt"]
        hint = " ".join(t for t in (texts["caseworker_help"], example["caseworker_help"]) if t)
    else:  # no legal citations for a claimant (rules/claimant_texts.py)
        prompt = texts["prompt"]
        hint = " ".join(t for t in (claimant_hint(texts["help"]), claimant_hint(example["help"])) if t)
    english_fallback = not language.startswith("en") and not _translated(translation, question)
    widget = _widget(question)
    if widget == "date":  # the GOV.UK date hint, in the interface language, before the question's own help
        hint = " ".join(t for t in (date_hint(question), hint) if t)
    return Field(
        question=question,
        name=question.id,
        widget=widget,
        id=iv.field_id(question),
        container_id=f"question-{question.id}",
        prompt=prompt,
        hint=hint or "",
        lang="en" if english_fallback else None,
        value=value,
        choices=_choices(question, texts, mode, value) if widget in ("radios", "checkboxes", "select") else [],
        error=error,
        error_parts=error_parts,
        prefill=prefill,
    )


def date_hint(question: Question) -> str:
    if question.approximate:
        return _(
            "For example, 27 3 2022. If you do not know the day, enter the month and year only, for example 3 2022."
        )
    return _("For example, 27 3 2022.")


def prefill_from_profile(question: Question, profile: dict) -> tuple[Any, dict] | None:
    """(form value, its provenance view: profile, sources, dates, note) of the country profile's suggested
    answer, or None."""
    entry = profile.get(question.id)
    if not entry:
        return None
    value = iv.form_value(question, {question.id: entry["value"]})
    return value, provenance_view(entry)


# ---- showing answers (Check your answers) ------------------------------------------------------------------


def answer_lines(question: Question, value: Any, *, translation: Translation, mode: str) -> list:
    """The answer as text lines: option labels, Yes / No, a country's name, a date ("27 September 2022")."""
    if value is None:
        return []
    if question.type == "boolean":
        return [_("Yes") if value else _("No")]
    if question.type in ("single_choice", "multi_choice"):
        key = "caseworker_label" if mode == iv.CASEWORKER else "label"
        options = translation.question(question)["options"]
        values = value if isinstance(value, list) else [value]
        return [options[v][key] if v in options else v for v in values]
    if question.type == "country":
        return [country_names.country_name(value, translation.language)]
    if question.type == "date":  # "27 September 2022", or "September 2022" for a month and year (YYYY-MM)
        return [long_date(value)]
    return [str(value)]
