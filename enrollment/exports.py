"""The course report's figures as CSV: one file, one tidy table (a row per
figure, item, option and measure), what a spreadsheet filters and pivots.
See docs/reports.md."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import slugify

from courses.models import Course
from enrollment.selectors import CourseStatistics

COLUMNS = [
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
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """A text cell a spreadsheet shows as text, never runs: one starting like
    a formula gets a leading apostrophe. Numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def course_report_rows(report: CourseStatistics) -> Iterator[list[Any]]:
    """The report's figures as rows of COLUMNS: the funnel, drop-off by item
    in course order, each quiz's success and each quiz's first answers by
    option (options by their number in the quiz as written)."""
    for measure in ("enrolled", "started", "finished"):
        yield ["funnel", "", "", "", "", "", "", "", measure, getattr(report, measure)]
    positions = {}
    for position, row in enumerate(report.items, start=1):
        positions[row.item.key] = position
        place = ["drop-off", position, row.module_title, row.kind, row.item.title, "", "", ""]
        yield [*place, "completed", row.completed]
        if row.answered is not None:
            yield [*place, "answered", row.answered]
    for quiz in report.quizzes:
        activity = quiz.activity
        place = [positions.get(activity.key, ""), activity.module.title, "quiz", activity.title]
        for measure, value in (
            ("learners", quiz.learners),
            ("right_first_try", quiz.right_first),
            ("right_in_the_end", quiz.right_in_the_end),
            ("attempts", quiz.attempts),
            ("correct_attempts", quiz.correct),
        ):
            yield ["quiz success", *place, "", "", "", measure, value]
        for option in quiz.options:
            yield [
                "option choices",
                *place,
                option.number,
                "" if option.removed else option.text,
                "yes" if option.is_answer else "no",
                "first_answers",
                option.chosen,
            ]


def course_report_csv(*, course: Course, report: CourseStatistics) -> HttpResponse:
    """The report as a CSV download named after the course and today's date."""
    name = f"{slugify(course.topic)[:60] or 'course'}-{course.pk}-report-{timezone.localdate()}.csv"
    response = HttpResponse(
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": content_disposition_header(True, name)},
    )
    writer = csv.writer(response)
    writer.writerow(COLUMNS)
    for row in course_report_rows(report):
        writer.writerow([spreadsheet_safe(cell) for cell in row])
    return response
