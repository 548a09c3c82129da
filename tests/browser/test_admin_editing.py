"""A content editor reorders, previews and edits quizzes in the admin, in a
real Chromium at desktop width: drag and drop with the mouse and with the
keyboard, the live Markdown preview, and the quiz's option rows."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from courses.models import Module
from enrollment.services import enrollment_create
from tests.factories import PASSWORD, make_course, make_user
from tests.helpers import DESKTOP, PHONE_390, module_change_url, ordered_titles

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(params=[DESKTOP, PHONE_390], ids=["desktop", "phone"])
def admin_page(request, open_page, live_server) -> Page:
    """A browser at desktop and phone width signed in to the admin as a
    superuser, failing the test on any Content Security Policy violation."""
    user = make_user(username="chief", is_staff=True, is_superuser=True)
    page = open_page(request.param)
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto("/admin/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#user-tools")).to_contain_text("chief")
    yield page
    assert violations == []


def titles(page: Page):
    return page.locator("#item-order tbody tr td:nth-child(4)")


def test_dragging_an_item_with_the_mouse_saves_the_new_order(admin_page: Page):
    module = make_course(modules=1, lessons=2, quizzes=1).modules.get()
    page = admin_page
    page.goto(module_change_url(module))
    expect(titles(page)).to_have_text(["Lesson 1.1", "Quiz 1.1", "Lesson 1.2"])

    # Drag the last lesson's handle above the first row.
    handle = page.get_by_role("button", name="Reorder Lesson 1.2")
    first_row = page.locator("#item-order tbody tr").first
    handle.hover()
    page.mouse.down()
    box = first_row.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] / 2, steps=5)
    page.mouse.move(box["x"] + 20, box["y"] + 2, steps=5)
    page.mouse.up()

    expect(page.locator("#item-order").get_by_role("status")).to_have_text(
        "Order of lessons and quizzes saved."
    )
    expect(titles(page)).to_have_text(["Lesson 1.2", "Lesson 1.1", "Quiz 1.1"])
    assert ordered_titles(module) == ["Lesson 1.2", "Lesson 1.1", "Quiz 1.1"]
    page.reload()
    expect(titles(page)).to_have_text(["Lesson 1.2", "Lesson 1.1", "Quiz 1.1"])
    expect(page.locator("#item-order tbody tr td:first-child")).to_have_text(["1", "2", "3"])


def test_moving_a_module_with_the_keyboard_saves_the_new_order(admin_page: Page):
    course = make_course(modules=3, lessons=1, quizzes=0)
    page = admin_page
    page.goto(f"/admin/courses/course/{course.pk}/change/")
    rows = page.locator("#module-order tbody tr td:nth-child(3)")
    expect(rows).to_have_text(["Module 1", "Module 2", "Module 3"])

    # Pick Module 1 up with Space, move it down twice, drop it with Space.
    handle = page.get_by_role("button", name="Reorder Module 1")
    handle.focus()
    page.keyboard.press("Space")
    status = page.locator("#module-order").get_by_role("status")
    expect(status).to_contain_text("Module 1 picked up, position 1 of 3")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(status).to_contain_text("Module 1 moved to position 3 of 3")
    page.keyboard.press("Space")
    expect(status).to_have_text("Order of modules saved.")
    expect(rows).to_have_text(["Module 2", "Module 3", "Module 1"])
    expect(handle).to_be_focused()

    # Alt+Up moves it at once, and saves.
    page.keyboard.press("Alt+ArrowUp")
    expect(rows).to_have_text(["Module 2", "Module 1", "Module 3"])
    expect(status).to_have_text("Order of modules saved.")
    page.reload()
    expect(rows).to_have_text(["Module 2", "Module 1", "Module 3"])
    assert [m.title for m in Module.objects.filter(course=course)] == [
        "Module 2",
        "Module 1",
        "Module 3",
    ]

    # Escape puts a picked-up row back, and nothing is saved.
    page.get_by_role("button", name="Reorder Module 3").focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Escape")
    expect(status).to_contain_text("Module 3 put back, position 3 of 3")
    expect(rows).to_have_text(["Module 2", "Module 1", "Module 3"])


def test_the_lesson_preview_follows_the_editor_as_you_type(admin_page: Page):
    module = make_course(modules=1, lessons=1, quizzes=1).modules.get()
    lesson = module.lessons.get()
    page = admin_page
    page.goto(f"/admin/courses/lesson/{lesson.pk}/change/")
    preview_box = page.get_by_role("region", name="Lesson preview")
    # A frame of the learner's stylesheets (none of the admin's).
    preview = preview_box.frame_locator("iframe[title='Lesson preview, as learners will see it']")
    expect(preview.get_by_role("heading", name="Part 1.1")).to_be_visible()

    editor = page.get_by_label("Body (Markdown)")
    editor.fill("")
    editor.press_sequentially("## Typed heading\n\nSome **bold** words", delay=20)
    expect(preview.get_by_role("heading", name="Typed heading")).to_be_visible()
    expect(preview.locator("strong")).to_have_text("bold")
    editor_box, preview_box = editor.bounding_box(), preview_box.bounding_box()
    if page.viewport_size["width"] >= DESKTOP["width"]:
        assert preview_box["x"] > editor_box["x"] + editor_box["width"] - 1  # beside
    else:  # a phone has no room beside: below, within the screen
        assert preview_box["y"] > editor_box["y"] + editor_box["height"] - 1
        assert preview_box["x"] + preview_box["width"] <= page.viewport_size["width"]
    assert lesson.markdown != editor.input_value()  # nothing saved

    # Inline on the module page too, and for the quiz as learners see it.
    page.goto(module_change_url(module))
    inline_editor = page.locator("#lessons-0").get_by_label("Body (Markdown)")
    inline_preview = (
        page.locator("#lessons-0")
        .get_by_role("region", name="Lesson preview")
        .frame_locator("iframe")
    )
    inline_editor.fill("A `snippet` here")
    expect(inline_preview.locator("code")).to_have_text("snippet")
    quiz = page.locator("#activities-0")
    quiz_box = quiz.get_by_role("region", name="Quiz preview")
    quiz_box.scroll_into_view_if_needed()  # previews render once in view
    quiz_preview = quiz_box.frame_locator("iframe")  # the quiz page's markup and styles
    expect(quiz_preview.locator(".quiz__option")).to_have_text(["AAlpha", "BBeta", "CGamma"])
    quiz.get_by_label("Question").fill("Which is *first*?")
    expect(quiz_preview.locator("em")).to_have_text("first")
    expect(quiz_preview.locator("body")).not_to_contain_text("correct")


def test_quiz_option_rows_are_added_and_removed(admin_page: Page):
    module = make_course(modules=1, lessons=1, quizzes=1).modules.get()
    quiz = module.activities.get()  # options Alpha, Beta, Gamma; answer 2 (Beta)
    assert quiz.answer == 2
    page = admin_page
    page.goto(f"/admin/courses/activity/{quiz.pk}/change/")
    expect(page.get_by_label("Type")).to_have_count(0)
    options = page.get_by_role("textbox", name=re.compile(r"^Option \d"))
    expect(options).to_have_count(3)
    expect(page.get_by_role("radio")).to_have_count(3)

    # Add two rows, fill them; the correct-answer choices follow.
    page.get_by_role("button", name="Add option").click()
    expect(page.get_by_role("textbox", name="Option 4")).to_be_focused()
    page.get_by_role("textbox", name="Option 4").fill("Delta")
    page.get_by_role("button", name="Add option").click()
    page.get_by_role("textbox", name="Option 5").fill("Epsilon")
    expect(page.get_by_role("radio")).to_have_count(5)

    # The first two rows cannot be removed: a quiz keeps two options. Removing
    # option 3 (Gamma) moves Delta and Epsilon up; Beta stays the answer.
    expect(page.get_by_role("button", name="Remove option 2")).to_have_count(0)
    page.get_by_role("button", name="Remove option 3").click()
    expect(options).to_have_count(4)
    expect(page.get_by_role("textbox", name="Option 3")).to_have_value("Delta")
    expect(page.get_by_role("textbox", name="Option 4")).to_have_value("Epsilon")
    expect(page.get_by_role("radio", name="Right answer for option 2")).to_be_checked()
    quiz_preview = page.get_by_role("region", name="Quiz preview").frame_locator("iframe")
    expect(quiz_preview.locator(".quiz__text")).to_have_text(["Alpha", "Beta", "Delta", "Epsilon"])
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist .success")).to_contain_text("was changed successfully")
    quiz.refresh_from_db()
    assert quiz.options == ["Alpha", "Beta", "Delta", "Epsilon"]
    assert quiz.answer == 2
    expect(options).to_have_count(4)
    # Removing the option marked correct leaves no answer chosen: the editor
    # must choose again (the server refuses a quiz without one).
    page.get_by_role("radio", name="Right answer for option 4").check()
    page.get_by_role("button", name="Remove option 4").click()
    expect(page.get_by_role("radio")).to_have_count(3)
    expect(page.get_by_role("radio", checked=True)).to_have_count(0)


def test_filtering_enrollments_by_searching_a_learner(admin_page: Page):
    course = make_course(topic="Filtered course")
    ada, bob = make_user(username="ada"), make_user(username="bob")
    for user in (ada, bob):
        enrollment_create(user=user, course=course)
    page = admin_page
    page.goto("/admin/enrollment/enrollment/")
    expect(page.locator("#result_list tbody tr")).to_have_count(2)
    page.locator("#changelist-filter .select2").filter(has_text="Search users").click()
    page.keyboard.type("ad")
    page.get_by_role("option", name="ada", exact=True).click()
    expect(page).to_have_url(re.compile(rf"user__id__exact={ada.pk}"))
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    expect(page.locator("#result_list")).to_contain_text("ada")
    expect(page.locator("#result_list")).not_to_contain_text("bob")


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_editing_aids_have_no_serious_accessibility_violations(open_page, theme):
    from axe_playwright_python.sync_playwright import Axe

    module = make_course(modules=2, lessons=2, quizzes=1).modules.first()
    user = make_user(username="chief", is_staff=True, is_superuser=True)
    # axe injects its own script and styles: the CSP is bypassed for the scan only.
    page = open_page(DESKTOP, color_scheme=theme, bypass_csp=True)
    page.goto("/admin/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    quiz = module.activities.get()
    problems = {}
    for url in [
        module_change_url(module),
        f"/admin/courses/activity/{quiz.pk}/change/",
        f"/admin/courses/course/{module.course_id}/change/",
        "/admin/enrollment/enrollment/",
    ]:
        page.goto(url)
        for preview in page.locator(".athena-preview").all():
            preview.scroll_into_view_if_needed()
            expect(preview).not_to_have_attribute("data-state", "stale")
            if "athena-preview--framed" in (preview.get_attribute("class") or ""):
                # A lesson's: a frame of the learner's styles, scanned with the page.
                expect(preview.frame_locator("iframe").locator("#preview-body")).not_to_be_empty()
            else:
                expect(preview).not_to_be_empty()
        # Only Athena's additions: Django admin's own markup is Django's.
        context = {
            "include": [
                [selector]
                for selector in [
                    ".athena-order",
                    ".athena-editor",
                    ".athena-quiz-preview-row",
                    ".athena-option-tools",
                    ".athena-answer",
                    ".athena-move-to",
                    ".athena-autocomplete-filter-box",
                    ".object-tools",
                ]
                if page.locator(selector).count()
            ]
        }
        results = Axe().run(page, context=context)
        found = [
            f"{violation['id']} ({violation['impact']}): "
            + "; ".join(node["target"][0] for node in violation["nodes"][:5])
            for violation in results.response["violations"]
            if violation["impact"] in {"serious", "critical"}
        ]
        if found:
            problems[url] = found
    assert problems == {}
