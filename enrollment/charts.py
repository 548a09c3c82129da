"""Bar charts drawn on the server as inline SVG: no script, no inline style
(the CSP forbids both). Colours come from classes styled by the page's own
stylesheet (static/css/athena.css on learner pages, static/admin-athena/
admin.css in the admin), so both themes apply. Every label is escaped.

Each chart is an `<svg role="img">` named by its `<title>` and described by
its `<desc>`; the page shows the same figures as a table or text as well.
Bars scale to the chart's largest value; a chart whose values are all zero
is a sentence instead ("No learners yet."), never a division by zero."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from enrollment.selectors import CourseStatistics, QuizStatistic, WeekCount

# Horizontal bar chart geometry, in SVG user units (the chart scales down to
# the width of its box: see `.athena-chart` in the stylesheets).
WIDTH = 720
LABEL_RIGHT = 292  # labels end here, right-aligned
BAR_LEFT = 300
BAR_SPACE = 300  # the longest bar; its value (up to ~16 characters) is written after it
BAR_HEIGHT = 14
BAR_GAP = 3
ROW_GAP = 10
LEGEND_HEIGHT = 24
LABEL_CHARS = 42


@dataclass(frozen=True)
class Series:
    """One kind of bar in a chart with several per row ("First try")."""

    name: str
    css: str  # modifier: athena-chart__bar--<css>


@dataclass(frozen=True)
class Row:
    """A labelled row of a horizontal bar chart: one value per series."""

    label: str
    values: Sequence[int]
    # What is written after each bar; the value itself when not given.
    texts: Sequence[str] = ()
    # A modifier for this row's bars instead of the series' (the right option).
    css: str = ""


def _short(label: str, limit: int = LABEL_CHARS) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def _width(value: int, maximum: int, space: float) -> float:
    return round(value * space / maximum, 1) if maximum else 0.0


def _frame(
    *, chart_id: str, title: str, description: str, width: int, height: int, body: SafeString
) -> SafeString:
    return format_html(
        '<svg class="athena-chart" id="{id}" role="img" aria-labelledby="{id}-title {id}-desc"'
        ' viewBox="0 0 {w} {h}" width="{w}" height="{h}" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>{body}</svg>',
        id=chart_id,
        w=width,
        h=height,
        title=title,
        desc=description,
        body=body,
    )


def _empty(text: str) -> SafeString:
    return format_html('<p class="athena-chart-empty">{}</p>', text)


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    rows: Sequence[Row],
    series: Sequence[Series],
    empty: str = "",
) -> SafeString:
    """Horizontal bars, one group per row, every bar scaled to the largest value."""
    maximum = max((value for row in rows for value in row.values), default=0)
    if maximum <= 0:
        return _empty(empty or _("No learners yet."))
    parts = []
    y = 0
    if len(series) > 1:
        x = BAR_LEFT
        for entry in series:
            parts.append(
                format_html(
                    '<rect class="athena-chart__key athena-chart__bar--{}" x="{}" y="4"'
                    ' width="12" height="12"/>'
                    '<text class="athena-chart__text" x="{}" y="14">{}</text>',
                    entry.css,
                    x,
                    x + 16,
                    entry.name,
                )
            )
            x += 24 + 8 * len(str(entry.name))
        y = LEGEND_HEIGHT
    group_height = len(series) * (BAR_HEIGHT + BAR_GAP) - BAR_GAP
    for row in rows:
        parts.append(
            format_html(
                '<text class="athena-chart__label" x="{}" y="{}" text-anchor="end">'
                "<title>{}</title>{}</text>",
                LABEL_RIGHT,
                y + BAR_HEIGHT - 3,
                row.label,
                _short(row.label),
            )
        )
        for index, (entry, value) in enumerate(zip(series, row.values, strict=True)):
            text = row.texts[index] if row.texts else str(value)
            bar_y = y + index * (BAR_HEIGHT + BAR_GAP)
            width = _width(value, maximum, BAR_SPACE)
            parts.append(
                format_html(
                    '<rect class="athena-chart__bar athena-chart__bar--{css}" x="{x}" y="{y}"'
                    ' width="{w}" height="{h}" data-value="{value}">'
                    "<title>{label}, {name}: {text}</title></rect>"
                    '<text class="athena-chart__text" x="{tx}" y="{ty}">{text}</text>',
                    css=row.css or entry.css,
                    x=BAR_LEFT,
                    y=bar_y,
                    w=width,
                    h=BAR_HEIGHT,
                    value=value,
                    label=row.label,
                    name=entry.name,
                    text=text,
                    tx=BAR_LEFT + width + 6,
                    ty=bar_y + BAR_HEIGHT - 3,
                )
            )
        y += group_height + ROW_GAP
    return _frame(
        chart_id=chart_id,
        title=title,
        description=description,
        width=WIDTH,
        height=y,
        body=format_html_join("", "{}", ((part,) for part in parts)),
    )


@dataclass(frozen=True)
class Column:
    """A column of a column chart: its value, a short label (may be empty,
    to leave room) and what it is in words (its tooltip)."""

    value: int
    label: str
    caption: str


# Column chart geometry: small enough for a phone's width.
COLUMN_WIDTH = 360
COLUMN_PAD = 16  # room for the outer columns' labels
COLUMN_TOP = 18  # room for the tallest column's value
COLUMN_SPACE = 90
COLUMN_HEIGHT = COLUMN_TOP + COLUMN_SPACE + 22


def column_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    columns: Sequence[Column],
    empty: str,
) -> SafeString:
    """Vertical columns side by side, scaled to the largest value."""
    maximum = max((column.value for column in columns), default=0)
    if maximum <= 0:
        return _empty(empty)
    slot = (COLUMN_WIDTH - 2 * COLUMN_PAD) / len(columns)
    bar = round(slot * 0.7, 1)
    base = COLUMN_TOP + COLUMN_SPACE
    parts = [
        format_html(
            '<line class="athena-chart__axis" x1="0" y1="{y}" x2="{x}" y2="{y}"/>',
            x=COLUMN_WIDTH,
            y=base,
        )
    ]
    for index, column in enumerate(columns):
        height = _width(column.value, maximum, COLUMN_SPACE)
        left = round(COLUMN_PAD + index * slot + (slot - bar) / 2, 1)
        middle = round(COLUMN_PAD + index * slot + slot / 2, 1)
        parts.append(
            format_html(
                '<rect class="athena-chart__bar athena-chart__bar--done" x="{x}" y="{y}"'
                ' width="{w}" height="{h}" data-value="{value}"><title>{caption}</title></rect>',
                x=left,
                y=round(base - height, 1),
                w=bar,
                h=height,
                value=column.value,
                caption=column.caption,
            )
        )
        if column.value:
            parts.append(
                format_html(
                    '<text class="athena-chart__text" x="{}" y="{}" text-anchor="middle">{}</text>',
                    middle,
                    round(base - height - 4, 1),
                    column.value,
                )
            )
        if column.label:
            parts.append(
                format_html(
                    '<text class="athena-chart__text athena-chart__text--small" x="{}" y="{}"'
                    ' text-anchor="middle">{}</text>',
                    middle,
                    base + 16,
                    column.label,
                )
            )
    return _frame(
        chart_id=chart_id,
        title=title,
        description=description,
        width=COLUMN_WIDTH,
        height=COLUMN_HEIGHT,
        body=format_html_join("", "{}", ((part,) for part in parts)),
    )


# The course report's figures as charts.

# Lazy names: in the language of the page that draws the chart.
FUNNEL = [Series(gettext_lazy("Learners"), "learners")]
DONE = [Series(gettext_lazy("Learners who completed it"), "done")]
SUCCESS = [
    Series(gettext_lazy("Right first try"), "first"),
    Series(gettext_lazy("Right in the end"), "eventual"),
]
CHOICES = [Series(gettext_lazy("First answers"), "choice")]


def funnel_chart(report: CourseStatistics) -> SafeString:
    rows = [
        Row(_("Enrolled"), [report.enrolled]),
        Row(_("Started"), [report.started]),
        Row(_("Finished"), [report.finished]),
    ]
    return bar_chart(
        chart_id="chart-funnel",
        title=_("Learners: enrolled, started, finished"),
        description=ngettext(
            "%(enrolled)d learner enrolled, %(started)d started and %(finished)d finished "
            "the course.",
            "%(enrolled)d learners enrolled, %(started)d started and %(finished)d finished "
            "the course.",
            report.enrolled,
        )
        % {"enrolled": report.enrolled, "started": report.started, "finished": report.finished},
        rows=rows,
        series=FUNNEL,
    )


def drop_off_chart(report: CourseStatistics) -> SafeString:
    rows = [Row(item.label, [item.completed]) for item in report.items]
    first, last = (report.items[0], report.items[-1]) if report.items else (None, None)
    description = (
        ngettext(
            "Learners who completed each of the course's %(count)d lessons and quizzes "
            "in course order, from %(first)d for the first to %(last)d for the last.",
            "Learners who completed each of the course's %(count)d lessons and quizzes "
            "in course order, from %(first)d for the first to %(last)d for the last.",
            len(report.items),
        )
        % {"count": len(report.items), "first": first.completed, "last": last.completed}
        if first and last
        else _("The course has no lessons or quizzes.")
    )
    return bar_chart(
        chart_id="chart-drop-off",
        title=_("Drop-off: learners who completed each item, in course order"),
        description=description,
        rows=rows,
        series=DONE,
    )


def _share(part: int, whole: int, rate: int) -> str:
    # Translators: e.g. "3 of 4 (75%)", learners right out of learners who answered.
    return _("%(part)d of %(whole)d (%(rate)d%%)") % {"part": part, "whole": whole, "rate": rate}


def quiz_success_chart(report: CourseStatistics) -> SafeString:
    rows = [
        Row(
            quiz.activity.title,
            [quiz.right_first, quiz.right_in_the_end],
            texts=[
                _share(quiz.right_first, quiz.learners, quiz.first_try_rate),
                _share(quiz.right_in_the_end, quiz.learners, quiz.eventual_rate),
            ]
            if quiz.learners
            else [_("no answers"), _("no answers")],
        )
        for quiz in report.quizzes
    ]
    return bar_chart(
        chart_id="chart-quiz-success",
        title=_("Quizzes: right first try and right in the end"),
        description=_(
            "For each quiz, the learners whose first answer was right and the learners "
            "right in the end, out of the learners who answered it."
        ),
        rows=rows,
        series=SUCCESS,
        empty=_("No answers yet."),
    )


def option_chart(quiz: QuizStatistic, *, place: int) -> SafeString:
    rows = [
        Row(
            _("%(option)s (right answer)") % {"option": option.label}
            if option.is_answer
            else option.label,
            [option.chosen],
            css="right" if option.is_answer else "",
        )
        for option in quiz.options
    ]
    right = next((option for option in quiz.options if option.is_answer), None)
    return bar_chart(
        chart_id=f"chart-options-{place}",
        title=_("First answers to the quiz %(title)s") % {"title": quiz.activity.title},
        description=_(
            "How many learners chose each option on their first answer; "
            "option %(number)s is the right one."
        )
        % {"number": right.number if right else "?"},
        rows=rows,
        series=CHOICES,
        empty=_("No answers yet."),
    )


def _day_format() -> str:
    # Translators: a date format (Django's `date` filter): day and month, "28 September".
    return pgettext("date format", "j F")


def _short_day_format() -> str:
    # Translators: a date format (Django's `date` filter): day and short month, "28 Sep".
    return pgettext("date format", "j M")


def weekly_progress_chart(weeks: Sequence[WeekCount]) -> SafeString:
    """The learner's completed items per week; the current week is the last."""
    last = len(weeks) - 1
    columns = [
        Column(
            value=week.completed,
            # A label every third week, the current one among them.
            label=date_format(week.start, _short_day_format()) if (last - index) % 3 == 0 else "",
            caption=_("Week of %(date)s: %(count)d completed")
            % {"date": date_format(week.start, _day_format()), "count": week.completed},
        )
        for index, week in enumerate(weeks)
    ]
    total = sum(week.completed for week in weeks)
    best = max(weeks, key=lambda week: week.completed, default=None)
    description = (
        ngettext(
            "%(total)d item completed in the last %(weeks)d weeks; the most, %(best)d, "
            "in the week of %(date)s.",
            "%(total)d items completed in the last %(weeks)d weeks; the most, %(best)d, "
            "in the week of %(date)s.",
            total,
        )
        % {
            "total": total,
            "weeks": len(weeks),
            "best": best.completed,
            "date": date_format(best.start, _day_format()),
        }
        if best and total
        else ""
    )
    return column_chart(
        chart_id="chart-weekly-progress",
        title=ngettext(
            "Items completed per week, last %(weeks)d week",
            "Items completed per week, last %(weeks)d weeks",
            len(weeks),
        )
        % {"weeks": len(weeks)},
        description=description,
        columns=columns,
        empty=ngettext(
            "Nothing completed in the last %(weeks)d week.",
            "Nothing completed in the last %(weeks)d weeks.",
            len(weeks),
        )
        % {"weeks": len(weeks)},
    )
