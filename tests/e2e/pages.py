"""What a person does on the interview's pages, with Playwright: sign in, answer with the real form controls (by
pointer or by keyboard alone), continue, and read back what a page shows."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from rules.model import Question

from .conftest import focused


def submit(page: Page, button) -> None:
    """Press a button that submits a form and wait for the page that comes back."""
    with page.expect_navigation():
        button.click()


def continue_button(page: Page):
    return page.locator("main form button[type=submit]")


def sign_in(page: Page, username: str, password: str) -> None:
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    submit(page, page.locator("main form button[type=submit]"))


def shown_questions(page: Page) -> list[str]:
    """The questions the page's form shows (its hidden "shown" inputs), in order."""
    return [element.get_attribute("value") for element in page.locator('main input[name="shown"]').all()]


def _option(page: Page, question: Question, value: str):
    return page.locator(f'main input[name="{question.id}"][value="{value}"]')


def _form_value(question: Question, value) -> object:
    if question.type == "boolean":
        return "true" if value else "false"
    return value


def answer(page: Page, question: Question, value) -> None:
    """Give an answer with the question's control, as a person would with a pointer and a keyboard."""
    qid = question.id
    if question.type in ("boolean", "single_choice"):
        value = _form_value(question, value)
        select = page.locator(f'main select[name="{qid}"]')
        if select.count():
            select.select_option(value)
        else:
            _option(page, question, value).check()
    elif question.type == "multi_choice":
        for box in page.locator(f'main input[type=checkbox][name="{qid}"]').all():
            box.set_checked(box.get_attribute("value") in value)
    elif question.type == "country":
        choose_country(page, qid, value)
    elif question.type == "date":
        year, month, day = value.split("-")
        page.locator(f"#q-{qid}-day").fill(str(int(day)))
        page.locator(f"#q-{qid}-month").fill(str(int(month)))
        page.locator(f"#q-{qid}-year").fill(year)
    else:  # integer, text
        page.locator(f'main input[name="{qid}"]').fill(str(value))


def choose_country(page: Page, qid: str, code: str) -> None:
    """Choose a country: type its name into the type-ahead and pick it (the <select> itself without JavaScript)."""
    select = page.locator(f'main select[name="{qid}"]')
    if select.is_visible():
        select.select_option(code)
        return
    name = select.locator(f'option[value="{code}"]').text_content().strip()
    page.locator(f"#q-{qid}").fill(name)
    page.locator(f"#q-{qid}__listbox li").filter(has_text=re.compile("^" + re.escape(name) + "$")).first.click()
    expect(select).to_have_value(code)


def expect_answer_shown(page: Page, question: Question, value) -> None:
    """The page shows this saved answer in the question's control."""
    qid = question.id
    if question.type in ("boolean", "single_choice"):
        value = _form_value(question, value)
        select = page.locator(f'main select[name="{qid}"]')
        if select.count():
            expect(select).to_have_value(value)
        else:
            expect(_option(page, question, value)).to_be_checked()
    elif question.type == "multi_choice":
        for box in page.locator(f'main input[type=checkbox][name="{qid}"]').all():
            expect(box).to_be_checked(checked=box.get_attribute("value") in value)
    elif question.type == "country":
        expect(page.locator(f'main select[name="{qid}"]')).to_have_value(value)
    elif question.type == "date":
        year, month, day = value.split("-")
        expect(page.locator(f"#q-{qid}-day")).to_have_value(str(int(day)))
        expect(page.locator(f"#q-{qid}-month")).to_have_value(str(int(month)))
        expect(page.locator(f"#q-{qid}-year")).to_have_value(year)
    else:
        expect(page.locator(f'main input[name="{qid}"]')).to_have_value(str(value))


# ---- keyboard only ---------------------------------------------------------------------------------------------


def answer_page_by_keyboard(
    page: Page, questions: dict[str, Question], targets: dict, *, before_submit=None, max_keys: int = 200
) -> list:
    """Answer every question in `targets` on this page and press Continue, with Tab, the arrow keys, Space, typing
    and Enter only. Every element that takes focus on the way must show it (see conftest.focused). Calls
    `before_submit(page)` with Continue focused. Returns the focused elements, in order."""
    done: set[str] = set()
    trail = []
    for _ in range(max_keys):
        page.keyboard.press("Tab")
        element = focused(page)
        if element is None:
            continue
        trail.append(element)
        name = element["name"]
        if name in targets and name not in done:
            question = questions[name]
            target = _form_value(question, targets[name])
            if element["type"] == "radio":
                for _ in range(len(question.options) + 3):
                    element = focused(page)
                    if element["value"] == target:
                        break
                    page.keyboard.press("ArrowDown")  # moves to the next radio of the group and selects it
                if not element["checked"]:
                    page.keyboard.press("Space")
                done.add(name)
            elif element["type"] == "checkbox":
                if (element["value"] in target) != element["checked"]:
                    page.keyboard.press("Space")
                boxes = page.locator(f'main input[type=checkbox][name="{name}"]')
                if element["value"] == boxes.last.get_attribute("value"):
                    done.add(name)  # the group's last box: Tab leaves the group next
            elif element["tag"] == "select":
                for _ in range(300):
                    if focused(page)["value"] == target:
                        break
                    page.keyboard.press("ArrowDown")
                done.add(name)
            else:
                page.keyboard.press("ControlOrMeta+a")
                page.keyboard.type(str(target))
                done.add(name)
        elif element["tag"] == "button" and element["type"] == "submit" and set(targets) <= done:
            if page.evaluate("() => !!document.activeElement.closest('main form')"):
                if before_submit:
                    before_submit(page)
                with page.expect_navigation():
                    page.keyboard.press("Enter")
                return trail
    raise AssertionError(f"could not answer {sorted(set(targets) - done)} by keyboard; focus went: {trail}")


def backup_code_for(user, code: str = "e2e-backup-1") -> str:
    """Give a user (who must use two-factor) a one-time backup code; call inside orm()."""
    from django_otp.plugins.otp_static.models import StaticDevice

    device, _ = StaticDevice.objects.get_or_create(user=user, name="e2e backup codes")
    device.token_set.create(token=code)
    return code


def verify_second_factor(page: Page, code: str) -> None:
    """On the two-factor page after signing in: type a backup code and continue."""
    expect(page.locator("#id_code")).to_be_visible()
    page.locator("#id_code").fill(code)
    submit(page, page.get_by_role("button", name="Continue"))
