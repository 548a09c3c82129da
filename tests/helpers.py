"""Helpers shared by several test modules that are neither factories nor
fixtures: admin form data and URLs, checks, and the browser tests' course."""

from __future__ import annotations

import re
from typing import Any

from django.urls import reverse

from courses.models import Course, Lesson, Module
from courses.services import course_count_items
from tests.factories import make_course

# Browser window sizes: a small and a common phone, and a desktop.
PHONE = {"width": 360, "height": 740}
PHONE_390 = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
DESKTOP_1440 = {"width": 1440, "height": 900}


def change_form_data(response: Any) -> dict[str, Any]:
    """What an admin change (or add) page submits untouched: the main form and
    every inline formset with its management form."""
    data: dict[str, Any] = {}
    _add_form(data, response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        _add_form(data, inline.formset.management_form)
        for form in inline.formset.forms:
            _add_form(data, form)
    return data


def _add_form(data: dict[str, Any], form: Any) -> None:
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[form[name].html_name] = "on" if value is True else value


def ordered_titles(module: Module) -> list[str]:
    return [item.title for item in Module.objects.with_items().get(pk=module.pk).ordered_items()]


def course_change_url(course: Course) -> str:
    return reverse("admin:courses_course_change", args=[course.pk])


def module_change_url(module: Module) -> str:
    return reverse("admin:courses_module_change", args=[module.pk])


def assert_counts_true(course: Course) -> None:
    """The course's stored `metadata.count` equals its real numbers."""
    course.refresh_from_db()
    assert course.metadata["count"] == course_count_items(course_id=course.pk)


def make_photosynthesis_course() -> Course:
    """A course whose first lesson holds a table and a long code line (what must
    scroll in its own box on a phone), beside a second course to search past."""
    course = make_course(topic="Photosynthesis explained", modules=2, lessons=2, quizzes=1)
    lesson = Lesson.objects.filter(module__course=course).order_by("module__module_order").first()
    lesson.content = {
        "type": "MARKDOWN",
        "value": "## Light reactions\n\n| input | output |\n|---|---|\n| light | ATP |\n\n"
        "```python\nenergy = photons * efficiency  # a very long comment that must wrap "
        "on a phone rather than push the page sideways\n```\n",
    }
    lesson.save()
    make_course(topic="Statistics for everyone")
    return Course.objects.with_outline().get(pk=course.pk)


def make_statistics_course() -> Course:
    """The demo statistics course, published: lessons with maths, wide tables
    and long code lines, as a learner reads them."""
    from courses.documents import parse_document
    from courses.management.commands.load_demo_courses import DEMO_DIR
    from courses.services import course_import

    path = next(DEMO_DIR.glob("*statistics*.json"))
    course = course_import(spec=parse_document(path.read_bytes()), publish=True)
    return Course.objects.with_outline().get(pk=course.pk)


def lesson_titled(course: Course, title: str) -> Lesson:
    return next(item for item in course.ordered_items() if item.title == title)


def make_try_finally_course() -> Course:
    """A lesson then two quizzes with explanations; the first quiz's options are
    Markdown (`else`, `except`, `finally`, the right one the third)."""
    course = make_course(topic="Exceptions in Python", modules=1, lessons=1, quizzes=2)
    _, first, second = Course.objects.with_outline().get(pk=course.pk).ordered_items()
    first.set_quiz(
        question="In a `try` statement, which block always runs?",
        options=["`else`", "`except`", "`finally`"],
        answer=3,
        explanation="`finally` runs whether or not an exception was raised.",
    )
    first.save()
    second.set_quiz(
        question=second.question,
        options=second.options,
        answer=second.answer,
        explanation="Beta is the second letter.",
    )
    second.save()
    return Course.objects.with_outline().get(pk=course.pk)


def log_in(page: Any, username: str, password: str) -> None:
    """Log in through the login form, as a person would."""
    page.goto(reverse("login"))
    page.get_by_label("Username or e-mail").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="My courses").wait_for()


def open_site_menu(page: Any) -> None:
    """Open the header's "Menu" where the window is narrow enough to have one
    (phones); wider, the links and the theme toggle are in the header already."""
    button = page.locator(".site-menu > summary")
    if button.is_visible() and not page.locator(".site-menu").evaluate("(menu) => menu.open"):
        button.click()


def link_in(message: Any, path_start: str) -> str:
    """The path and query of the first link in an e-mail that starts with `path_start`."""
    match = re.search(rf"https?://[^/\s]+({re.escape(path_start)}\S*)", message.body)
    assert match, f"no {path_start} link in: {message.body}"
    return match.group(1)


# Search text that once failed on PostgreSQL ("tsquery stack too small": 33
# nested NOTs) or costs a search without finding anything: runs of hyphens,
# websearch operators, quotes, brackets, NUL, Unicode punctuation, and long.
HOSTILE_SEARCHES = [
    "-" * 33,
    "-" * 190,
    "- " * 40,
    "- " * 40 + "python",
    "python " + "-" * 40 + " loops",
    "x <-" * 40,
    "(-" * 60,
    "-(" * 60 + "python",
    '"' * 41,
    '-"' * 60,
    "'" * 40,
    "!" * 40,
    "! " * 40,
    "&|" * 60,
    "(" * 60 + ")" * 60,
    "or " * 40,
    "-or " * 40,
    "\\-" * 60,
    "\x00",
    "python\x00loops",
    "\u2014\u2013\u2010\u2212…“”«»¿¡‽·",  # dashes, hyphen, minus sign
    "、。「」\uff01\uff1f",  # fullwidth ! and ?
    "_" * 40,
    "😀" * 40,
]


def option_position(quiz: Any, user: Any, number: int) -> str:
    """What a quiz's form posts for its option `number`: where `user` sees it
    (each learner sees the options in an order of their own)."""
    from enrollment.pages import option_order

    order = option_order(quiz, user)
    return str(order.index(number) + 1) if number in order else str(number)


def post_answer(client: Any, quiz: Any, number: int, **data: Any) -> Any:
    """Answer option `number` of `quiz` as the client's user would, by clicking it."""
    from django.contrib.auth import SESSION_KEY, get_user_model
    from django.contrib.auth.models import AnonymousUser

    user_id = client.session.get(SESSION_KEY)
    user = get_user_model().objects.get(pk=user_id) if user_id else AnonymousUser()
    option = option_position(quiz, user, number)
    return client.post(quiz.get_absolute_url(), {"option": option, **data})


def finish_course(user: Any, course: Course) -> None:
    """Enroll `user` and do every lesson and quiz of `course` (answered right)."""
    from enrollment.services import enrollment_create, lesson_complete, quiz_answer
    from tests.factories import course_items

    enrollment_create(user=user, course=course)
    for item in course_items(course):
        if isinstance(item, Lesson):
            lesson_complete(user=user, lesson=item)
        else:
            quiz_answer(user=user, activity=item, option_number=item.answer)
