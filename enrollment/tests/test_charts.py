"""The SVG charts: bars that scale to the largest value, escaped labels, a
title and description for screen readers, a sentence when there is nothing
to draw."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

from enrollment.charts import Column, Row, Series, bar_chart, column_chart, weekly_progress_chart
from enrollment.selectors import WeekCount

SVG = "{http://www.w3.org/2000/svg}"
ONE = [Series("Learners", "learners")]


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))  # noqa: S314 - markup this project made


def bars(svg: ET.Element) -> list[ET.Element]:
    return [rect for rect in svg.iter(f"{SVG}rect") if "athena-chart__bar " in rect.get("class")]


def shown(text: ET.Element) -> str:
    """What a text element shows: its own text, not its tooltip's."""
    return (text.text or "") + "".join(child.tail or "" for child in text)


def test_bars_scale_to_the_largest_value_and_say_their_values():
    svg = parse(
        bar_chart(
            chart_id="chart-test",
            title="Learners",
            description="Ten, five and none.",
            rows=[Row("Enrolled", [10]), Row("Started", [5]), Row("Finished", [0])],
            series=ONE,
        )
    )
    widths = [float(bar.get("width")) for bar in bars(svg)]
    assert widths[0] > 0
    assert widths == [widths[0], widths[0] / 2, 0]
    assert [bar.get("data-value") for bar in bars(svg)] == ["10", "5", "0"]
    labels = [
        shown(text) for text in svg.iter(f"{SVG}text") if text.get("class") == "athena-chart__label"
    ]
    assert labels == ["Enrolled", "Started", "Finished"]
    # Named and described for screen readers.
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "chart-test-title chart-test-desc"
    assert svg.find(f"{SVG}title").text == "Learners"
    assert svg.find(f"{SVG}desc").text == "Ten, five and none."
    assert "style" not in str(ET.tostring(svg))


def test_several_series_draw_a_bar_each_per_row_with_a_legend():
    svg = parse(
        bar_chart(
            chart_id="chart-pairs",
            title="Quizzes",
            description="Two per quiz.",
            rows=[Row("Quiz A", [1, 4], texts=["1 of 4", "4 of 4"]), Row("Quiz B", [2, 2])],
            series=[Series("Right first try", "first"), Series("Right in the end", "eventual")],
        )
    )
    classes = [bar.get("class").split()[-1] for bar in bars(svg)]
    assert classes == ["athena-chart__bar--first", "athena-chart__bar--eventual"] * 2
    texts = [text.text for text in svg.iter(f"{SVG}text")]
    assert {"Right first try", "Right in the end", "1 of 4", "4 of 4"} <= set(texts)


def test_labels_are_escaped_and_long_ones_shortened():
    label = "<script>alert(1)</script> & a very long title that goes on and on and on"
    markup = str(
        bar_chart(
            chart_id="chart-x",
            title="<b>T</b>",
            description="D",
            rows=[Row(label, [3])],
            series=ONE,
        )
    )
    assert "<script>" not in markup
    assert "<b>" not in markup
    svg = parse(markup)  # well-formed XML
    label_text = next(svg.iter(f"{SVG}text"))
    assert label_text.find(f"{SVG}title").text == label  # the whole label as a tooltip
    assert shown(label_text).endswith("…")
    assert len(shown(label_text)) <= 42


def test_nothing_to_draw_is_a_sentence_not_a_division_by_zero():
    empty = bar_chart(
        chart_id="chart-none",
        title="Learners",
        description="",
        rows=[Row("Enrolled", [0]), Row("Started", [0])],
        series=ONE,
    )
    assert str(empty) == '<p class="athena-chart-empty">No learners yet.</p>'
    assert "No answers" in column_chart(
        chart_id="c", title="t", description="d", columns=[], empty="No answers"
    )


def test_columns_grow_upwards_from_one_baseline():
    svg = parse(
        column_chart(
            chart_id="chart-columns",
            title="Per week",
            description="d",
            columns=[Column(4, "1 Jan", "4"), Column(0, "", "0"), Column(2, "", "2")],
            empty="None",
        )
    )
    heights = [float(bar.get("height")) for bar in bars(svg)]
    assert heights == [heights[0], 0, heights[0] / 2]
    bottoms = {round(float(bar.get("y")) + float(bar.get("height")), 1) for bar in bars(svg)}
    assert len(bottoms) == 1


def test_the_weekly_chart_labels_every_third_week_ending_with_this_one():
    weeks = [
        WeekCount(start=date(2026, 9, 14), completed=0),
        WeekCount(start=date(2026, 9, 21), completed=1),
        WeekCount(start=date(2026, 9, 28), completed=3),
        WeekCount(start=date(2026, 10, 5), completed=1),
    ]
    svg = parse(weekly_progress_chart(weeks))
    assert [bar.get("data-value") for bar in bars(svg)] == ["0", "1", "3", "1"]
    small = [text.text for text in svg.iter(f"{SVG}text") if "small" in text.get("class")]
    assert small == ["14 Sep", "5 Oct"]
    assert svg.find(f"{SVG}desc").text == (
        "5 items completed in the last 4 weeks; the most, 3, in the week of 28 September."
    )
    nothing = weekly_progress_chart([WeekCount(start=date(2026, 1, 5), completed=0)])
    assert "Nothing completed in the last 1 week." in nothing
