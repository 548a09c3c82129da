"""Fill a throwaway database with a large catalog for the benchmark (bench/).

    manage.py seed_catalog --courses 10000 --learners 2000

Adds courses until the database holds N of them (so a run can grow one
database 1,000 -> 10,000 -> 100,000), each with MODULES modules of ITEMS items
(lessons of realistic Markdown with headings, code and tables, and quizzes),
then learners with enrollments, lesson completions and quiz attempts. With
--bench-password, the benchmark's own accounts too, and with --walkers the
learners of its learner walk (bench/walks.py), each enrolled in enough courses
to have --walk-items pages ahead of them that they have never opened.

Rows go in through PostgreSQL's COPY (psycopg 3 `cursor.copy`), a few hundred
thousand a second; other databases (the tests' SQLite) get plain INSERTs.
Never run it against a database that matters: it writes raw rows.
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from bench.walks import walk_paths, walker_name
from courses.models import Activity, Course, Lesson, Module
from courses.rendering import RENDERER_VERSION, render_markdown_uncached
from enrollment.models import Enrollment, LessonCompletion, QuizAttempt, ResumePoint
from enrollment.pages import option_order

SUBJECTS = [
    "Python", "SQL", "PostgreSQL", "Git", "HTTP", "Statistics", "Linear Algebra", "Rust",
    "Django", "Photosynthesis", "Personal Finance", "Typography", "Networking", "Docker",
    "Cryptography", "Calculus", "Spanish Grammar", "Music Theory", "Climate Science", "Go",
]  # fmt: skip
ANGLES = [
    "Introduction to", "Practical", "Advanced", "A Tour of", "Foundations of",
    "Hands-on", "Deep Dive into", "Everyday",
]  # fmt: skip
LEVELS = ["beginner", "intermediate", "advanced"]
DURATIONS = ["short", "medium", "long"]
FOCUSES = ["broad", "in-depth"]

LESSON_TEMPLATE = """# {title}

{subject} rewards a careful first step. This lesson walks through one idea at a
time, with an example you can run and a table to keep.

## Why it matters

Most problems in {subject} come back to a handful of patterns. Knowing them
saves hours: you **recognise** the shape of a problem before you solve it.

## An example

```python
def summarise(values: list[float]) -> dict[str, float]:
    total = sum(values)
    return {{"count": len(values), "mean": total / len(values)}}

print(summarise([3, 5, 8, 13]))
```

| Step | What happens | Cost |
|------|--------------|------|
| 1 | read the input | O(n) |
| {n} | summarise | O(1) |

## Try it

1. Change the input and predict the output first.
2. Explain the result to someone else, in one sentence.

> Tip: write down what surprised you; it is what you will remember.
"""


def _bar(label: str, done: int, total: int, started: float) -> None:
    """A one-line progress bar on stderr (no dependency)."""
    width = 30
    filled = int(width * done / total) if total else width
    rate = done / max(time.monotonic() - started, 1e-6)
    sys.stderr.write(
        f"\r{label:<12} [{'#' * filled}{'.' * (width - filled)}] "
        f"{done:>9,}/{total:,} {rate:>9,.0f}/s"
    )
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def _copy_text(value: Any) -> str:
    """One field in COPY's text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class Writer:
    """Writes rows to a table: COPY on PostgreSQL, INSERT elsewhere."""

    def __init__(self, *, progress: bool) -> None:
        self.progress = progress

    def write(
        self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], total: int
    ) -> int:
        started = shown = time.monotonic()
        written = 0
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # The rows are consistent by construction: skip the foreign-key
                # triggers for this transaction (needs a superuser, as a
                # throwaway benchmark database has).
                cursor.execute("SET LOCAL session_replication_role = replica")
                raw = cursor.cursor  # psycopg's own cursor, for copy()
                with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write("\t".join(_copy_text(v) for v in row) + "\n")
                        written += 1
                        if self.progress and not written % 1000 and time.monotonic() - shown > 0.5:
                            shown = time.monotonic()
                            _bar(table, written, total, started)
            else:
                placeholders = ", ".join(["%s"] * len(columns))
                batch: list[Sequence[Any]] = []
                sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"
                for row in rows:
                    batch.append([json.dumps(v) if isinstance(v, dict | list) else v for v in row])
                    written += 1
                    if len(batch) >= 2000:
                        cursor.executemany(sql, batch)
                        batch = []
                if batch:
                    cursor.executemany(sql, batch)
        if self.progress:
            _bar(table, written, total or written, started)
        return written


def _timestamp(moment: datetime) -> str:
    """A timestamp as each database stores it (SQLite: UTC without offset)."""
    if connection.vendor == "postgresql":
        return moment.isoformat()
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _next_id(model: type) -> int:
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX({pk}), 0) FROM {model._meta.db_table}")
        return cursor.fetchone()[0] + 1


def _reset_sequences(models: Iterable[type]) -> None:
    if connection.vendor != "postgresql":
        return  # SQLite's rowid continues after the largest id by itself
    with connection.cursor() as cursor:
        for model in models:
            table, pk = model._meta.db_table, model._meta.pk.column
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{pk}'), "
                f"COALESCE((SELECT MAX({pk}) FROM {table}), 0) + 1, false)"
            )


def _item_count(metadata: dict[str, Any]) -> int:
    """A course's lessons and quizzes, from the counts its metadata keeps."""
    count = metadata.get("count", {})
    return count.get("lessons", 0) + count.get("activities", 0)


class Command(BaseCommand):
    help = "Seed a throwaway database with N courses and M learners (benchmark data)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--courses", type=int, required=True, help="courses in all, afterwards")
        parser.add_argument(
            "--learners", type=int, default=2000, help="learners in all, afterwards"
        )
        parser.add_argument("--modules", type=int, default=6)
        parser.add_argument(
            "--items", type=int, default=8, help="items per module (every 4th a quiz)"
        )
        parser.add_argument("--enrollments-per-learner", type=int, default=5)
        parser.add_argument("--seed", type=int, default=12)
        parser.add_argument(
            "--bench-password",
            default="",
            help="also create bench-learner (enrolled, with progress) and bench-staff "
            "(superuser) with this password, and print the benchmark's target ids as JSON",
        )
        parser.add_argument(
            "--walkers",
            type=int,
            default=0,
            help="with --bench-password, also create the learner walk's learners "
            "(bench-walker-0, ...) with that password",
        )
        parser.add_argument(
            "--walk-items",
            type=int,
            default=0,
            help="enroll each walker in more published courses until this many lesson "
            "and quiz pages they have never opened are ahead of them",
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        self.random = random.Random(options["seed"])
        self.writer = Writer(progress=not options["no_progress"])
        self.now = timezone.now()
        with transaction.atomic():
            self.add_courses(options["courses"], options["modules"], options["items"])
            self.add_learners(options["learners"], options["enrollments_per_learner"])
            _reset_sequences(
                [Course, Module, Lesson, Activity, Enrollment, LessonCompletion, QuizAttempt]
            )
            targets = (
                self.bench_users(options["bench_password"]) if options["bench_password"] else None
            )
            if options["bench_password"] and options["walkers"]:
                self.bench_walkers(
                    options["bench_password"], options["walkers"], options["walk_items"]
                )
        if connection.vendor == "postgresql":
            # VACUUM as well as ANALYZE: after millions of inserted rows
            # autovacuum would otherwise vacuum these tables in the minutes
            # that follow, taking a core from whatever is measured then, and
            # the GIN search indexes would read their pending lists. VACUUM
            # cannot run in a transaction (a test's): ANALYZE alone there.
            tables = (
                "courses modules lessons activities user_courses lesson_completions quiz_attempts"
            )
            command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
            with connection.cursor() as cursor:
                for table in tables.split():
                    cursor.execute(f"{command} {table}")
        if targets is not None:
            self.stdout.write(json.dumps(targets))

    # Courses, modules, lessons and quizzes.

    def add_courses(self, wanted: int, module_count: int, item_count: int) -> None:
        existing = Course.objects.count()
        new = max(wanted - existing, 0)
        if not new:
            return
        first_course, first_module = _next_id(Course), _next_id(Module)
        first_lesson, first_activity = _next_id(Lesson), _next_id(Activity)
        quiz_slots = [n for n in range(1, item_count + 1) if n % 4 == 0]
        lessons_per_module = item_count - len(quiz_slots)
        counts = json.dumps(
            {
                "count": {
                    "modules": module_count,
                    "lessons": module_count * lessons_per_module,
                    "activities": module_count * len(quiz_slots),
                }
            }
        )
        rnd = self.random
        # A pool of lesson bodies and quizzes, shared by all courses: realistic
        # text, rendered to HTML once each (the renderer caches by content).
        lesson_pool = [
            json.dumps(
                {
                    "type": "MARKDOWN",
                    "value": LESSON_TEMPLATE.format(
                        title=f"{subject}: part {n}", subject=subject, n=n + 2
                    ),
                }
            )
            for subject in SUBJECTS
            for n in range(1, 4)
        ]
        # Their HTML, as the services store it with each lesson.
        html_pool = [render_markdown_uncached(json.loads(body)["value"]) for body in lesson_pool]
        quiz_pool = [
            json.dumps(
                {
                    "question": f"Which statement about {subject} is true? ({n})",
                    "options": [f"{subject} option {k}" for k in range(1, 5)],
                    "answer": 1 + n % 4,
                    "explanation": f"Option {1 + n % 4} follows from the module's **example**.",
                }
            )
            for subject in SUBJECTS
            for n in range(4)
        ]
        span = timedelta(days=730).total_seconds()
        created = [self.now - timedelta(seconds=rnd.random() * span) for _ in range(new)]
        created.sort()  # ids grow with creation dates, as in real life
        now = _timestamp(self.now)

        def module_title(course_id: int, m: int) -> str:
            subject = SUBJECTS[course_id % len(SUBJECTS)]
            return f"{subject} module {m + 1}: {ANGLES[m % len(ANGLES)]} the basics"

        def outline(n: int) -> str:
            """The outline the services would store (courses.outline), from the
            ids the rows below are given."""
            modules = []
            for m in range(module_count):
                module = n * module_count + m
                lesson_id = first_lesson + module * lessons_per_module
                activity_id = first_activity + module * len(quiz_slots)
                items = []
                for order in range(1, item_count + 1):
                    if order in quiz_slots:
                        items.append(
                            ["activity", activity_id, f"Check your understanding {order // 4}"]
                        )
                        activity_id += 1
                    else:
                        items.append(["lesson", lesson_id, f"Lesson {order}"])
                        lesson_id += 1
                modules.append(
                    {
                        "id": first_module + module,
                        "title": module_title(first_course + n, m),
                        "description": f"What module {m + 1} covers.",
                        "order": m + 1,
                        "items": items,
                    }
                )
            return json.dumps({"modules": modules})

        def courses() -> Iterator[tuple]:
            for n in range(new):
                course_id = first_course + n
                subject = SUBJECTS[course_id % len(SUBJECTS)]
                angle = ANGLES[(course_id // len(SUBJECTS)) % len(ANGLES)]
                preferences = {
                    "level": rnd.choice(LEVELS),
                    "duration": rnd.choice(DURATIONS),
                    "focus": rnd.choice(FOCUSES),
                }
                published = rnd.random() < 0.95
                description = (
                    f"A course on **{subject}**: {angle.lower()} the ideas, with examples "
                    f"and quizzes. Course number {course_id}."
                )
                yield (
                    course_id,
                    f"{angle} {subject} {course_id}",
                    description,
                    render_markdown_uncached(description),
                    RENDERER_VERSION,
                    json.dumps(preferences),
                    counts,
                    "published" if published else "draft",
                    _timestamp(created[n]) if published else None,
                    "after_correct",
                    _timestamp(created[n]),
                    now,
                    outline(n),
                )

        self.writer.write(
            "courses",
            [
                "course_id",
                "topic",
                "description",
                "description_html",
                "description_html_renderer",
                "preferences",
                "metadata",
                "status",
                "published_at",
                "answer_reveal",
                "created_at",
                "updated_at",
                "outline",
            ],
            courses(),
            new,
        )

        def modules() -> Iterator[tuple]:
            for n in range(new):
                course_id = first_course + n
                for m in range(module_count):
                    yield (
                        first_module + n * module_count + m,
                        course_id,
                        module_title(course_id, m),
                        f"What module {m + 1} covers.",
                        "{}",
                        m + 1,
                        now,
                        now,
                    )

        self.writer.write(
            "modules",
            [
                "module_id",
                "course_id",
                "title",
                "description",
                "metadata",
                "module_order",
                "created_at",
                "updated_at",
            ],
            modules(),
            new * module_count,
        )

        def lessons() -> Iterator[tuple]:
            lesson_id = first_lesson
            for module in range(new * module_count):
                module_id = first_module + module
                for order in range(1, item_count + 1):
                    if order in quiz_slots:
                        continue
                    yield (
                        lesson_id,
                        module_id,
                        f"Lesson {order}",
                        order,
                        lesson_pool[(module + order) % len(lesson_pool)],
                        html_pool[(module + order) % len(lesson_pool)],
                        RENDERER_VERSION,
                        now,
                        now,
                    )
                    lesson_id += 1

        self.writer.write(
            "lessons",
            [
                "lesson_id",
                "module_id",
                "title",
                "display_order",
                "content",
                "content_html",
                "content_html_renderer",
                "created_at",
                "updated_at",
            ],
            lessons(),
            new * module_count * lessons_per_module,
        )

        def activities() -> Iterator[tuple]:
            activity_id = first_activity
            for module in range(new * module_count):
                for order in quiz_slots:
                    yield (
                        activity_id,
                        first_module + module,
                        "quiz",
                        f"Check your understanding {order // 4}",
                        order,
                        quiz_pool[(module + order) % len(quiz_pool)],
                        now,
                        now,
                    )
                    activity_id += 1

        self.writer.write(
            "activities",
            [
                "activity_id",
                "module_id",
                "type",
                "title",
                "display_order",
                "content",
                "created_at",
                "updated_at",
            ],
            activities(),
            new * module_count * len(quiz_slots),
        )

    # Learners and their progress.

    def add_learners(self, wanted: int, per_learner: int) -> None:
        User = get_user_model()
        existing = User.objects.filter(username__startswith="learner-").count()
        new = max(wanted - existing, 0)
        if not new:
            return
        password = make_password(None)  # unusable: seeded learners never log in
        start = existing
        User.objects.bulk_create(
            [
                User(
                    username=f"learner-{start + n}",
                    email=f"learner-{start + n}@example.com",
                    password=password,
                )
                for n in range(new)
            ],
            batch_size=2000,
        )
        user_ids = list(
            User.objects.filter(username__startswith="learner-")
            .order_by("-pk")
            .values_list("pk", flat=True)[:new]
        )
        published = list(
            Course.objects.published().order_by("-created_at").values_list("pk", flat=True)[:5000]
        )
        rnd = self.random
        chosen = {
            user_id: rnd.sample(published, min(per_learner, len(published))) for user_id in user_ids
        }
        first_enrollment = _next_id(Enrollment)
        week = timedelta(days=7).total_seconds()

        def enrollments() -> Iterator[tuple]:
            n = 0
            for user_id, course_ids in chosen.items():
                for course_id in course_ids:
                    at = _timestamp(self.now - timedelta(seconds=rnd.random() * week))
                    yield (first_enrollment + n, user_id, course_id, at, at)
                    n += 1

        self.writer.write(
            "user_courses",
            ["enrollment_id", "user_id", "course_id", "enrolled_at", "last_accessed_at"],
            enrollments(),
            sum(len(ids) for ids in chosen.values()),
        )
        # Progress in the first course of each learner: its first module's lessons
        # done and one attempt on each of its quizzes.
        first_courses = {course_ids[0] for course_ids in chosen.values() if course_ids}
        first_module = dict(
            Module.objects.filter(course_id__in=first_courses, module_order=1).values_list(
                "course_id", "pk"
            )
        )
        lessons: dict[int, list[int]] = {}
        for module_id, lesson_id in Lesson.objects.filter(
            module_id__in=first_module.values()
        ).values_list("module_id", "pk"):
            lessons.setdefault(module_id, []).append(lesson_id)
        quizzes: dict[int, list[tuple[int, int]]] = {}
        for module_id, activity_id, content in Activity.objects.filter(
            module_id__in=first_module.values()
        ).values_list("module_id", "pk", "content"):
            quizzes.setdefault(module_id, []).append((activity_id, int(content.get("answer", 1))))
        now = _timestamp(self.now)
        completions: list[tuple] = []
        attempts: list[tuple] = []
        next_completion, next_attempt = _next_id(LessonCompletion), _next_id(QuizAttempt)
        for user_id, course_ids in chosen.items():
            if not course_ids:
                continue
            module_id = first_module.get(course_ids[0])
            for lesson_id in lessons.get(module_id, []):
                completions.append((next_completion + len(completions), user_id, lesson_id, now))
            for activity_id, answer in quizzes.get(module_id, []):
                option = answer if rnd.random() < 0.7 else 1 + answer % 4
                attempts.append(
                    (
                        next_attempt + len(attempts),
                        user_id,
                        activity_id,
                        option,
                        option == answer,
                        now,
                    )
                )
        self.writer.write(
            "lesson_completions",
            ["id", "user_id", "lesson_id", "completed_at"],
            completions,
            len(completions),
        )
        self.writer.write(
            "quiz_attempts",
            ["id", "user_id", "activity_id", "chosen_option", "is_correct", "attempted_at"],
            attempts,
            len(attempts),
        )

    # The benchmark's own accounts and the pages it asks for.

    def bench_users(self, password: str) -> dict[str, Any]:
        User = get_user_model()
        learner, _ = User.objects.get_or_create(
            username="bench-learner", defaults={"email": "bench-learner@example.com"}
        )
        learner.set_password(password)
        learner.save()
        staff, _ = User.objects.get_or_create(
            username="bench-staff",
            defaults={"email": "bench-staff@example.com", "is_staff": True, "is_superuser": True},
        )
        staff.set_password(password)
        staff.save()
        # The newest published course: on the first catalog page, as visitors find it.
        course = Course.objects.published().order_by("-created_at", "-course_id").first()
        modules = list(Module.objects.filter(course=course).order_by("module_order"))
        module = modules[0]
        lessons = list(Lesson.objects.filter(module=module).order_by("display_order"))
        quiz = Activity.objects.filter(module=module).order_by("display_order").first()
        Enrollment.objects.get_or_create(user=learner, course=course)
        for lesson in lessons[:3]:
            LessonCompletion.objects.get_or_create(user=learner, lesson=lesson)
        if not QuizAttempt.objects.filter(user=learner, activity=quiz).exists():
            QuizAttempt.objects.create(
                user=learner, activity=quiz, chosen_option=1 + quiz.answer % 4, is_correct=False
            )
        ResumePoint.objects.update_or_create(
            user=learner, course=course, defaults={"lesson": lessons[0]}
        )
        # A few more enrollments, so the dashboard lists several courses: five
        # in all at every catalog size, so the dashboard does the same work.
        others = list(Course.objects.published().exclude(pk=course.pk).order_by("-created_at")[:4])
        for other in others:
            Enrollment.objects.get_or_create(user=learner, course=other)
        Enrollment.objects.filter(user=learner).exclude(course__in=[course, *others]).delete()
        return {
            "course_id": course.pk,
            "module_id": module.pk,
            "lesson_id": lessons[1].pk,
            "activity_id": quiz.pk,
            # What the learner's quiz form posts for the right answer: where
            # they see it (enrollment.pages.option_order).
            "quiz_answer": option_order(quiz, learner).index(quiz.answer) + 1,
            "subject": course.topic.split()[-2].lower(),
            "published": Course.objects.published().count(),
        }

    def bench_walkers(self, password: str, count: int, wanted: int) -> None:
        """Learners for the learner walk, each with at least `wanted` unseen
        pages ahead (or every published course, if that is fewer): more
        courses are added after those they have, so a walk already under way
        keeps its order."""
        User = get_user_model()
        encoded = make_password(password)  # hashed once: the hash is what is slow
        walkers = []
        for number in range(count):
            walker, _ = User.objects.get_or_create(
                username=walker_name(number),
                defaults={"email": f"{walker_name(number)}@example.com"},
            )
            walker.password = encoded
            walker.save(update_fields=["password"])
            walkers.append(walker)
        published = Course.objects.published().order_by("pk").values_list("pk", "metadata")
        sizes = {course_id: _item_count(metadata) for course_id, metadata in published}
        added = []
        for walker in walkers:
            ahead = len(walk_paths(walker))
            enrolled = set(
                Enrollment.objects.filter(user=walker).values_list("course_id", flat=True)
            )
            candidates = [course_id for course_id in sizes if course_id not in enrolled]
            self.random.shuffle(candidates)
            for course_id in candidates:
                if ahead >= wanted:
                    break
                added.append(Enrollment(user=walker, course_id=course_id))
                ahead += sizes[course_id]
        # Ids follow this list, and a walk takes a walker's courses by id.
        Enrollment.objects.bulk_create(added, batch_size=2000)
