"""The editor's rough edges, smoothed (issue 20, part 8), in a real Chromium at
1440 px: the lesson preview shows learners' styling (not the admin's upper-case
table headers and bullet-less lists), and the right answer is marked by the
radio button beside its option."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from courses.models import Activity
from tests.browser.test_admin_authoring import content_editors_group  # noqa: F401 - a fixture
from tests.factories import PASSWORD, make_content_editor, make_course

pytestmark = pytest.mark.django_db(transaction=True)

WIDE = {"width": 1440, "height": 900}


def sign_in(page: Page) -> list[str]:
    """Sign a content editor in; answer the list CSP violations will fill."""
    editor = make_content_editor(username="editor")
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto("/admin/")
    page.get_by_label("Username").fill(editor.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    return violations


@pytest.mark.usefixtures("content_editors_group")
def test_preview_has_learner_styling_and_the_answer_is_marked_beside_its_option(open_page):
    module = make_course(modules=1, lessons=1, quizzes=1).modules.get()
    lesson, quiz = module.lessons.get(), module.activities.get()
    page = open_page(WIDE)
    violations = sign_in(page)

    # The lesson preview: a table and a list as the lesson page shows them.
    page.goto(f"/admin/courses/lesson/{lesson.pk}/change/")
    editor = page.get_by_label("Body (Markdown)")
    editor.fill("| Name | Value |\n|------|-------|\n| alpha | 1 |\n\n- first\n- second\n")
    frame = page.get_by_role("region", name="Lesson preview").frame_locator("iframe")
    header = frame.get_by_role("columnheader", name="Name")
    expect(header).to_be_visible()
    assert header.evaluate("th => getComputedStyle(th).textTransform") == "none"
    assert header.inner_text() == "Name"  # not "NAME", as the admin's styles had it
    scroll_box = frame.locator(".table-scroll")
    assert scroll_box.evaluate("box => getComputedStyle(box).overflowX") == "auto"
    bullet = frame.get_by_role("listitem").first
    assert bullet.evaluate("li => getComputedStyle(li).listStyleType") == "disc"
    # The learner's font, not the admin's.
    learner_font = frame.locator("body").evaluate("b => getComputedStyle(b).fontFamily")
    assert learner_font.startswith("system-ui")
    assert lesson.markdown != editor.input_value()  # nothing saved

    # The quiz: the radio beside "Gamma" marks it right; saved.
    page.goto(f"/admin/courses/activity/{quiz.pk}/change/")
    expect(page.get_by_role("radio", name="Right answer for option 2")).to_be_checked()
    gamma = page.get_by_role("textbox", name="Option 3")
    radio = page.get_by_role("radio", name="Right answer for option 3")
    # Beside its option: on the same line, to its right.
    text_box, radio_box = gamma.bounding_box(), radio.bounding_box()
    assert radio_box["x"] > text_box["x"] + text_box["width"] - 1
    assert (
        abs((radio_box["y"] + radio_box["height"] / 2) - (text_box["y"] + text_box["height"] / 2))
        < text_box["height"]
    )
    radio.click()
    expect(radio).to_be_checked()
    expect(page.get_by_role("radio", name="Right answer for option 2")).not_to_be_checked()
    # The keyboard moves the choice along the options, as in any radio group.
    radio.press("ArrowUp")
    expect(page.get_by_role("radio", name="Right answer for option 2")).to_be_checked()
    page.keyboard.press("ArrowDown")
    expect(radio).to_be_checked()
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist .success")).to_contain_text("was changed successfully")
    assert Activity.objects.get(pk=quiz.pk).answer == 3
    expect(page.get_by_role("radio", name="Right answer for option 3")).to_be_checked()
    assert violations == []
