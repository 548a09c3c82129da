"""The course report as pictures and as CSV, and the learner's progress per
week: the figures from real answers, the bars drawn for them, who may read
them."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta
from http import HTTPStatus

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from courses.documents import validate_document
from courses.models import Course
from courses.services import course_import
from enrollment.models import LessonCompletion, QuizAttempt
from enrollment.selectors import course_statistics, weekly_progress
from enrollment.services import enrollment_create, lesson_complete, quiz_answer
from tests.factories import course_document, course_items, logged_in, make_course, make_user

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


def charts(html: str) -> dict[str, ET.Element]:
    """The page's SVG charts by id."""
    found = {}
    for markup in re.findall(r'<svg class="athena-chart".*?</svg>', html, flags=re.DOTALL):
        svg = ET.fromstring(markup)  # noqa: S314 - markup this project made
        found[svg.get("id")] = svg
    return found


def bar_values(svg: ET.Element) -> list[int]:
    return [
        int(rect.get("data-value"))
        for rect in svg.iter(f"{SVG}rect")
        if "athena-chart__bar " in rect.get("class")
    ]


def bar_labels(svg: ET.Element) -> list[str]:
    return [
        text.find(f"{SVG}title").text
        for text in svg.iter(f"{SVG}text")
        if text.get("class") == "athena-chart__label"
    ]


@pytest.fixture
def taken_course() -> Course:
    """Lesson 1.1, Quiz 1.1 (right answer: option 2, "Beta"), Lesson 1.2; four
    learners: one finished (wrong, then right), one right at first, one wrong,
    one idle."""
    course = make_course(topic="Charted course", modules=1, lessons=2, quizzes=1)
    first, quiz, last = course_items(course)
    finisher, quick, wrong, idle = (make_user() for _ in range(4))
    for learner in (finisher, quick, wrong, idle):
        enrollment_create(user=learner, course=course)
    lesson_complete(user=finisher, lesson=first)
    quiz_answer(user=finisher, activity=quiz, option_number=1)
    quiz_answer(user=finisher, activity=quiz, option_number=2)
    lesson_complete(user=finisher, lesson=last)
    lesson_complete(user=quick, lesson=first)
    quiz_answer(user=quick, activity=quiz, option_number=2)
    quiz_answer(user=quick, activity=quiz, option_number=3)  # a later slip counts not
    quiz_answer(user=wrong, activity=quiz, option_number=1)
    return course


@pytest.fixture
def superuser_client():
    return logged_in(make_user(is_staff=True, is_superuser=True))


def report_url(course: Course) -> str:
    return reverse("admin:enrollment_coursereport_change", args=[course.pk])


def export_url(course: Course) -> str:
    return reverse("admin:enrollment_coursereport_export", args=[course.pk])


def test_the_figures_count_first_answers_by_option_number(taken_course):
    report = course_statistics(course=Course.objects.get(pk=taken_course.pk))
    assert (report.enrolled, report.started, report.finished) == (4, 3, 1)
    assert [(row.label, row.completed, row.answered) for row in report.items] == [
        ("Lesson: Lesson 1.1", 2, None),
        ("Quiz: Quiz 1.1", 2, 3),
        ("Lesson: Lesson 1.2", 1, None),
    ]
    (quiz,) = report.quizzes
    assert (quiz.learners, quiz.right_first, quiz.right_in_the_end) == (3, 1, 2)
    assert [(option.label, option.chosen, option.is_answer) for option in quiz.options] == [
        ("1. Alpha", 2, False),
        ("2. Beta", 1, True),
        ("3. Gamma", 0, False),
    ]


def test_a_course_row_without_its_outline_still_lists_every_item(
    taken_course, django_assert_num_queries
):
    """A row written round the services (a bulk loader) has no stored outline:
    the items are read in three queries, not one per module."""
    Course.objects.filter(pk=taken_course.pk).update(outline={})
    course = Course.objects.get(pk=taken_course.pk)
    with django_assert_num_queries(7 + 3):
        report = course_statistics(course=course)
    assert [(row.label, row.completed) for row in report.items] == [
        ("Lesson: Lesson 1.1", 2),
        ("Quiz: Quiz 1.1", 2),
        ("Lesson: Lesson 1.2", 1),
    ]


def test_the_report_draws_each_figure_as_bars(superuser_client, taken_course):
    response = superuser_client.get(report_url(taken_course))
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    drawn = charts(html)
    assert set(drawn) == {"chart-funnel", "chart-drop-off", "chart-quiz-success", "chart-options-1"}
    assert bar_values(drawn["chart-funnel"]) == [4, 3, 1]
    assert bar_labels(drawn["chart-funnel"]) == ["Enrolled", "Started", "Finished"]
    assert bar_values(drawn["chart-drop-off"]) == [2, 2, 1]
    assert bar_labels(drawn["chart-drop-off"]) == [
        "Lesson: Lesson 1.1",
        "Quiz: Quiz 1.1",
        "Lesson: Lesson 1.2",
    ]
    assert bar_values(drawn["chart-quiz-success"]) == [1, 2]  # first try, in the end
    options = drawn["chart-options-1"]
    assert bar_values(options) == [2, 1, 0]
    assert bar_labels(options) == ["1. Alpha", "2. Beta (right answer)", "3. Gamma"]
    right = [rect for rect in options.iter(f"{SVG}rect") if "--right" in rect.get("class")]
    assert [rect.get("data-value") for rect in right] == ["1"]
    # Each chart is named for screen readers, and its figures are in a table too.
    for svg in drawn.values():
        assert svg.get("role") == "img"
        assert svg.find(f"{SVG}title").text
    assert "<td>2. Beta <strong>(right answer)</strong></td><td>1</td>" in html
    assert f'href="{export_url(taken_course)}"' in html
    assert "Ratings" in html


def test_a_course_nobody_took_says_so_and_draws_nothing(superuser_client):
    course = make_course(modules=1, lessons=1, quizzes=1)
    html = superuser_client.get(report_url(course)).content.decode()
    assert "No learners yet." in html
    assert charts(html) == {}
    rows = list(csv.reader(io.StringIO(superuser_client.get(export_url(course)).content.decode())))
    assert ["funnel", "", "", "", "", "", "", "", "enrolled", "0"] in rows


def test_the_export_is_one_csv_of_the_same_figures(superuser_client, taken_course):
    response = superuser_client.get(export_url(taken_course))
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(
        rf'attachment; filename="charted-course-{taken_course.pk}-report-\d{{4}}-\d\d-\d\d\.csv"',
        response["Content-Disposition"],
    )
    header, *rows = csv.reader(io.StringIO(response.content.decode()))
    assert header == [
        "figure",
        "position",
        "module",
        "item_kind",
        "item",
        "option_number",
        "option",
        "right_answer",
        "measure",
        "value",
    ]
    funnel = {row[8]: row[9] for row in rows if row[0] == "funnel"}
    assert funnel == {"enrolled": "4", "started": "3", "finished": "1"}
    drop_off = [(row[1], row[3], row[4], row[8], row[9]) for row in rows if row[0] == "drop-off"]
    assert drop_off == [
        ("1", "lesson", "Lesson 1.1", "completed", "2"),
        ("2", "quiz", "Quiz 1.1", "completed", "2"),
        ("2", "quiz", "Quiz 1.1", "answered", "3"),
        ("3", "lesson", "Lesson 1.2", "completed", "1"),
    ]
    success = {row[8]: row[9] for row in rows if row[0] == "quiz success"}
    assert success == {
        "learners": "3",
        "right_first_try": "1",
        "right_in_the_end": "2",
        "attempts": "5",
        "correct_attempts": "2",
    }
    choices = [
        (row[1], row[5], row[6], row[7], row[9]) for row in rows if row[0] == "option choices"
    ]
    assert choices == [
        ("2", "1", "Alpha", "no", "2"),
        ("2", "2", "Beta", "yes", "1"),
        ("2", "3", "Gamma", "no", "0"),
    ]


def test_the_export_never_hands_a_spreadsheet_a_formula(superuser_client):
    document = course_document(modules=1, lessons=1, quizzes=1)
    quiz = document["modules"][0]["content"][1]
    quiz["quiz_title"] = '=HYPERLINK("http://evil.example")'
    quiz["content"]["options"] = ["+1", "-1", "@SUM(A1)"]
    course = course_import(spec=validate_document(document), publish=True)
    rows = list(csv.reader(io.StringIO(superuser_client.get(export_url(course)).content.decode())))
    cells = {cell for row in rows for cell in row}
    assert '\'=HYPERLINK("http://evil.example")' in cells
    assert {"'+1", "'-1", "'@SUM(A1)"} <= cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)


def test_only_staff_who_may_read_reports_see_the_charts_or_the_export(client, taken_course):
    for url in (report_url(taken_course), export_url(taken_course)):
        # A visitor, and a learner, are sent to the admin's log-in page.
        response = client.get(url)
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"].startswith(reverse("admin:login"))
        response = logged_in(make_user()).get(url)
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"].startswith(reverse("admin:login"))
        # Staff without the report's permission are refused.
        assert logged_in(make_user(is_staff=True)).get(url).status_code == HTTPStatus.FORBIDDEN
    support = make_user(is_staff=True)
    support.groups.add(Group.objects.get(name="Support"))
    support_client = logged_in(support)
    assert support_client.get(export_url(taken_course)).status_code == HTTPStatus.OK
    # A draft's figures stay with course editors, as its report does.
    draft = make_course(publish=False)
    assert support_client.get(export_url(draft)).status_code == HTTPStatus.NOT_FOUND
    assert support_client.get(export_url(Course(pk=999999))).status_code == HTTPStatus.NOT_FOUND
    assert support_client.post(export_url(taken_course)).status_code == (
        HTTPStatus.METHOD_NOT_ALLOWED
    )


def _at(day: date, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()) + timedelta(hours=hour))


def test_weekly_progress_counts_lessons_done_and_quizzes_first_answered_right():
    learner = make_user()
    course = make_course(modules=1, lessons=3, quizzes=2)
    enrollment_create(user=learner, course=course)
    lessons = [item for item in course_items(course) if item.kind == "lesson"]
    quizzes = [item for item in course_items(course) if item.kind == "activity"]
    today = date(2026, 12, 9)  # a Wednesday; its week began on Monday 7 December
    days = [date(2026, 12, 7), date(2026, 12, 6), date(2026, 9, 13)]
    for lesson, day in zip(lessons, days, strict=True):
        LessonCompletion.objects.create(user=learner, lesson=lesson, completed_at=_at(day))
    # The first quiz: wrong on 30 November, right on 1 December, right again
    # this week (counts once, in the week it was first right).
    for day, option in ((date(2026, 11, 30), 1), (date(2026, 12, 1), 2), (date(2026, 12, 8), 2)):
        QuizAttempt.objects.create(
            user=learner,
            activity=quizzes[0],
            chosen_option=option,
            is_correct=option == 2,
            attempted_at=_at(day),
        )
    # The second quiz was first right before the twelve weeks: not counted.
    for day in (date(2026, 9, 1), date(2026, 12, 9)):
        QuizAttempt.objects.create(
            user=learner,
            activity=quizzes[1],
            chosen_option=2,
            is_correct=True,
            attempted_at=_at(day),
        )
    weeks = weekly_progress(user=learner, today=today)
    assert len(weeks) == 12
    assert weeks[0].start == date(2026, 9, 21)
    assert weeks[-1].start == date(2026, 12, 7)
    assert {week.start: week.completed for week in weeks if week.completed} == {
        date(2026, 11, 30): 2,  # the lesson on Sunday 6 December, the quiz on 1 December
        date(2026, 12, 7): 1,
    }


def test_the_dashboard_draws_the_learners_weeks(client, learner):
    course = make_course(modules=1, lessons=2, quizzes=1)
    enrollment_create(user=learner, course=course)
    lesson, quiz, _ = course_items(course)
    lesson_complete(user=learner, lesson=lesson)
    quiz_answer(user=learner, activity=quiz, option_number=2)
    html = client.get(reverse("enrollment:dashboard")).content.decode()
    svg = charts(html)["chart-weekly-progress"]
    assert bar_values(svg) == [0] * 11 + [2]
    assert svg.find(f"{SVG}desc").text.startswith("2 items completed in the last 12 weeks")
    (section,) = re.findall(r'<section class="progress-chart".*?</section>', html, re.DOTALL)
    assert section.count("<tr><td>") == 12  # the same weeks as a table


def test_a_dashboard_with_nothing_done_says_so(client, learner):
    enrollment_create(user=learner, course=make_course())
    html = client.get(reverse("enrollment:dashboard")).content.decode()
    assert "Nothing completed in the last 12 weeks." in html
    assert "athena-chart" not in html.replace("athena-chart-empty", "")
