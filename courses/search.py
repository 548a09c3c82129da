"""What the catalog's search adds around `CourseQuerySet.search()`: reading
preference words out of the search text, the snippet that shows each result's
matching module, lesson or quiz, and the suggestions offered when nothing
matches.

PostgreSQL does the work with its full-text and trigram indexes (migrations
0005, 0009 and 0021: each course in its own language); other databases
(SQLite, for development) get simple equivalents over a bounded number of
rows, the same for every language. Each function is one query."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import CharField, F, IntegerField, Q, Value
from django.db.models.fields.json import KT
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from courses.models import Activity, Course, Lesson, Module
from courses.search_text import search_words, websearch_text

# Words that name a preference value filter on it instead of being searched
# for: "python beginner" is the beginner courses matching "python".
PREFERENCE_WORDS: dict[str, tuple[str, str]] = {
    "beginner": ("level", "beginner"),
    "beginners": ("level", "beginner"),
    "intermediate": ("level", "intermediate"),
    "advanced": ("level", "advanced"),
    "short": ("duration", "short"),
    "medium": ("duration", "medium"),
    "long": ("duration", "long"),
    "broad": ("focus", "broad"),
    "in-depth": ("focus", "in-depth"),
    "indepth": ("focus", "in-depth"),
}
_IN_DEPTH = re.compile(r"\bin\s+depth\b", re.IGNORECASE)
_QUOTED = re.compile(r'("[^"]*")')

SNIPPET_TEXT_LIMIT = 20_000  # characters of a lesson the highlighter reads
SUGGESTION_COUNT = 4
SUGGESTION_POOL = 2000  # titles difflib compares with, off PostgreSQL
# Private-use characters mark the highlighted words in the database's output,
# so the text around them can be escaped before <mark> goes in.
MARK_START, MARK_STOP = "\ue000", "\ue001"
_MARKED = re.compile(f"{MARK_START}(.*?){MARK_STOP}", re.DOTALL)
_MARKDOWN_NOISE = re.compile(r"[#*_`|~]+|^\s*>|\[|\]\([^)]*\)", re.MULTILINE)


@dataclass(frozen=True)
class ParsedSearch:
    """The words to search for, and the preferences the other words named."""

    text: str
    preferences: dict[str, str] = field(default_factory=dict)


def parse_search(text: str) -> ParsedSearch:
    """Take preference words out of `text` ("python beginner" -> "python" with
    level beginner). Quoted phrases and negated words ("-advanced") are left
    as they are; the first word naming a preference wins."""
    preferences: dict[str, str] = {}
    parts = _QUOTED.split(text or "")
    kept: list[str] = []
    for index, part in enumerate(parts):
        if index % 2:  # a "quoted phrase"
            kept.append(part)
            continue
        for word in _IN_DEPTH.sub("in-depth", part).split():
            named = PREFERENCE_WORDS.get(word.casefold().strip(",.;:!?"))
            if named is None:
                kept.append(word)
            else:
                preferences.setdefault(*named)
    return ParsedSearch(text=" ".join(kept).strip(), preferences=preferences)


@dataclass(frozen=True)
class SearchSnippet:
    """Where in a course a search matched: a module, lesson or quiz, its title
    and a short excerpt, both escaped with the matching words in <mark>."""

    kind: str  # "module", "lesson" or "quiz"
    url: str
    title: SafeString
    excerpt: SafeString

    @property
    def kind_label(self) -> str:
        return {"module": "Module", "lesson": "Lesson", "quiz": "Quiz"}[self.kind]


def highlighted(text: str) -> SafeString:
    """`text` with MARK_START/MARK_STOP pairs as <mark>, everything else
    escaped, Markdown punctuation and stray markers dropped."""

    def plain(part: str) -> str:
        part = _MARKDOWN_NOISE.sub(" ", part.replace(MARK_START, "").replace(MARK_STOP, ""))
        return escape(part)

    pieces, last = [], 0
    for match in _MARKED.finditer(text):
        pieces.append(plain(text[last : match.start()]))
        pieces.append(f"<mark>{plain(match.group(1)).strip()}</mark>")
        last = match.end()
    pieces.append(plain(text[last:]))
    return mark_safe(" ".join("".join(pieces).split()))  # noqa: S308 - every part escaped


def _item_url(kind: str, course_id: int, module_id: int, item_id: int) -> str:
    if kind == "module":
        return reverse(
            "courses:module-detail", kwargs={"course_id": course_id, "module_id": module_id}
        )
    if kind == "lesson":
        name, key = "lesson-detail", "lesson_id"
    else:
        name, key = "activity-detail", "activity_id"
    return reverse(
        f"courses:{name}", kwargs={"course_id": course_id, "module_id": module_id, key: item_id}
    )


def search_snippets(*, text: str, course_ids: list[int]) -> dict[int, SearchSnippet]:
    """For each of `course_ids` (a page of results) whose modules, lessons or
    quizzes match `text`, the best match: a module title, then a lesson title,
    then a quiz, then a lesson's text, earliest in the course first. One query."""
    text = websearch_text(text)  # what the search itself was given
    if not text or not course_ids:
        return {}
    if connection.vendor == "postgresql":
        rows = _postgresql_snippet_rows(text, course_ids)
    else:
        rows = _fallback_snippet_rows(text, course_ids)
    return {
        course_id: SearchSnippet(
            kind=kind,
            url=_item_url(kind, course_id, module_id, item_id),
            title=highlighted(title),
            excerpt=highlighted(excerpt),
        )
        for course_id, kind, module_id, item_id, title, excerpt in rows
    }


# One statement: the page's matching items, the best one per course, and
# ts_headline on those few only (highlighting reads the text again, so it must
# not run for every match of every course). Each row is matched and
# highlighted in its course's language (`search_config`, migration 0021).
# Only constants are formatted in; the search text and ids are parameters.
_SNIPPET_SQL = f"""
WITH found AS (
    SELECT m.course_id, 1 AS priority, m.module_order, 0 AS item_order, 'module' AS kind,
           m.module_id, m.module_id AS item_id, m.title, '' AS body, m.search_config
    FROM modules m
    WHERE m.course_id = ANY(%(ids)s)
      AND m.search_document @@ athena_search_query(m.search_config, %(text)s)
    UNION ALL
    SELECT m.course_id,
           CASE WHEN to_tsvector(l.search_config, l.title)
                     @@ athena_search_query(l.search_config, %(text)s)
                THEN 2 ELSE 4 END,
           m.module_order, l.display_order, 'lesson', m.module_id, l.lesson_id, l.title,
           left(COALESCE(l.content ->> 'value', ''), {SNIPPET_TEXT_LIMIT}), l.search_config
    FROM lessons l JOIN modules m ON m.module_id = l.module_id
    WHERE m.course_id = ANY(%(ids)s)
      AND l.search_document @@ athena_search_query(l.search_config, %(text)s)
    UNION ALL
    SELECT m.course_id, 3, m.module_order, a.display_order, 'quiz', m.module_id,
           a.activity_id, a.title, COALESCE(a.content ->> 'question', ''), a.search_config
    FROM activities a JOIN modules m ON m.module_id = a.module_id
    WHERE m.course_id = ANY(%(ids)s)
      AND a.search_document @@ athena_search_query(a.search_config, %(text)s)
),
best AS (
    SELECT DISTINCT ON (course_id) *
    FROM found
    ORDER BY course_id, priority, module_order, item_order
)
SELECT best.course_id, best.kind, best.module_id, best.item_id,
       ts_headline(best.search_config, best.title,
                   athena_search_query(best.search_config, %(text)s), %(title_options)s),
       CASE WHEN best.body = '' THEN ''
            ELSE ts_headline(best.search_config, best.body,
                             athena_search_query(best.search_config, %(text)s),
                             %(body_options)s) END
FROM best
"""  # noqa: S608


def _headline_options(**options: Any) -> str:
    settings = {"StartSel": MARK_START, "StopSel": MARK_STOP, **options}
    return ", ".join(f"{name}={value}" for name, value in settings.items())


def _postgresql_snippet_rows(text: str, course_ids: list[int]) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            _SNIPPET_SQL,
            {
                "text": text,
                "ids": list(course_ids),
                "title_options": _headline_options(HighlightAll="true"),
                "body_options": _headline_options(MaxWords=22, MinWords=10, MaxFragments=1),
            },
        )
        return cursor.fetchall()


def _words(text: str) -> list[str]:
    return re.findall(r"\w[\w'-]*", text.casefold())[:10]


def _mark_words(text: str, words: list[str]) -> str:
    pattern = re.compile("|".join(re.escape(word) for word in words), re.IGNORECASE)
    return pattern.sub(lambda match: f"{MARK_START}{match.group(0)}{MARK_STOP}", text)


def _excerpt_around(text: str, words: list[str], width: int = 70) -> str:
    """Some words either side of the first of `words` in `text`, marked."""
    lowered = text.casefold()
    positions = [p for p in (lowered.find(word) for word in words) if p >= 0]
    if not positions:
        return ""
    first = min(positions)
    start, stop = max(0, first - width), min(len(text), first + width)
    if start:
        start = text.find(" ", start) + 1 or start
    if stop < len(text):
        stop = text.rfind(" ", first, stop) if text.rfind(" ", first, stop) > first else stop
    excerpt = text[start:stop].strip()
    before, after = ("… " if start else ""), (" …" if stop < len(text) else "")
    return before + _mark_words(excerpt, words) + after


def _fallback_snippet_rows(text: str, course_ids: list[int]) -> list[tuple]:
    """Off PostgreSQL: the page's modules, lessons and quizzes holding any of
    the words (one UNION query, bounded by the page), best match picked and
    excerpted here."""
    words = _words(text)
    if not words:
        return []

    def any_word(*fields: str) -> Q:
        condition = Q()
        for word in words:
            for name in fields:
                condition |= Q(**{f"{name}__icontains": word})
        return condition

    def tagged(queryset: Any, kind: str, course: str, module: str, body: Any) -> Any:
        return (
            queryset.order_by()
            .annotate(
                row_kind=Value(kind, output_field=CharField()),
                row_course=course,
                row_module=module,
                row_body=body,
                row_order=zero if kind == "module" else F("display_order"),
                row_module_order=F("module_order" if kind == "module" else "module__module_order"),
            )
            .values_list(
                "row_course",
                "row_kind",
                "row_module",
                "pk",
                "title",
                "row_body",
                "row_module_order",
                "row_order",
            )
        )

    zero = Value(0, output_field=IntegerField())
    modules = tagged(
        Module.objects.filter(Q(course_id__in=course_ids) & any_word("title")),
        "module",
        F("course_id"),
        F("module_id"),
        Value("", output_field=CharField()),
    )
    lessons = tagged(
        Lesson.objects.alias(body=KT("content__value")).filter(
            Q(module__course_id__in=course_ids) & any_word("title", "body")
        ),
        "lesson",
        F("module__course_id"),
        F("module_id"),
        KT("content__value"),
    )
    quizzes = tagged(
        Activity.objects.alias(body=KT("content__question")).filter(
            Q(module__course_id__in=course_ids) & any_word("title", "body")
        ),
        "quiz",
        F("module__course_id"),
        F("module_id"),
        KT("content__question"),
    )
    best: dict[int, tuple[tuple, tuple]] = {}
    for course_id, kind, module_id, item_id, title, body, module_order, order in modules.union(
        lessons, quizzes, all=True
    ):
        in_title = any(word in title.casefold() for word in words)
        priority = {"module": 1, "lesson": 2 if in_title else 4, "quiz": 3}[kind]
        key = (priority, module_order or 0, order or 0)
        marked = _mark_words(title, words)
        row = (course_id, kind, module_id, item_id, marked, _excerpt_around(body or "", words))
        if course_id not in best or key < best[course_id][0]:
            best[course_id] = (key, row)
    return [row for _, row in best.values()]


def search_suggestions(text: str) -> list[str]:
    """Course topics and module or lesson titles of published courses that look
    like `text`: what "Did you mean" offers when a search finds nothing.
    PostgreSQL: trigram word similarity through the GIN trigram indexes;
    elsewhere difflib over a bounded set of titles. One query, or none for
    text with fewer than three letters and digits.

    Only the words are compared: trigrams are made of letters and digits
    anyway, and text without any (punctuation) would read every entry of the
    trigram indexes to find nothing."""
    text = " ".join(search_words(" ".join((text or "").split())[:100]))
    if len(text.replace(" ", "")) < 3:
        return []
    if connection.vendor == "postgresql":
        titles = _postgresql_similar_titles(text)
    else:
        titles = _fallback_similar_titles(text)
    chosen: dict[str, str] = {}  # casefolded -> first spelling seen
    for title in titles:
        chosen.setdefault(title.casefold(), title)
    return list(chosen.values())[:SUGGESTION_COUNT]


# `%(text)s <%% column` is pg_trgm's word-similarity operator (above
# pg_trgm.word_similarity_threshold, 0.6 by default): served by the GIN
# trigram indexes of migration 0008, it finds "Photosynthesis explained"
# for "photosynthsis" without reading every title.
_SUGGESTION_SQL = """
SELECT title FROM (
    (SELECT c.topic AS title, word_similarity(%(text)s, c.topic) AS score
     FROM courses c
     WHERE c.status = 'published' AND %(text)s <%% c.topic
     ORDER BY score DESC LIMIT %(limit)s)
    UNION ALL
    (SELECT m.title, word_similarity(%(text)s, m.title) AS score
     FROM modules m JOIN courses c ON c.course_id = m.course_id
     WHERE c.status = 'published' AND %(text)s <%% m.title
     ORDER BY score DESC LIMIT %(limit)s)
    UNION ALL
    (SELECT l.title, word_similarity(%(text)s, l.title) AS score
     FROM lessons l JOIN modules m ON m.module_id = l.module_id
          JOIN courses c ON c.course_id = m.course_id
     WHERE c.status = 'published' AND %(text)s <%% l.title
     ORDER BY score DESC LIMIT %(limit)s)
) AS candidates
ORDER BY score DESC, title
"""


def _postgresql_similar_titles(text: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(_SUGGESTION_SQL, {"text": text, "limit": SUGGESTION_COUNT * 2})
        return [row[0] for row in cursor.fetchall()]


def _fallback_similar_titles(text: str) -> list[str]:
    published = Q(course__status=Course.Status.PUBLISHED)
    titles = (
        Course.objects.published()
        .order_by()
        .values_list("topic")
        .union(
            Module.objects.filter(published).order_by().values_list("title"),
            Lesson.objects.filter(Q(module__course__status=Course.Status.PUBLISHED))
            .order_by()
            .values_list("title"),
        )[:SUGGESTION_POOL]
    )
    wanted = text.casefold()
    size = len(wanted.split())
    scored = []
    for (title,) in titles:
        words = title.casefold().split()
        windows = [" ".join(words[i : i + size]) for i in range(max(1, len(words) - size + 1))]
        score = max(difflib.SequenceMatcher(None, wanted, window).ratio() for window in windows)
        if score >= 0.75:
            scored.append((-score, title))
    return [title for _, title in sorted(scored)]
