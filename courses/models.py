"""Course content: courses, their ordered modules, and each module's lessons and
activities, which share one display order.

Table and column names follow docs/data-model.md.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import global_settings, settings
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from athena.links import page_url
from courses.rendering import RENDERER_VERSION, render_markdown, render_markdown_uncached
from courses.search_text import search_words, websearch_text

# Full-text search on PostgreSQL: courses, modules, lessons and quizzes match
# on stored tsvector columns kept by triggers (migrations 0005, 0009 and
# 0021), each with a GIN index, built with the text-search configuration of
# the course's language (`SEARCH_CONFIGS`, stored per row as `search_config`).
# The language (the part of its code before any hyphen) -> PostgreSQL's
# configuration; any other language is searched with `simple` (no stemming,
# no stop words). PostgreSQL 14 and later (what Django 5.2 supports) has them
# all; migration 0021 keeps a copy and maps to `simple` any its database lacks.
SEARCH_CONFIGS: dict[str, str] = {
    "ar": "arabic",
    "ca": "catalan",
    "da": "danish",
    "de": "german",
    "el": "greek",
    "en": "english",
    "es": "spanish",
    "eu": "basque",
    "fi": "finnish",
    "fr": "french",
    "ga": "irish",
    "hi": "hindi",
    "hu": "hungarian",
    "hy": "armenian",
    "id": "indonesian",
    "it": "italian",
    "lt": "lithuanian",
    "nb": "norwegian",
    "ne": "nepali",
    "nl": "dutch",
    "nn": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sr": "serbian",
    "sv": "swedish",
    "ta": "tamil",
    "tr": "turkish",
}


def search_config(language: str) -> str:
    """The text-search configuration of a language code ("pt-br" -> "portuguese")."""
    return SEARCH_CONFIGS.get(language.lower().split("-", 1)[0], "simple")


def _row_column(compiler: Any, column: str) -> str:
    alias = compiler.query.get_initial_alias()
    return f"{compiler.quote_name_unless_alias(alias)}.{column}"


class SearchMatch(models.Expression):
    """Whether the row's (a course's, module's, lesson's or quiz's)
    `search_document` matches `text` searched in the row's own language
    (`search_config`, migration 0021): the GIN index answers the search in
    every configuration at once (`athena_search_query_any`), and each row it
    finds is checked against the search in its own configuration. PostgreSQL
    only; `text` as `websearch_text` makes it."""

    conditional = True

    def __init__(self, text: str) -> None:
        super().__init__(output_field=models.BooleanField())
        self.text = text

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        document = _row_column(compiler, "search_document")
        config = _row_column(compiler, "search_config")
        return (
            f"({document} @@ athena_search_query_any(%s)"
            f" AND {document} @@ athena_search_query({config}, %s))",
            [self.text, self.text],
        )


class SearchMatchRank(models.Expression):
    """`ts_rank` of a course's topic and description for `text` searched in
    the course's language: an English course ranks as it always did."""

    def __init__(self, text: str) -> None:
        super().__init__(output_field=FloatField())
        self.text = text

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        document = _row_column(compiler, "search_document")
        config = _row_column(compiler, "search_config")
        return f"ts_rank({document}, athena_search_query({config}, %s))", [self.text]


# What a match inside a course adds to its rank. A topic match alone ranks
# about 0.06 (`ts_rank` of one weight-A word), a description match 0.024, so
# these keep inner matches below the topic even all together.
MODULE_MATCH_RANK = 0.02
LESSON_MATCH_RANK = 0.01
QUIZ_MATCH_RANK = 0.005


class Level(models.TextChoices):
    BEGINNER = "beginner", gettext_lazy("Beginner")
    INTERMEDIATE = "intermediate", gettext_lazy("Intermediate")
    ADVANCED = "advanced", gettext_lazy("Advanced")


class Duration(models.TextChoices):
    """What a course takes, by its estimate (`DURATION_MINUTES`)."""

    SHORT = "short", gettext_lazy("Short (up to 2 h)")
    MEDIUM = "medium", gettext_lazy("Medium (2-5 h)")
    LONG = "long", gettext_lazy("Long (5 h or more)")


# The languages a course may be written in: Django's list of language codes
# and names ("de": "German").
LANGUAGE_NAMES: dict[str, str] = dict(global_settings.LANGUAGES)
LANGUAGE_CHOICES = sorted(LANGUAGE_NAMES.items(), key=lambda choice: choice[1])


def validate_language(value: str) -> None:
    if value not in LANGUAGE_NAMES:
        raise ValidationError(
            _("%(value)s is not a language code Athena knows (such as en, de).")
            % {"value": repr(value)}
        )


def language_code(value: Any) -> str | None:
    """`value` as a known language code ("DE", " de " -> "de"), or None."""
    if not isinstance(value, str):
        return None
    code = value.strip().lower().replace("_", "-")
    return code if code in LANGUAGE_NAMES else None


def language_label(code: str) -> str:
    """How the catalog names a language: its own name, with its name in the
    page's language where they differ ("Deutsch (German)", "English")."""
    from django.utils.translation import get_language_info

    try:
        info = get_language_info(code)
    except KeyError:
        return LANGUAGE_NAMES.get(code, code)
    # The name in the page's language beside the language's own ("Deutsch
    # (German)" in English, "English (Englisch)" in German).
    local, named = info["name_local"], str(info["name_translated"])
    return local if local == named else f"{local} ({named})"


def local_language_name(code: str) -> str:
    """A language's name in that language ("Deutsch" for "de")."""
    from django.utils.translation import get_language_info

    try:
        return get_language_info(code)["name_local"]
    except KeyError:
        return LANGUAGE_NAMES.get(code, code)


# A course's estimated time: its lessons read at this speed, and each quiz this
# long (`estimate_minutes`, kept in `Course.metadata` by the content services).
READING_WORDS_PER_MINUTE = 200
QUIZ_MINUTES = 1
# The minutes each duration spans (a course's estimate falls in its label's
# range), and the time budget a generated course of that duration is written to.
DURATION_MINUTES: dict[str, tuple[int, int | None]] = {
    "short": (0, 120),
    "medium": (120, 300),
    "long": (300, None),
}
DURATION_BUDGET_MINUTES = {"short": 90, "medium": 210, "long": 420}
_WORD = re.compile(r"\w+")


def words_in(text: str) -> int:
    """How many words a lesson's text holds, for its reading time."""
    return len(_WORD.findall(text))


def estimate_minutes(*, words: int, quizzes: int) -> int:
    """Minutes to read `words` and answer `quizzes`."""
    return math.ceil(words / READING_WORDS_PER_MINUTE) + quizzes * QUIZ_MINUTES


def minutes_label(minutes: int) -> str:
    """ "about 15 min", "about 1 h 30 min", "about 2 h" (to the nearest 5 minutes
    past the first half hour)."""
    if minutes < 30:
        return _("about %(minutes)s min") % {"minutes": max(minutes, 1)}
    minutes = 5 * round(minutes / 5)
    hours, rest = divmod(minutes, 60)
    if not hours:
        return _("about %(minutes)s min") % {"minutes": rest}
    if rest:
        return _("about %(hours)s h %(minutes)s min") % {"hours": hours, "minutes": rest}
    return _("about %(hours)s h") % {"hours": hours}


class Focus(models.TextChoices):
    BROAD = "broad", gettext_lazy("Broad")
    IN_DEPTH = "in-depth", gettext_lazy("In-depth")


# The three preferences a course is built for, each with its allowed values.
PREFERENCE_CHOICES: dict[str, type[models.TextChoices]] = {
    "level": Level,
    "duration": Duration,
    "focus": Focus,
}
DEFAULT_PREFERENCES = {
    "level": Level.BEGINNER.value,
    "duration": Duration.MEDIUM.value,
    "focus": Focus.BROAD.value,
}


# Limits every writer of content shares: the document reader, the admin forms
# and the models' own `clean()`. Titles and options are the operator's to set
# (settings.ATHENA_IMPORT_MAX_*); a title never outgrows its 255-character column.
TITLE_MAX_LENGTH = min(255, settings.ATHENA_IMPORT_MAX_TITLE_CHARS)
QUIZ_MIN_OPTIONS, QUIZ_MAX_OPTIONS = 2, 6
OPTION_MAX_LENGTH = settings.ATHENA_IMPORT_MAX_OPTION_CHARS
EXPLANATION_MAX_LENGTH = 2000


def title_length_check(value: str, *, field: str) -> None:
    """The title rule the document reader applies too (TITLE_MAX_LENGTH): the
    column holds 255 characters, the operator may allow fewer."""
    if len(value) > TITLE_MAX_LENGTH:
        raise ValidationError(
            {
                field: _("is %(length)s characters long; the most is %(most)s")
                % {"length": len(value), "most": TITLE_MAX_LENGTH}
            }
        )


def default_preferences() -> dict[str, str]:
    return dict(DEFAULT_PREFERENCES)


def preference_problem(key: str, value: Any) -> str | None:
    """Why `value` is not a valid `key` preference, or None when it is: the one
    rule the document reader and `validate_preferences` share."""
    choices = PREFERENCE_CHOICES[key]
    if value in choices.values:
        return None
    return _("%(value)s is not one of %(choices)s") % {
        "value": json.dumps(value),
        "choices": ", ".join(choices.values),
    }


def validate_preferences(value: Any) -> None:
    """A course's preferences hold exactly level, duration and focus, each valid."""
    if not isinstance(value, dict):
        raise ValidationError(_("Preferences must be an object."), code="invalid")
    errors = [
        ValidationError(
            "%(key)s: %(problem)s", code="invalid_choice", params={"key": key, "problem": problem}
        )
        for key in PREFERENCE_CHOICES
        if (problem := preference_problem(key, value.get(key))) is not None
    ]
    unknown = sorted(set(value) - set(PREFERENCE_CHOICES))
    if unknown:
        errors.append(
            ValidationError(
                _("Unknown preferences: %(keys)s."),
                code="unknown",
                params={"keys": ", ".join(unknown)},
            )
        )
    if errors:
        raise ValidationError(errors)


def validate_quiz_content(value: Any) -> None:
    """A quiz's stored content follows the quiz rules (`quiz_problems`)."""
    if not isinstance(value, dict):
        raise ValidationError(_("A quiz's content must be an object."), code="invalid")
    try:
        answer = int(value.get("answer", 0))
    except (TypeError, ValueError):
        answer = 0
    options = value.get("options", [])
    feedback = value.get("feedback")
    hint = value.get("hint", "")
    typed = []
    if feedback is not None and not (
        isinstance(feedback, list) and all(isinstance(t, str | None) for t in feedback)
    ):
        typed.append("feedback: " + _("must be a list of texts, one per option"))
        feedback = None
    if not isinstance(hint, str):
        typed.append("hint: " + _("must be a text"))
        hint = ""
    problems = quiz_problems(
        question=str(value.get("question", "")),
        options=[str(option) for option in options] if isinstance(options, list) else [],
        answer=answer,
        explanation=str(value.get("explanation", "")),
        hint=hint,
        feedback=[text or "" for text in feedback] if feedback else None,
    )
    if typed:
        raise ValidationError(typed, code="invalid")
    if problems:
        raise ValidationError(
            [f"{problem.field}: {problem.message}" for problem in problems], code="invalid"
        )


def may_see_drafts(user: Any) -> bool:
    """Whether `user` may see every draft: staff who may edit courses."""
    return getattr(user, "is_staff", False) and user.has_perm("courses.change_course")


def visible_courses(user: Any, *, path: str = "") -> Q:
    """`CourseQuerySet.visible_to`'s rule as a condition, on the course at
    `path` ("course__" from an enrollment): a join rather than an IN
    subquery, which PostgreSQL may answer by reading every published course."""
    if may_see_drafts(user):
        return Q()
    published = Q(**{f"{path}status": Course.Status.PUBLISHED})
    if getattr(user, "is_authenticated", False):
        return published | Q(**{f"{path}created_by": user})
    return published


def stored_html(html: str, renderer: str, markdown: Callable[[], str]) -> SafeString:
    """Markdown's HTML as stored beside it (a lesson's content, a course's
    description) when the current renderer made it, else the Markdown
    (`markdown()`: read only then, a lesson page defers it) rendered now, from
    the renderer's caches when it can."""
    if renderer == RENDERER_VERSION:
        return mark_safe(html)  # noqa: S308 - sanitised when rendered
    return render_markdown(markdown())


# The largest id a row can have (a bigint). Pages take ids from the URL,
# which may hold any number: past this there is no such row, and SQLite would
# refuse the parameter.
MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class PageRows:
    """What `page_rows` read: the course's content version, the course as
    stored (None when it still had the version the caller knew, or there is
    no such course) and the page's lesson or quiz (None when there is no such
    item in that module, or none was asked for)."""

    version: int | None
    course: Course | None
    item: Any


def page_rows(
    course_id: int,
    *,
    known_version: int = 0,
    item_model: type[models.Model] | None = None,
    item_id: int = 0,
    module_id: int = 0,
    defer: tuple[str, ...] = (),
) -> PageRows:
    """A learner page's rows in one query: the course `course_id`'s version
    and, unless it is `known_version` (versions start at 1), the rest of its
    row; with `item_model`, the item `item_id` if it belongs to the module
    `module_id`, its `defer` fields left unread (loaded if read).

    Written out and read through the cursor: every course, module, lesson and
    quiz page runs it, and building the queries with the ORM, or two round
    trips instead of one, cost more CPU than the query (docs/performance.md)."""
    ids = (course_id, item_id, module_id) if item_model else (course_id,)
    if not all(0 < value <= MAX_ID for value in ids):
        return PageRows(version=None, course=None, item=None)
    reader = _page_rows_reader(item_model, defer)
    params = [known_version, *ids[1:], course_id] if item_model else [known_version, course_id]
    with connection.cursor() as cursor:
        cursor.execute(reader.sql, params)
        row = cursor.fetchone()
    if row is None:
        return PageRows(version=None, course=None, item=None)
    version, row = row[0], row[1:]
    course = reader.course.build(row[: reader.course.width])
    item = reader.item.build(row[reader.course.width :]) if reader.item else None
    return PageRows(version=version, course=course, item=item)


class _RowReader:
    """Builds a model object from its columns in a `page_rows` row, through
    the columns' converters (what the ORM's compiler applies: the backend's,
    then the field's, a JSON field's decoding) and the public
    `Model.from_db`. None when the row's primary key column is NULL: a join
    that found nothing."""

    def __init__(self, model: type[models.Model], fields: tuple[models.Field, ...]) -> None:
        self.model = model
        self.width = len(fields)
        self.names = [field.attname for field in fields]
        self.pk_position = next(n for n, field in enumerate(fields) if field.primary_key)
        self.converters = []
        for position, field in enumerate(fields):
            col = field.get_col(model._meta.db_table)
            found = [*connection.ops.get_db_converters(col), *field.get_db_converters(connection)]
            if found:
                self.converters.append((position, col, found))

    def build(self, values: tuple[Any, ...]) -> Any:
        if values[self.pk_position] is None:
            return None
        values = list(values)
        for position, col, converters in self.converters:
            value = values[position]
            for convert in converters:
                value = convert(value, col, connection)
            values[position] = value
        return self.model.from_db(connection.alias, self.names, values)


@dataclass(frozen=True)
class _PageRowsReader:
    sql: str
    course: _RowReader
    item: _RowReader | None


@functools.cache
def _page_rows_reader(
    item_model: type[models.Model] | None, defer: tuple[str, ...]
) -> _PageRowsReader:
    def columns(
        model: type[models.Model], alias: str, left_out: tuple[str, ...] = ()
    ) -> tuple[tuple[models.Field, ...], str]:
        fields = tuple(
            field
            for field in model._meta.concrete_fields
            if field.primary_key or field.name not in left_out
        )
        return fields, ", ".join(f"{alias}.{field.column}" for field in fields)

    course_meta = Course._meta
    course_fields, course_columns = columns(Course, "stored")
    course_pk = course_meta.pk.column
    # The course's row again, joined only when its version is not the one the
    # caller knows: the same row, or nothing, read in the same query.
    joins = [
        f"LEFT JOIN {course_meta.db_table} stored ON stored.{course_pk} = course.{course_pk}"
        " AND course.content_version <> %s"
    ]
    item = None
    select = ["course.content_version", course_columns]
    if item_model is not None:
        meta = item_model._meta
        item_fields, item_columns = columns(item_model, "item", defer)  # the item's only
        select.append(item_columns)
        module_column = meta.get_field("module").column
        joins.append(
            f"LEFT JOIN {meta.db_table} item ON item.{meta.pk.column} = %s"
            f" AND item.{module_column} = %s"
        )
        item = _RowReader(item_model, item_fields)
    sql = (
        f"SELECT {', '.join(select)} FROM {course_meta.db_table} course "  # noqa: S608 - names from the models
        f"{' '.join(joins)} WHERE course.{course_pk} = %s"
    )
    return _PageRowsReader(sql=sql, course=_RowReader(Course, course_fields), item=item)


# The distinct languages of published courses, one index probe per language
# (`courses_status_language_idx`) rather than a read of every published row:
# each step asks for the smallest language after the last one found.
_PUBLISHED_LANGUAGES_SQL = """
WITH RECURSIVE found(language) AS (
    SELECT min(language) FROM courses WHERE status = %s
    UNION ALL
    SELECT (SELECT min(c.language) FROM courses c
            WHERE c.status = %s AND c.language > found.language)
    FROM found WHERE found.language IS NOT NULL
)
SELECT language FROM found WHERE language IS NOT NULL
"""


def published_languages() -> list[str]:
    """The language codes published courses are written in, in code order.
    One query, as cheap at 100,000 courses as at ten."""
    published = Course.Status.PUBLISHED.value
    with connection.cursor() as cursor:
        cursor.execute(_PUBLISHED_LANGUAGES_SQL, [published, published])
        return [row[0] for row in cursor.fetchall()]


class CourseQuerySet(models.QuerySet["Course"]):
    def published(self) -> CourseQuerySet:
        return self.filter(status=Course.Status.PUBLISHED)

    def visible_to(self, user: Any) -> CourseQuerySet:
        """Drafts are for those who may edit them (staff with the change_course
        permission) and, for a learner, the drafts they had built for them
        (generated courses); everybody else, Support staff included, sees
        published courses only. Learners are checked without a permission query."""
        return self.filter(visible_courses(user))

    def with_preference(self, **wanted: str) -> CourseQuerySet:
        """Filter on level/duration/focus through the indexed JSON expressions."""
        queryset = self
        for key, value in wanted.items():
            if key not in PREFERENCE_CHOICES:
                raise ValueError(f"unknown preference {key!r}")
            if value:
                # The same expression as the index, so the index serves the filter.
                queryset = queryset.filter(Exact(KT(f"preferences__{key}"), value))
        return queryset

    def for_cards(self) -> CourseQuerySet:
        """What a course card shows (topic, description, preferences, counts),
        without the stored outline: decoding it was most of the cost of a
        catalog row."""
        return self.defer("outline", "description_html")

    def with_outline(self) -> CourseQuerySet:
        """Prefetch every module with its lessons and activities: three queries in
        all, whatever the size of the course."""
        return self.prefetch_related(
            Prefetch("modules", queryset=Module.objects.with_items()),
        )

    def with_outline_titles(self) -> CourseQuerySet:
        """`with_outline()` without the items' content: what an outline, the
        navigation and the progress need (titles, order, ids), in three queries,
        without loading every lesson's Markdown or any quiz's answer."""
        return self.prefetch_related(
            Prefetch("modules", queryset=Module.objects.with_item_titles()),
        )

    def search(self, text: str) -> CourseQuerySet:
        """Courses whose topic, description, module titles, lessons (title and
        text) or quiz questions match `text`, with a `search_rank` annotation
        (higher is better): a match in the topic ranks first, then the
        description, then a module title, a lesson, a quiz.

        PostgreSQL: full-text search served by GIN indexes (migrations 0005,
        0009 and 0021; websearch syntax: quotes, `or`, `-word`), each course
        read in its own language (`SearchMatch`); each inner search is an
        uncorrelated subquery the planner hashes once. Elsewhere (SQLite, for
        development): every word must appear, case-insensitively, in the
        course or in one of its modules, lessons or quizzes, in any language
        and without stemming.

        Text without a letter or digit matches nothing, without a query; any
        other text is searched for as `websearch_text` makes it safe to."""
        if not (text or "").strip():
            return self.annotate(search_rank=Value(0.0, output_field=FloatField()))
        text = websearch_text(text)
        if not text:
            return self.none().annotate(search_rank=Value(0.0, output_field=FloatField()))
        if connection.vendor == "postgresql":
            by_course = Course.objects.filter(SearchMatch(text)).order_by().values("pk")
            inner = [
                (
                    Module.objects.filter(SearchMatch(text)).order_by().values("course_id"),
                    MODULE_MATCH_RANK,
                ),
                (
                    Lesson.objects.filter(SearchMatch(text)).order_by().values("module__course_id"),
                    LESSON_MATCH_RANK,
                ),
                (
                    Activity.objects.filter(SearchMatch(text))
                    .order_by()
                    .values("module__course_id"),
                    QUIZ_MATCH_RANK,
                ),
            ]
            # One IN over a UNION: the planner joins the matching ids to the
            # courses by primary key instead of testing every course.
            matching_ids = by_course.union(*(course_ids for course_ids, _ in inner), all=True)
            rank: Any = SearchMatchRank(text)
            for course_ids, weight in inner:
                # Computed for the matching courses only, each subquery once.
                rank += Case(
                    When(pk__in=course_ids, then=Value(weight)),
                    default=Value(0.0),
                    output_field=FloatField(),
                )
            return self.filter(pk__in=matching_ids).annotate(search_rank=rank)
        queryset = self
        # Tokens as typed ("c++" is looked for as such), but only those with a
        # word in them: punctuation alone is no more searched for than above.
        tokens = [token for token in text.replace('"', " ").split() if search_words(token)]
        for word in tokens[:10]:
            in_lessons = Q(title__icontains=word) | Q(content__value__icontains=word)
            in_quizzes = Q(title__icontains=word) | Q(content__question__icontains=word)
            queryset = queryset.filter(
                Q(topic__icontains=word)
                | Q(description__icontains=word)
                | Q(pk__in=Module.objects.filter(title__icontains=word).values("course_id"))
                | Q(pk__in=Lesson.objects.filter(in_lessons).values("module__course_id"))
                | Q(pk__in=Activity.objects.filter(in_quizzes).values("module__course_id"))
            )
        return queryset.annotate(
            search_rank=Case(
                When(topic__icontains=text, then=Value(1.0)),
                When(description__icontains=text, then=Value(0.5)),
                default=Value(0.1),
                output_field=FloatField(),
            )
        )

    def with_enrollment_count(self) -> CourseQuerySet:
        """`enrollment_count` as a correlated subquery, not a JOIN with GROUP BY:
        a page of 24 or 100 courses counts the enrollments of those courses only,
        and counting the rows (paginators) needs no grouping of the whole table."""
        # The enrollments table through the relation's name: courses never
        # imports the app that keeps them.
        enrollment = self.model._meta.get_field("enrollments").related_model
        enrolled = (
            enrollment.objects.filter(course=OuterRef("pk"))
            .order_by()
            .values("course")
            .annotate(total=Count("pk"))
            .values("total")
        )
        return self.annotate(
            enrollment_count=Coalesce(Subquery(enrolled, output_field=IntegerField()), 0)
        )

    def trending(self, *, since: Any) -> CourseQuerySet:
        """Courses with learner activity since `since`, the busiest first: most
        enrollments in the period, then the most recent learner activity."""
        recent = Q(enrollments__enrolled_at__gte=since) | Q(
            enrollments__last_accessed_at__gte=since
        )
        return (
            self.filter(recent)
            .annotate(
                recent_enrollments=Count(
                    "enrollments", filter=Q(enrollments__enrolled_at__gte=since), distinct=True
                ),
                last_activity=Max("enrollments__last_accessed_at"),
            )
            .order_by(
                F("recent_enrollments").desc(),
                F("last_activity").desc(nulls_last=True),
                "-created_at",
                "-course_id",
            )
        )


class Course(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", gettext_lazy("Draft")
        PUBLISHED = "published", gettext_lazy("Published")

    class Origin(models.TextChoices):
        """Where a course came from: written in the admin, imported from a
        document, or built by the generation pipeline for a learner."""

        AUTHORED = "authored", gettext_lazy("Authored")
        IMPORTED = "imported", gettext_lazy("Imported")
        GENERATED = "generated", gettext_lazy("Generated")

    class AnswerReveal(models.TextChoices):
        """When a quiz shows its correct option to a learner."""

        AFTER_CORRECT = "after_correct", gettext_lazy("Only after a correct answer")
        AFTER_ATTEMPT = "after_attempt", gettext_lazy("After any attempt")

    course_id = models.BigAutoField(primary_key=True)
    topic = models.CharField(gettext_lazy("topic"), max_length=255)
    description = models.TextField(gettext_lazy("description"), blank=True)
    preferences = models.JSONField(default=default_preferences, validators=[validate_preferences])
    metadata = models.JSONField(default=dict, blank=True, editable=False)
    status = models.CharField(
        gettext_lazy("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(gettext_lazy("published at"), null=True, blank=True)
    answer_reveal = models.CharField(
        max_length=16,
        choices=AnswerReveal.choices,
        default=AnswerReveal.AFTER_CORRECT,
        verbose_name=gettext_lazy("answer reveal"),
        help_text=gettext_lazy("When learners see a quiz's correct option."),
    )
    # A database default too: bulk loaders (COPY, raw SQL) write authored courses.
    origin = models.CharField(
        gettext_lazy("origin"),
        max_length=16,
        choices=Origin.choices,
        default=Origin.AUTHORED,
        db_default=Origin.AUTHORED,
        db_index=True,
    )
    # Who a generated course was built for: they may read and take it while it
    # is still a draft.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="created_courses",
    )
    # Who published it from the admin, having reviewed it (a generated course's
    # cards say "reviewed by staff"), and when.
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    reviewed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The language the course is written in (a code of `LANGUAGE_NAMES`): its
    # pages mark its content with it (`lang`).
    # (No `choices`: Django's list changes between versions, and with it every
    # migration would; the validator checks the code.)
    language = models.CharField(
        gettext_lazy("language"),
        max_length=16,
        default="en",
        db_default="en",
        validators=[validate_language],
    )
    created_at = models.DateTimeField(
        gettext_lazy("created at"), default=timezone.now, editable=False
    )
    updated_at = models.DateTimeField(gettext_lazy("updated at"), auto_now=True)
    # Moved on by every write to the course or anything in it, in the writing
    # transaction (courses.services.course_content_changed): what a process
    # keeps of the course (its outline) is filed under it, and read back only
    # while the row still says the same.
    content_version = models.BigIntegerField(default=1, db_default=1, editable=False)
    # The modules and items as every learner page lists them (ids, titles,
    # descriptions, order), written by the same services in the same
    # transaction (courses.outline.outline_documents): a page reads the course
    # in one row, not four queries.
    outline = models.JSONField(default=dict, blank=True, editable=False)
    # The description as safe HTML, rendered whenever the course is saved with
    # its description, and the renderer that made it: the course page shows it
    # as stored (`description_rendered`), as lesson pages show Lesson.content_html.
    description_html = models.TextField(blank=True, default="", db_default="", editable=False)
    description_html_renderer = models.CharField(
        max_length=16, blank=True, default="", db_default="", editable=False
    )
    # Learners' ratings, kept by enrollment.services.course_rate in the
    # rating's transaction: the catalog's cards show the average without
    # reading the ratings.
    rating_count = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    rating_total = models.PositiveIntegerField(default=0, db_default=0, editable=False)

    objects = CourseQuerySet.as_manager()

    class Meta:
        db_table = "courses"
        verbose_name = gettext_lazy("course")
        verbose_name_plural = gettext_lazy("courses")
        ordering = ["-created_at", "-course_id"]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="courses_status_created_idx"),
            # The catalog's language filter, and its list of the languages
            # published courses are in (`published_languages`).
            models.Index(fields=["status", "language"], name="courses_status_language_idx"),
            models.Index(fields=["created_at"], name="courses_created_idx"),
            models.Index(fields=["updated_at"], name="courses_updated_idx"),
            models.Index(fields=["topic"], name="courses_topic_idx"),
            models.Index(KT("preferences__level"), name="courses_pref_level_idx"),
            models.Index(KT("preferences__duration"), name="courses_pref_duration_idx"),
            models.Index(KT("preferences__focus"), name="courses_pref_focus_idx"),
        ]

    def __str__(self) -> str:
        return self.topic

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.is_published and self.published_at is None:
            self.published_at = timezone.now()
        # Whatever saves a course with its description, the stored HTML follows.
        if "description" not in self.get_deferred_fields():
            self.description_html = render_markdown_uncached(self.description)
            self.description_html_renderer = RENDERER_VERSION
            update_fields = kwargs.get("update_fields")
            if update_fields is not None and "description" in update_fields:
                rendered = {"description_html", "description_html_renderer"}
                kwargs["update_fields"] = {*update_fields, *rendered}
        if not self._state.adding and kwargs.get("update_fields") is None:
            # What the content services write (the outline, the counts and
            # estimate, the version) is theirs alone: a course read before a
            # content change (an editor's form while its modules are being
            # generated) never writes back what it read.
            deferred = self.get_deferred_fields()
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key
                and field.name not in self.COMPUTED_FIELDS
                and field.attname not in deferred
            ]
        super().save(*args, **kwargs)

    # Written by courses.services.course_content_changed (the outline, counts
    # and version) and enrollment.services.course_rate (the ratings) only.
    COMPUTED_FIELDS = ("outline", "metadata", "content_version", "rating_count", "rating_total")

    def get_absolute_url(self) -> str:
        return page_url("courses:course-detail", course_id=self.course_id)

    def clean(self) -> None:
        super().clean()
        title_length_check(self.topic, field="topic")

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def description_rendered(self) -> SafeString:
        """The description as safe HTML (`stored_html`)."""
        return stored_html(
            self.description_html, self.description_html_renderer, lambda: self.description
        )

    def is_visible_to(self, user: Any) -> bool:
        """`CourseQuerySet.visible_to`'s rule for a course already loaded."""
        if self.is_published or may_see_drafts(user):
            return True
        return getattr(user, "is_authenticated", False) and self.created_by_id == user.pk

    @property
    def has_unwritten_modules(self) -> bool:
        """Whether a module has no lessons or quizzes yet (a generated course
        being written shows its modules before they are written)."""
        return any(not module.ordered_items() for module in self.outline_modules())

    @property
    def language_name(self) -> str:
        """ "German" for "de", in the interface's language ("Deutsch" in German:
        Django's own catalogs translate its language names)."""
        name = LANGUAGE_NAMES.get(self.language)
        return _(name) if name else self.language

    @property
    def language_dir(self) -> str:
        """ "rtl" for a course written right to left (Arabic, Hebrew, ...),
        else "ltr": its text keeps its own direction in any interface."""
        base = self.language.split("-")[0]
        return "rtl" if base in global_settings.LANGUAGES_BIDI else "ltr"

    @property
    def minutes(self) -> int | None:
        """The estimated time kept in `metadata.minutes` (None before it was counted)."""
        minutes = self.metadata.get("minutes") if isinstance(self.metadata, dict) else None
        return minutes if isinstance(minutes, int) else None

    # A course's average rating is shown once this many learners rated it:
    # before, one or two ratings say more about the raters than the course.
    RATINGS_SHOWN_FROM = 5

    @property
    def rating_average(self) -> float | None:
        """The learners' mean rating (1-5), or None while too few rated it."""
        if self.rating_count < self.RATINGS_SHOWN_FROM:
            return None
        return self.rating_total / self.rating_count

    @property
    def minutes_label(self) -> str:
        """ "about 1 h 30 min"; "" when not counted."""
        return minutes_label(self.minutes) if self.minutes is not None else ""

    @property
    def counts(self) -> dict[str, int]:
        """The module/lesson/activity numbers kept in `metadata.count`."""
        count = self.metadata.get("count", {})
        return {key: count.get(key, 0) for key in ("modules", "lessons", "activities")}

    def outline_modules(self) -> list[Module]:
        """The course's modules in order, each with its items in order (titles,
        ids, order; no content), as the learner pages show them: built from
        the stored `outline` without a query, else the prefetched or queried
        modules. Worked out once per instance (a kept outline serves many
        pages): read them, never change them."""
        modules = self.__dict__.get("_outline_modules")
        if modules is None:
            index = self._outline_index()
            if index is None:
                # A row written round the services (a bulk loader): read now.
                return list(self.modules.all())
            modules = [self.outline_module(module_id) for module_id in index.modules]
            self.__dict__["_outline_modules"] = modules
        return modules

    def outline_module(self, module_id: int) -> Module | None:
        """The module `module_id` of `outline_modules()`, or None when the course
        has no such module. Made alone from the stored outline: a page about one
        lesson builds the objects of its own module, not of the whole course."""
        index = self._outline_index()
        if index is None:
            return next((m for m in self.outline_modules() if m.pk == module_id), None)
        entry = index.modules.get(module_id)
        if entry is None:
            return None
        built = self.__dict__.setdefault("_outline_module_objects", {})
        module = built.get(module_id)
        if module is None:
            # Threads sharing a kept course may both build it: one object wins.
            module = built.setdefault(module_id, Module.from_outline(self, entry))
        return module

    def item_keys(self) -> list[str]:
        """The keys ("lesson:12") of every item in reading order, made without
        building the items."""
        index = self._outline_index()
        if index is None:
            return [item.key for item in self.ordered_items()]
        return index.keys

    def outline_item(self, key: str | None) -> Lesson | Activity | None:
        """The item of `ordered_items()` with this key, or None."""
        index = self._outline_index()
        if index is None:
            return next((item for item in self.ordered_items() if item.key == key), None)
        place = index.places.get(key)
        if place is None:
            return None
        built = self.__dict__.setdefault("_outline_item_objects", {})
        item = built.get(key)
        if item is None:
            module_id, position = place
            kind, pk, title = index.modules[module_id]["items"][position]
            module = self.outline_module(module_id)
            # Threads sharing a kept course may both make it: one object wins.
            item = built.setdefault(
                key, Module.item_from_outline(module, position, kind, pk, title)
            )
        return item

    def _outline_index(self) -> OutlineIndex | None:
        index = self.__dict__.get("_outline_places")
        if index is None:
            stored = self.outline.get("modules") if isinstance(self.outline, dict) else None
            if stored is None:
                return None
            index = self.__dict__["_outline_places"] = OutlineIndex.of(stored)
        return index

    def ordered_items(self) -> list[Lesson | Activity]:
        """Every lesson and activity of the course in reading order, across
        modules (`outline_modules`): read it, never change it."""
        items = self.__dict__.get("_ordered_items")
        if items is None:
            items = [item for module in self.outline_modules() for item in module.ordered_items()]
            if "_outline_modules" in self.__dict__:
                self.__dict__["_ordered_items"] = items
        return items

    def item_position(self, item: Lesson | Activity) -> ItemPosition:
        """Where `item` sits in the course's reading order, with its neighbours
        across module boundaries: what previous/next and "continue" follow."""
        keys = self.item_keys()
        index = self._outline_index()
        number = index.numbers[item.key] if index else keys.index(item.key)
        return ItemPosition(
            number=number + 1,
            count=len(keys),
            previous=self.outline_item(keys[number - 1]) if number > 0 else None,
            next=self.outline_item(keys[number + 1]) if number + 1 < len(keys) else None,
        )


@dataclass(frozen=True)
class OutlineIndex:
    """Where everything sits in a stored outline, by id and key: what a page
    needs to find its module and neighbours without building every object."""

    modules: dict[int, dict[str, Any]]  # module id -> its stored entry, in order
    keys: list[str]  # every item's key in reading order
    numbers: dict[str, int]  # key -> index in `keys`
    places: dict[str, tuple[int, int]]  # key -> (module id, index in its module)

    @classmethod
    def of(cls, stored: list[dict[str, Any]]) -> OutlineIndex:
        keys, places = [], {}
        for entry in stored:
            for position, (kind, pk, _title) in enumerate(entry["items"]):
                key = f"{kind}:{pk}"
                keys.append(key)
                places[key] = (entry["id"], position)
        return cls(
            modules={entry["id"]: entry for entry in stored},
            keys=keys,
            numbers={key: number for number, key in enumerate(keys)},
            places=places,
        )


@dataclass(frozen=True)
class ItemPosition:
    number: int
    count: int
    previous: Lesson | Activity | None
    next: Lesson | Activity | None


class ModuleQuerySet(models.QuerySet["Module"]):
    def with_items(self) -> ModuleQuerySet:
        return self.prefetch_related(
            Prefetch("lessons", queryset=Lesson.objects.order_by("display_order")),
            Prefetch("activities", queryset=Activity.objects.order_by("display_order")),
        )

    def with_item_titles(self) -> ModuleQuerySet:
        """`with_items()` loading only what an outline needs (no content)."""
        outline_fields = ("module_id", "title", "display_order")
        return self.prefetch_related(
            Prefetch(
                "lessons",
                queryset=Lesson.objects.only("lesson_id", *outline_fields).order_by(
                    "display_order"
                ),
            ),
            Prefetch(
                "activities",
                queryset=Activity.objects.only("activity_id", "type", *outline_fields).order_by(
                    "display_order"
                ),
            ),
        )


class Module(models.Model):
    module_id = models.BigAutoField(primary_key=True)
    # Leads the (course, module_order) unique constraint's index: none of its own.
    course = models.ForeignKey(
        Course,
        on_delete=models.CASCADE,
        related_name="modules",
        db_index=False,
        verbose_name=gettext_lazy("course"),
    )
    title = models.CharField(gettext_lazy("title"), max_length=255)
    description = models.TextField(gettext_lazy("description"), blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    module_order = models.PositiveIntegerField(gettext_lazy("module order"), default=0)
    created_at = models.DateTimeField(
        gettext_lazy("created at"), default=timezone.now, editable=False
    )
    updated_at = models.DateTimeField(gettext_lazy("updated at"), auto_now=True)

    objects = ModuleQuerySet.as_manager()

    url_name = "courses:module-detail"  # its parameters: course_id, module_id

    class Meta:
        db_table = "modules"
        verbose_name = gettext_lazy("module")
        verbose_name_plural = gettext_lazy("modules")
        ordering = ["module_order", "module_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "module_order"], name="modules_unique_course_order"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return self.url_for(course_id=self.course_id, pk=self.pk)

    @classmethod
    def url_for(cls, *, course_id: int, pk: int) -> str:
        return page_url(cls.url_name, course_id=course_id, module_id=pk)

    def clean(self) -> None:
        super().clean()
        title_length_check(self.title, field="title")

    @classmethod
    def from_outline(cls, course: Course, entry: dict[str, Any]) -> Module:
        """A module of `course` and its items as `courses.outline` stored them,
        made without a query, as the database would give them with only these
        fields loaded: reading any other (an item's content) loads it."""
        module = _loaded(
            cls,
            module_id=entry["id"],
            course_id=course.pk,
            title=entry["title"],
            description=entry["description"],
            module_order=entry["order"],
        )
        module.course = course
        # Its items are made when asked for (ordered_items), each by the
        # course (Course.outline_item): a page shows one or two of them.
        module.__dict__["_outline_keys"] = [f"{kind}:{pk}" for kind, pk, _ in entry["items"]]
        return module

    @classmethod
    def item_from_outline(
        cls, module: Module, position: int, kind: str, pk: int, title: str
    ) -> Lesson | Activity:
        """The item at `position` (0-based) of `module` (made by `from_outline`)."""
        model = Lesson if kind == "lesson" else Activity
        fields = {f"{kind}_id": pk, "module_id": module.pk, "title": title}
        item = _loaded(model, **fields, display_order=position + 1)
        item.module = module
        return item

    def ordered_items(self) -> list[Lesson | Activity]:
        """The module's lessons and activities merged in their shared display order:
        as stored in its course's outline (`from_outline`: read it, never change
        it), else from the prefetched (`with_items()`) or queried rows."""
        items = self.__dict__.get("_ordered_items")
        if items is None:
            keys = self.__dict__.get("_outline_keys")
            if keys is not None:
                items = [self.course.outline_item(key) for key in keys]
                self.__dict__["_ordered_items"] = items
                return items
            items = [*self.lessons.all(), *self.activities.all()]
            items.sort(key=lambda item: (item.display_order, item.kind, item.pk))
        return items


def _loaded(model: type[models.Model], **values: Any) -> Any:
    """An instance of `model` as `Model.from_db` makes one from a row holding
    only `values` (the other fields deferred: loaded when read)."""
    names = [name for name in _column_order(model) if name in values]
    return model.from_db(None, names, [values[name] for name in names])


@functools.cache
def _column_order(model: type[models.Model]) -> list[str]:
    # The order from_db reads a partial row in: the model's concrete fields.
    return [field.attname for field in model._meta.get_fields() if field.concrete]


class ModuleItem(models.Model):
    """What lessons and activities share: a title and a place in their module's
    one sequence. Subclasses add the `module` foreign key."""

    title = models.CharField(gettext_lazy("title"), max_length=255)
    display_order = models.PositiveIntegerField(gettext_lazy("display order"), default=0)
    created_at = models.DateTimeField(
        gettext_lazy("created at"), default=timezone.now, editable=False
    )
    updated_at = models.DateTimeField(gettext_lazy("updated at"), auto_now=True)

    kind: str = ""

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        title_length_check(self.title, field="title")

    @property
    def key(self) -> str:
        """Names the item across both tables: "lesson:12", "activity:7"."""
        return f"{self.kind}:{self.pk}"


class Lesson(ModuleItem):
    lesson_id = models.BigAutoField(primary_key=True)
    # Leads the (module, display_order) unique constraint's index: none of its own.
    module = models.ForeignKey(
        Module,
        on_delete=models.CASCADE,
        related_name="lessons",
        db_index=False,
        verbose_name=gettext_lazy("module"),
    )
    content = models.JSONField(default=dict)
    # The content as safe HTML, rendered when the content is written, and the
    # renderer that made it (courses.rendering.RENDERER_VERSION): a page shows
    # it as stored while the renderer is the same (`html`).
    content_html = models.TextField(blank=True, default="", db_default="", editable=False)
    content_html_renderer = models.CharField(
        max_length=16, blank=True, default="", db_default="", editable=False
    )
    # How many words the content holds (its reading time), counted with the HTML.
    word_count = models.PositiveIntegerField(default=0, db_default=0, editable=False)

    kind = "lesson"
    url_name = "courses:lesson-detail"  # its parameters: course_id, module_id, lesson_id

    class Meta:
        db_table = "lessons"
        verbose_name = gettext_lazy("lesson")
        verbose_name_plural = gettext_lazy("lessons")
        ordering = ["display_order", "lesson_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["module", "display_order"], name="lessons_unique_module_order"
            ),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Whatever saves a lesson, its stored HTML follows its content.
        if "content" not in self.get_deferred_fields():
            self.render_content()
            update_fields = kwargs.get("update_fields")
            if update_fields is not None and "content" in update_fields:
                kwargs["update_fields"] = {
                    *update_fields,
                    "content_html",
                    "content_html_renderer",
                    "word_count",
                }
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return self.url_for(course_id=self.module.course_id, module_id=self.module_id, pk=self.pk)

    @classmethod
    def url_for(cls, *, course_id: int, module_id: int, pk: int) -> str:
        return page_url(cls.url_name, course_id=course_id, module_id=module_id, lesson_id=pk)

    @property
    def markdown(self) -> str:
        return self.content.get("value", "") if isinstance(self.content, dict) else ""

    def set_markdown(self, markdown: str) -> None:
        """Store `markdown` as the lesson's content, in the course document's shape."""
        self.content = {"type": "MARKDOWN", "value": markdown}

    def render_content(self) -> None:
        """Render the content to `content_html` (`save()` does; a bulk write
        must call it itself)."""
        self.content_html = render_markdown_uncached(self.markdown)
        self.content_html_renderer = RENDERER_VERSION
        self.word_count = words_in(self.markdown)

    @property
    def minutes(self) -> int:
        """The lesson's reading time, at least a minute."""
        return max(1, round(self.word_count / READING_WORDS_PER_MINUTE))

    @property
    def html(self) -> SafeString:
        """The content as safe HTML: as stored when the current renderer made
        it, else rendered now (from the renderer's caches when it can)."""
        return stored_html(self.content_html, self.content_html_renderer, lambda: self.markdown)


class Activity(ModuleItem):
    class Type(models.TextChoices):
        QUIZ = "quiz", gettext_lazy("Quiz")

    activity_id = models.BigAutoField(primary_key=True)
    # Leads the (module, display_order) unique constraint's index: none of its own.
    module = models.ForeignKey(
        Module,
        on_delete=models.CASCADE,
        related_name="activities",
        db_index=False,
        verbose_name=gettext_lazy("module"),
    )
    type = models.CharField(max_length=32, choices=Type.choices, default=Type.QUIZ)
    content = models.JSONField(default=dict, validators=[validate_quiz_content])

    kind = "activity"
    url_name = "courses:activity-detail"  # its parameters: course_id, module_id, activity_id

    class Meta:
        db_table = "activities"
        ordering = ["display_order", "activity_id"]
        verbose_name = gettext_lazy("quiz")
        verbose_name_plural = gettext_lazy("quizzes")
        constraints = [
            models.UniqueConstraint(
                fields=["module", "display_order"], name="activities_unique_module_order"
            ),
        ]

    def get_absolute_url(self) -> str:
        return self.url_for(course_id=self.module.course_id, module_id=self.module_id, pk=self.pk)

    @classmethod
    def url_for(cls, *, course_id: int, module_id: int, pk: int) -> str:
        return page_url(cls.url_name, course_id=course_id, module_id=module_id, activity_id=pk)

    @property
    def question(self) -> str:
        return self.content.get("question", "")

    @property
    def options(self) -> list[str]:
        return list(self.content.get("options", []))

    @property
    def answer(self) -> int:
        """The 1-based number of the correct option."""
        return int(self.content.get("answer", 0))

    @property
    def explanation(self) -> str:
        """Why the answer is right (Markdown), shown once it is revealed; may be empty."""
        return self.content.get("explanation", "")

    @property
    def hint(self) -> str:
        """A nudge shown after a wrong answer (Markdown); may be empty."""
        hint = self.content.get("hint", "")
        return hint if isinstance(hint, str) else ""

    @property
    def feedback(self) -> list[str]:
        """What to say to a learner who chose each option (Markdown, "" for
        nothing), in the options' order; empty when the quiz has none (or
        holds something else than one text per option)."""
        feedback = self.content.get("feedback")
        if not isinstance(feedback, list) or len(feedback) != len(self.options):
            return []
        return [text if isinstance(text, str) else "" for text in feedback]

    def set_quiz(
        self,
        *,
        question: str,
        options: list[str],
        answer: int,
        explanation: str = "",
        hint: str = "",
        feedback: list[str] | None = None,
    ) -> None:
        """Store the quiz as the activity's content, in the course document's shape
        (`explanation`, `hint` and `feedback` only when there is some)."""
        content: dict[str, Any] = {"question": question, "options": list(options), "answer": answer}
        if explanation:
            content["explanation"] = explanation
        if hint:
            content["hint"] = hint
        texts = [text or "" for text in feedback or []]
        if any(text.strip() for text in texts):
            content["feedback"] = texts
        self.content = content

    @property
    def minutes(self) -> int:
        """The time a quiz is counted for in its course's estimate."""
        return QUIZ_MINUTES

    def has_option(self, option_number: int) -> bool:
        return 1 <= option_number <= len(self.options)

    def is_correct(self, option_number: int) -> bool:
        return option_number == self.answer


@dataclass(frozen=True)
class QuizProblem:
    """One broken quiz rule: `field` is "question", "options", "options[i]"
    (0-based) or "answer"; `message` is a sentence for an author."""

    field: str
    message: str


def quiz_problems(
    *,
    question: str,
    options: list[str],
    answer: int,
    explanation: str = "",
    hint: str = "",
    feedback: list[str] | None = None,
) -> list[QuizProblem]:
    """The quiz rules, written once: what the document reader, the admin's quiz
    form and `Activity.clean` all refuse. Options are compared trimmed and
    ignoring case."""
    problems = []
    if not question.strip():
        problems.append(QuizProblem("question", _("must not be empty")))
    if not QUIZ_MIN_OPTIONS <= len(options) <= QUIZ_MAX_OPTIONS:
        problems.append(
            QuizProblem(
                "options",
                _("has %(count)s options; a quiz has %(least)s to %(most)s")
                % {"count": len(options), "least": QUIZ_MIN_OPTIONS, "most": QUIZ_MAX_OPTIONS},
            )
        )
    seen: set[str] = set()
    for index, option in enumerate(options):
        text = option.strip()
        place = f"options[{index}]"
        if not text:
            problems.append(QuizProblem(place, _("must not be empty")))
        elif len(text) > OPTION_MAX_LENGTH:
            problems.append(
                QuizProblem(
                    place,
                    _("is %(length)s characters long; the most is %(most)s")
                    % {"length": len(text), "most": OPTION_MAX_LENGTH},
                )
            )
        elif text.casefold() in seen:
            problems.append(QuizProblem(place, _("Two options say the same thing.")))
        seen.add(text.casefold())
    if options and not 1 <= answer <= len(options):
        problems.append(
            QuizProblem(
                "answer",
                _("%(answer)s is not an option number (1-%(count)s)")
                % {"answer": answer, "count": len(options)},
            )
        )
    texts = [("explanation", explanation), ("hint", hint)]
    if feedback:
        if len(feedback) != len(options):
            problems.append(
                QuizProblem(
                    "feedback",
                    _(
                        "has %(texts)s texts for %(count)s options; give one per option "
                        "(an empty one where there is nothing to say)"
                    )
                    % {"texts": len(feedback), "count": len(options)},
                )
            )
        texts += [(f"feedback[{index}]", text) for index, text in enumerate(feedback)]
    for place, text in texts:
        if len(text) > EXPLANATION_MAX_LENGTH:
            problems.append(
                QuizProblem(
                    place,
                    _("is %(length)s characters long; the most is %(most)s")
                    % {"length": len(text), "most": EXPLANATION_MAX_LENGTH},
                )
            )
    return problems


# The search vocabulary: what "Did you mean" may correct a search to
# (courses.vocabulary).

SEARCH_WORD_MAX_LENGTH = 40


class SearchWord(models.Model):
    """A word of the published courses' topics, descriptions and module,
    lesson and quiz titles, with the number of published courses using it.
    Kept by `courses.services.course_content_changed` (through
    `courses.vocabulary.vocabulary_update`) in the transaction of every write;
    a word no published course uses any more stays with a count of 0 and is
    never offered (deleting it could lose a concurrent writer's increment)."""

    word = models.CharField(max_length=SEARCH_WORD_MAX_LENGTH, primary_key=True)
    # The first letter and the length, what a correction's candidates are
    # looked up by (the index below): a typo rarely hits the first letter.
    initial = models.CharField(max_length=1)
    length = models.PositiveSmallIntegerField()
    course_count = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "search_words"
        ordering = ["word"]
        indexes = [
            models.Index(fields=["initial", "length"], name="search_words_initial_len_idx"),
        ]

    def __str__(self) -> str:
        return self.word


class CourseSearchWord(models.Model):
    """A word a published course gives the vocabulary (none for a draft):
    what a write compares the course's new words with, to move the counts of
    `SearchWord` by exactly what changed."""

    # Indexed by the unique constraint, which starts with it.
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+", db_index=False)
    word = models.CharField(max_length=SEARCH_WORD_MAX_LENGTH)

    class Meta:
        db_table = "course_search_words"
        constraints = [
            models.UniqueConstraint(fields=["course", "word"], name="course_search_words_uniq"),
        ]

    def __str__(self) -> str:
        return self.word
