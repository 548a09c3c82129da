"""Write the URL lists the benchmark's many-page loads draw from (bench/run.py).

    manage.py bench_urls --output /tmp/athena-bench/urls

Writes, into the output directory:

- `pages.urls`: every anonymous page of every published course (the course
  page, its module pages, lesson pages and quiz pages), one a line, by kind
  (courses first, then modules, lessons, quizzes), each line padded to the
  same width, so that wrk's script (bench/wrk/report.lua) reads line n by
  seeking to n x width: 5.5 million URLs at 100,000 courses, which no wrk
  thread should hold in memory.
- `zipf.ranks`: the same lines' numbers in a seeded random order, padded the
  same way: line r is the page of popularity rank r + 1 for the Zipf load.
- `walks.json`: for each learner of the learner walk (bench-walker-<n>), the
  pages ahead of them (bench/walks.py).

Prints what it wrote as JSON: the line width, where each kind's lines are,
SAMPLES pages of each kind spread over its lines (of as many courses, where
there are that many), and how many pages each walker has ahead.
"""

from __future__ import annotations

import json
import random
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db.models import Max, QuerySet
from django.urls import reverse

from bench.walks import WALKER_PREFIX, walk_paths
from courses.models import Activity, Course, Lesson, Module

# Rows per round trip when reading millions of them.
CHUNK = 10_000
# Pages of each kind named in the summary: bench/run.py counts queries on them.
SAMPLES = 8


def url_template(name: str, *fields: str) -> str:
    """The URLconf's path for `name` with `fields` as placeholders `{0}`,
    `{1}`, ...: formatted millions of times, where reverse() would take a
    minute."""
    sentinels = {field: 987_650_001 + number for number, field in enumerate(fields)}
    path = reverse(name, kwargs=sentinels)
    for number, value in enumerate(sentinels.values()):
        path = path.replace(str(value), f"{{{number}}}")
    return path


class Command(BaseCommand):
    help = "Write the benchmark's URL lists: every published course's pages, and the walks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", required=True, help="directory to write the lists into")
        parser.add_argument(
            "--seed", type=int, default=12, help="of the Zipf load's popularity order"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        output = Path(options["output"])
        output.mkdir(parents=True, exist_ok=True)
        published = Course.objects.published()
        in_published = {"module__course__status": Course.Status.PUBLISHED}
        course = url_template("courses:course-detail", "course_id")
        module = url_template("courses:module-detail", "course_id", "module_id")
        lesson = url_template("courses:lesson-detail", "course_id", "module_id", "lesson_id")
        quiz = url_template("courses:activity-detail", "course_id", "module_id", "activity_id")
        kinds: list[tuple[str, str, QuerySet]] = [
            ("course", course, published.order_by("pk").values_list("pk")),
            (
                "module",
                module,
                Module.objects.filter(course__status=Course.Status.PUBLISHED)
                .order_by("pk")
                .values_list("course_id", "pk"),
            ),
            (
                "lesson",
                lesson,
                Lesson.objects.filter(**in_published)
                .order_by("pk")
                .values_list("module__course_id", "module_id", "pk"),
            ),
            (
                "quiz",
                quiz,
                Activity.objects.filter(**in_published)
                .order_by("pk")
                .values_list("module__course_id", "module_id", "pk"),
            ),
        ]
        # More digits in a larger id: the longest line is one with the largest ids.
        largest = [
            Course.objects.aggregate(largest=Max("pk"))["largest"] or 0,
            Module.objects.aggregate(largest=Max("pk"))["largest"] or 0,
            max(
                Lesson.objects.aggregate(largest=Max("pk"))["largest"] or 0,
                Activity.objects.aggregate(largest=Max("pk"))["largest"] or 0,
            ),
        ]
        width = 1 + max(len(template.format(*largest)) for _, template, _ in kinds)
        summary: dict[str, Any] = {"width": width, "kinds": {}, "samples": {}}
        total = 0
        with (output / "pages.urls").open("w") as lines:
            for kind, template, rows in kinds:
                first = total
                for path in self.paths(template, rows):
                    lines.write(f"{path:<{width - 1}}\n")
                    total += 1
                summary["kinds"][kind] = [first, total - first]
        with (output / "pages.urls").open() as lines:
            for kind, (first, count) in summary["kinds"].items():
                spread = sorted({first + (count - 1) * n // (SAMPLES - 1) for n in range(SAMPLES)})
                summary["samples"][kind] = [
                    self.line(lines, width, number) for number in spread if count
                ]
        summary["total"] = total
        summary["rank_width"] = self.write_ranks(output / "zipf.ranks", total, options["seed"])
        walks = {
            walker.username: walk_paths(walker)
            for walker in get_user_model()
            .objects.filter(username__startswith=WALKER_PREFIX)
            .order_by("pk")
        }
        (output / "walks.json").write_text(json.dumps(walks))
        summary["walks"] = {username: len(paths) for username, paths in walks.items()}
        self.stdout.write(json.dumps(summary))

    def line(self, lines: TextIO, width: int, number: int) -> str:
        lines.seek(number * width)
        return lines.read(width).strip()

    def paths(self, template: str, rows: QuerySet) -> Iterator[str]:
        for row in rows.iterator(chunk_size=CHUNK):
            yield template.format(*row)

    def write_ranks(self, path: Path, total: int, seed: int) -> int:
        """Line numbers 0 .. total - 1 in a seeded random order, padded to one
        width (which it returns)."""
        order = array("L", range(total))
        random.Random(seed).shuffle(order)  # noqa: S311 - an order, not a secret
        width = 1 + len(str(max(total - 1, 0)))
        with path.open("w") as lines:
            for start in range(0, total, CHUNK):
                lines.write("".join(f"{n:>{width - 1}}\n" for n in order[start : start + CHUNK]))
        return width
