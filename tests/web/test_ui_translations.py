"""The Russian and Ukrainian catalogues of the web interface's strings (locale/<lang>/LC_MESSAGES/django.po).

Every string marked for translation in the code and templates must be in the catalogues and translated, with its
placeholders kept; the committed .mo files must match the .po files; and the pages must show the translations.
"""

from __future__ import annotations

import ast
import gettext
import os
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation.template import templatize

import rules
from screening import i18n_strings
from screening.web import results
from tests.web.test_views import actor, client_in, make_screening, member, organisation  # noqa: F401

BASE_DIR = Path(django_settings.BASE_DIR)
LOCALE_DIR = BASE_DIR / "locale"
LANGUAGES = ("ru", "uk")
NPLURALS = 3
PLURAL_FORMS = "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);"
# Where makemessages looks (run from the repository root with --ignore=.venv --ignore=tests --ignore=bench).
SKIPPED_DIRS = {"tests", "bench", "locale", "staticfiles", "node_modules", "venv", "__pycache__"}
PLACEHOLDER = re.compile(r"%(?:\([A-Za-z_]\w*\))?[sdifr%]")


# ---- a small .po reader ------------------------------------------------------------------------------------


def _unquote(token: str) -> str:
    return ast.literal_eval(token)  # a C-style "..." string: the escapes .po files use are Python's too


def read_po(path: Path) -> list[dict]:
    """The entries of a .po file: {msgctxt, msgid, msgid_plural, msgstr: {index: text}, flags, obsolete}.

    Entries are separated by blank lines, as gettext's tools (and makemessages) write them.
    """
    entries = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8").strip()):
        parts: dict[tuple[str, int], list[str]] = {}
        flags: set[str] = set()
        obsolete = False
        field = None
        for raw in block.splitlines():
            line = raw.strip()
            if line.startswith("#~"):
                obsolete = True
                line = line[2:].strip()
            elif line.startswith("#,"):
                flags.update(flag.strip() for flag in line[2:].split(","))
                continue
            elif line.startswith("#"):
                continue
            match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(".*")$', line)
            if match:
                keyword, index, line = match.groups()
                field = keyword, int(index or 0)
                parts[field] = []
            if field is None or not line.startswith('"'):
                raise AssertionError(f"{path}: cannot read the line {raw!r}")
            parts[field].append(_unquote(line))
        texts = {field: "".join(strings) for field, strings in parts.items()}
        assert ("msgid", 0) in texts, f"{path}: an entry without msgid: {block!r}"
        entries.append(
            {
                "msgctxt": texts.get(("msgctxt", 0)),
                "msgid": texts[("msgid", 0)],
                "msgid_plural": texts.get(("msgid_plural", 0)),
                "msgstr": {index: text for (name, index), text in texts.items() if name == "msgstr"},
                "flags": flags,
                "obsolete": obsolete,
            }
        )
    return entries


def catalogue(lang: str) -> list[dict]:
    return [e for e in read_po(LOCALE_DIR / lang / "LC_MESSAGES" / "django.po") if not e["obsolete"]]


def messages(lang: str) -> list[dict]:
    return [e for e in catalogue(lang) if e["msgid"] != ""]


def header(lang: str) -> dict[str, str]:
    text = next(e for e in catalogue(lang) if e["msgid"] == "")["msgstr"][0]
    return dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)


def key(entry: dict) -> tuple[str | None, str, str | None]:
    return entry["msgctxt"], entry["msgid"], entry["msgid_plural"]


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


# ---- the strings marked in the source, read the way makemessages reads them -------------------------------

# name -> (position of the context, positions of the messages)
MARKERS = {
    "_": (None, (0,)),
    "gettext": (None, (0,)),
    "gettext_lazy": (None, (0,)),
    "gettext_noop": (None, (0,)),
    "ngettext": (None, (0, 1)),
    "ngettext_lazy": (None, (0, 1)),
    "pgettext": (0, (1,)),
    "pgettext_lazy": (0, (1,)),
    "npgettext": (0, (1, 2)),
    "npgettext_lazy": (0, (1, 2)),
}


def _marked_call(name: str, args: list) -> tuple[str | None, str, str | None] | None:
    if name not in MARKERS or not all(isinstance(a, str) for a in args):
        return None
    context_at, message_at = MARKERS[name]
    if len(args) <= max(message_at):
        return None
    context = args[context_at] if context_at is not None else None
    plural = args[message_at[1]] if len(message_at) == 2 else None
    return context, args[message_at[0]], plural


def _python_strings(source: str) -> set:
    found = set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        args = [a.value if isinstance(a, ast.Constant) else None for a in node.args]
        marked = _marked_call(name, args)
        if marked:
            found.add(marked)
    return found


STRING = r"u?(?:'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")"
TEMPLATE_CALL = re.compile(
    rf"\b(npgettext|pgettext|ngettext|gettext)\(\s*({STRING})(?:\s*,\s*({STRING}))?(?:\s*,\s*({STRING}))?"
)


def _template_strings(source: str, origin: str) -> set:
    found = set()
    for match in TEMPLATE_CALL.finditer(templatize(source, origin)):
        name, *strings = match.groups()
        marked = _marked_call(name, [ast.literal_eval(s) for s in strings if s is not None])
        if marked:
            found.add(marked)
    return found


def source_strings() -> set:
    found = set()
    for root, dirs, files in os.walk(BASE_DIR):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in SKIPPED_DIRS]
        for name in files:
            path = Path(root) / name
            if name.endswith(".py"):
                found |= _python_strings(path.read_text(encoding="utf-8"))
            elif name.endswith((".html", ".txt")):
                found |= _template_strings(path.read_text(encoding="utf-8"), str(path))
    return found


# ---- the catalogues ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_header_names_the_language_and_its_three_plural_forms(lang):
    fields = header(lang)
    assert fields["Language"] == lang
    assert fields["Plural-Forms"] == PLURAL_FORMS
    assert fields["Content-Type"] == "text/plain; charset=UTF-8"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_string_is_translated_and_none_is_fuzzy(lang):
    entries = catalogue(lang)
    assert len(messages(lang)) > 100
    assert not [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    for entry in messages(lang):
        expected = list(range(NPLURALS)) if entry["msgid_plural"] is not None else [0]
        assert sorted(entry["msgstr"]) == expected, entry["msgid"]
        assert all(text.strip() for text in entry["msgstr"].values()), f"untranslated: {entry['msgid']!r}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_placeholders_are_kept(lang):
    for entry in messages(lang):
        wanted = placeholders(entry["msgid_plural"] or entry["msgid"])
        if entry["msgid_plural"] is not None:
            assert placeholders(entry["msgid"]) == wanted, entry["msgid"]
        for text in entry["msgstr"].values():
            assert placeholders(text) == wanted, (entry["msgid"], text)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_compiled_catalogue_matches_the_po_file(lang):
    """The committed .mo holds exactly the .po's translations: run msgfmt (or compilemessages) after editing."""
    with open(LOCALE_DIR / lang / "LC_MESSAGES" / "django.mo", "rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    expected: dict = {}
    for entry in catalogue(lang):
        msgid = entry["msgid"] if entry["msgctxt"] is None else f"{entry['msgctxt']}\x04{entry['msgid']}"
        if entry["msgid_plural"] is None:
            expected[msgid] = entry["msgstr"][0]
        else:
            expected.update({(msgid, index): text for index, text in entry["msgstr"].items()})
    # msgfmt leaves POT-Creation-Date out of the compiled header
    expected[""] = "".join(line for line in expected[""].splitlines(True) if not line.startswith("POT-Creation-Date:"))
    assert compiled._catalog == expected  # the parsed .mo, header included
    assert compiled.ngettext("x", "y", 1) == "x"
    forms = [compiled.plural(n) for n in (1, 2, 5, 11, 21, 22, 25, 111, 112)]
    assert forms == [0, 1, 2, 2, 0, 1, 2, 2, 2]


def test_both_catalogues_have_the_same_strings():
    assert {key(e) for e in messages("ru")} == {key(e) for e in messages("uk")}


def test_every_string_marked_in_the_source_is_in_the_catalogues():
    """Fails when a string was added or changed without `makemessages` and a translation (see the README)."""
    marked = source_strings()
    assert len(marked) > 100
    assert ("between checkbox options", "or", None) in marked
    for lang in LANGUAGES:
        missing = marked - {key(e) for e in messages(lang)}
        assert not missing, f"{lang}: not in the catalogue: {sorted(missing, key=str)}"


def test_strings_translated_on_a_variable_are_listed_for_makemessages():
    assert i18n_strings.DISCLAIMER == rules.DISCLAIMER
    for lang in LANGUAGES:
        assert (None, rules.DISCLAIMER, None) in {key(e) for e in messages(lang)}
        assert (None, i18n_strings.PDF_FOOTER_DISCLAIMER, None) in {key(e) for e in messages(lang)}


def test_the_po_reader():
    path = LOCALE_DIR / "ru" / "LC_MESSAGES" / "django.po"
    text = path.read_text(encoding="utf-8")
    assert len(messages("ru")) == len(re.findall(r"^msgid ", text, re.M)) - 1


# ---- the pages ---------------------------------------------------------------------------------------------


@pytest.fixture
def locale_paths(settings):
    settings.LOCALE_PATHS = [BASE_DIR / "locale"]


TEXTS = {
    "ru": {
        "Back": "Назад",
        "Continue": "Продолжить",
        "Start now": "Начать",
        "Sign out": "Выйти",
        "Check your answers": "Проверьте ответы",
        "There is a problem": "Возникла проблема",
        "Error:": "Ошибка:",
        "Enter a whole number, like 19.": "Введите целое число, например 19.",
        "Screening, not a decision.": "Скрининг, а не решение.",
        "Strong": "Весомое",
    },
    "uk": {
        "Back": "Назад",
        "Continue": "Продовжити",
        "Start now": "Почати",
        "Sign out": "Вийти",
        "Check your answers": "Перевірте відповіді",
        "There is a problem": "Виникла проблема",
        "Error:": "Помилка:",
        "Enter a whole number, like 19.": "Введіть ціле число, наприклад 19.",
        "Screening, not a decision.": "Скринінг, а не рішення.",
        "Strong": "Вагома",
    },
}


UNANSWERED = ("%(counter)s question is not answered yet.", "%(counter)s questions are not answered yet.")
PLURALS = {
    "ru": {1: "На 1 вопрос", 3: "На 3 вопроса", 5: "На 5 вопросов", 11: "На 11 вопросов", 21: "На 21 вопрос"},
    "uk": {1: "На 1 питання", 3: "На 3 питання", 5: "На 5 питань", 12: "На 12 питань", 22: "На 22 питання"},
}


def test_gettext_uses_the_catalogues(locale_paths):
    for lang in LANGUAGES:
        with translation.override(lang):
            assert results.strength_label("strong") == TEXTS[lang]["Strong"]
            assert results.disclaimer() != rules.DISCLAIMER
            assert translation.gettext("Continue") == TEXTS[lang]["Continue"]
            assert translation.pgettext("between checkbox options", "or") == {"ru": "или", "uk": "або"}[lang]
            for count, start in PLURALS[lang].items():
                assert (translation.ngettext(*UNANSWERED, count) % {"counter": count}).startswith(start + " ")
        with translation.override("en"):
            assert results.disclaimer() == rules.DISCLAIMER


@pytest.mark.parametrize("lang", LANGUAGES)
def test_pages_show_the_translations(locale_paths, client_in, actor, lang):  # noqa: F811
    texts = TEXTS[lang]
    client_in.cookies[django_settings.LANGUAGE_COOKIE_NAME] = lang
    # the interview pages are in the screening's language, the result in the cookie's (the same one here)
    screening = make_screening(
        actor, {"country_of_origin": "RU"}, reference="NGO-1", respondent="claimant", language=lang
    )
    with translation.override(lang):
        disclaimer = str(results.disclaimer())

    start = client_in.get(reverse("web:case-start", args=[screening.id])).content.decode()
    assert f'<html lang="{lang}">' in start
    for english in ("Back", "Start now", "Sign out"):
        assert escape(texts[english]) in start
    assert escape(disclaimer) in start and rules.DISCLAIMER not in start

    question = client_in.get(reverse("web:question", args=[screening.id, "age"])).content.decode()
    assert f">{texts['Continue']}</button>" in question and f">{texts['Back']}</a>" in question
    error = client_in.post(reverse("web:question", args=[screening.id, "age"]), {"version": "1", "age": "abc"})
    page = error.content.decode()
    assert texts["There is a problem"] in page and texts["Error:"] in page
    assert texts["Enter a whole number, like 19."] in page

    check = client_in.get(reverse("web:check", args=[screening.id])).content.decode()
    assert texts["Check your answers"] in check

    result = client_in.get(reverse("results:result", args=[screening.id])).content.decode()
    assert escape(texts["Screening, not a decision."]) in result and escape(disclaimer) in result
    assert "Continue" not in start + question and ">Back<" not in start + question
