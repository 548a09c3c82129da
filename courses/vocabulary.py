"""The search vocabulary, and how the catalog corrects a misspelt search with it.

The vocabulary is every word of the published courses' topics, descriptions and
module, lesson and quiz titles (`SearchWord`, with how many published courses
use each). `course_content_changed`, which every write of a course goes
through, calls `vocabulary_update` in its transaction: publishing,
unpublishing or editing a course changes the vocabulary the next search of
every process reads, and a draft's words are never in it.

When a search finds nothing, `correct_search` looks its words up in one
query: a word the vocabulary lacks is replaced by the closest word it has, by
Damerau-Levenshtein distance (at most 1 for words of up to four letters, 2 for
longer ones; the more used word wins a tie). Only words with the same first
letter and a length in reach are candidates, read through the index on
(initial, length), at most CANDIDATE_LIMIT of them: the lookup is bounded
whatever the size of the vocabulary. The same code runs on every database.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, F, Q, QuerySet, Value, When

from courses.models import SEARCH_WORD_MAX_LENGTH, CourseSearchWord, SearchWord
from courses.search_text import search_words

# Words shorter than this are neither kept nor corrected: too many words are
# one edit away from a two-letter word.
MIN_WORD_LENGTH = 3
# Words of up to this many letters are corrected by one edit, longer ones by two.
SHORT_WORD_LENGTH = 4
# The most candidate words one correction reads (the most used first).
CANDIDATE_LIMIT = 2000
# The most words of one search looked up.
WORD_LIMIT = 10


def is_vocabulary_word(word: str) -> bool:
    """Whether a (lower-case) word is one the vocabulary keeps, and so one a
    search may correct: MIN_WORD_LENGTH to SEARCH_WORD_MAX_LENGTH characters,
    not all digits."""
    return MIN_WORD_LENGTH <= len(word) <= SEARCH_WORD_MAX_LENGTH and not word.isdigit()


def vocabulary_words(texts: Iterable[str]) -> set[str]:
    """The vocabulary's words in `texts`: runs of letters and digits, lower
    case, kept by `is_vocabulary_word`."""
    return {
        word
        for text in texts
        for word in (found.lower() for found in search_words(text or ""))
        if is_vocabulary_word(word)
    }


def course_texts(topic: str, description: str, outline: dict[str, Any]) -> list[str]:
    """What of a course its vocabulary words come from: topic, description and
    the module, lesson and quiz titles of its stored outline."""
    texts = [topic, description]
    for module in outline.get("modules", []):
        texts.append(module["title"])
        texts.extend(item[2] for item in module["items"])
    return texts


def vocabulary_update(
    *,
    words: dict[int, set[str]],
    course_word_model: Any = CourseSearchWord,
    search_word_model: Any = SearchWord,
) -> None:
    """Make the vocabulary hold `words`, each course's words now (an empty set
    for a draft), for these courses: their rows of `CourseSearchWord` follow,
    and each word's `course_count` moves by what changed, with F() so two
    writers never lose each other's change. One query when nothing changed,
    at most five otherwise. Called in the writing transaction, with the
    courses' rows locked. The model arguments let a migration pass its
    historical models."""
    if not words:
        return
    before: dict[int, set[str]] = {course_id: set() for course_id in words}
    for course_id, word in course_word_model.objects.filter(course_id__in=list(words)).values_list(
        "course_id", "word"
    ):
        before[course_id].add(word)
    added = [
        (course_id, word) for course_id in words for word in words[course_id] - before[course_id]
    ]
    removed = [
        (course_id, word) for course_id in words for word in before[course_id] - words[course_id]
    ]
    if removed:
        condition = Q()
        for course_id in {course_id for course_id, _ in removed}:
            gone = [word for other, word in removed if other == course_id]
            condition |= Q(course_id=course_id, word__in=gone)
        course_word_model.objects.filter(condition).delete()
    if added:
        course_word_model.objects.bulk_create(
            course_word_model(course_id=course_id, word=word) for course_id, word in added
        )
        search_word_model.objects.bulk_create(
            (
                search_word_model(word=word, initial=word[0], length=len(word), course_count=0)
                for word in sorted({word for _, word in added})
            ),
            ignore_conflicts=True,
        )
    change = Counter(word for _, word in added)
    change.subtract(word for _, word in removed)
    by_step: dict[int, list[str]] = {}
    for word, step in change.items():
        if step:
            by_step.setdefault(step, []).append(word)
    if by_step:
        # One statement for every changed word: rows are locked in one
        # order (the index's), so two writers cannot deadlock on them.
        steps = Case(
            *(
                When(word__in=sorted(changed), then=Value(step))
                for step, changed in by_step.items()
            ),
            default=Value(0),
        )
        search_word_model.objects.filter(
            word__in=sorted(word for changed in by_step.values() for word in changed)
        ).update(course_count=F("course_count") + steps)


def vocabulary_forget(*, course_ids: Iterable[int]) -> None:
    """Take the words of courses about to be deleted out of the vocabulary."""
    vocabulary_update(words={course_id: set() for course_id in course_ids})


def edit_distance(first: str, second: str, limit: int) -> int:
    """The Damerau-Levenshtein distance (optimal string alignment: an edit is
    an insertion, a deletion, a substitution or a swap of neighbours) between
    the two words, or `limit + 1` once it is sure to be more than `limit`."""
    if abs(len(first) - len(second)) > limit:
        return limit + 1
    before: list[int] = []
    previous = list(range(len(second) + 1))
    for row, letter in enumerate(first, start=1):
        current = [row] + [0] * len(second)
        for column, other in enumerate(second, start=1):
            current[column] = min(
                previous[column] + 1,
                current[column - 1] + 1,
                previous[column - 1] + (letter != other),
            )
            if row > 1 and column > 1 and letter == second[column - 2] and first[row - 2] == other:
                current[column] = min(current[column], before[column - 2] + 1)
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return min(previous[-1], limit + 1)


def allowed_distance(word: str) -> int:
    return 1 if len(word) <= SHORT_WORD_LENGTH else 2


def corrected_pieces(text: str, replaced: Iterable[tuple[str, str]]) -> list[tuple[str, bool]]:
    """`text` with each whole word `replaced` names (as typed, in any case)
    replaced by its correction, as (piece, whether it is a correction) pairs."""
    corrections = dict(replaced)
    alternatives = "|".join(re.escape(typed) for typed in corrections)
    typed_words = re.compile(rf"(?<![^\W_])(?:{alternatives})(?![^\W_])", re.IGNORECASE)
    pieces: list[tuple[str, bool]] = []
    last = 0
    for match in typed_words.finditer(text):
        pieces.append((text[last : match.start()], False))
        pieces.append((corrections[match.group(0).lower()], True))
        last = match.end()
    pieces.append((text[last:], False))
    return [(piece, corrected) for piece, corrected in pieces if piece]


def replaced_words(text: str, replaced: Iterable[tuple[str, str]]) -> str:
    return "".join(piece for piece, _ in corrected_pieces(text, replaced))


@dataclass(frozen=True)
class Correction:
    """A search with its misspelt words replaced: `text` to search for, and
    `replaced`, each word as typed (lower case) with its correction."""

    text: str
    replaced: tuple[tuple[str, str], ...]

    def pieces(self, text: str) -> list[tuple[str, bool]]:
        """`text` (the search as typed, preference words and all) with the
        same words replaced, as (piece, whether it is a correction) pairs for
        the page to mark the corrections up."""
        return corrected_pieces(text, self.replaced)

    def apply(self, text: str) -> str:
        """`text` with the same words replaced."""
        return replaced_words(text, self.replaced)


# A word of the search that may be corrected: letters and digits outside
# quotes, not negated by a leading "-".
_WORD_OR_QUOTE = re.compile(r'"[^"]*"?|(?<![\w-])-[^\W_]+|[^\W_]+')


def candidate_words(wanted: list[str]) -> QuerySet[SearchWord]:
    """The vocabulary's words that `wanted` (lower-case words) may be or be
    corrected to: the same words, and those with the same first letter and a
    length in reach; at most CANDIDATE_LIMIT, the words as typed first (a known
    word is never crowded out), then the most used."""
    condition = Q(word__in=wanted)
    for word in wanted:
        reach = allowed_distance(word)
        condition |= Q(
            initial=word[0], length__gte=len(word) - reach, length__lte=len(word) + reach
        )
    as_typed = Case(When(word__in=wanted, then=Value(0)), default=Value(1))
    return SearchWord.objects.filter(condition, course_count__gt=0).order_by(
        as_typed, "-course_count", "word"
    )[:CANDIDATE_LIMIT]


def correct_search(text: str) -> Correction | None:
    """`text` with each word the vocabulary lacks replaced by its closest
    word, or None when no word needs it or none is close enough. One query,
    none for text without a word to look up."""
    spans = [
        match for match in _WORD_OR_QUOTE.finditer(text or "") if match.group(0)[0] not in '"-'
    ][:WORD_LIMIT]
    wanted = [
        word
        for word in dict.fromkeys(match.group(0).lower() for match in spans)
        if is_vocabulary_word(word)
    ]
    if not wanted:
        return None
    candidates = list(candidate_words(wanted).values_list("word", "course_count"))
    known = {word for word, _ in candidates}
    corrections: dict[str, str] = {}
    for word in wanted:
        if word in known:
            continue
        reach = allowed_distance(word)
        best: tuple[int, int, str] | None = None
        for candidate, count in candidates:
            if candidate[0] != word[0]:
                continue
            distance = edit_distance(word, candidate, reach)
            if distance <= reach and (best is None or (distance, -count, candidate) < best):
                best = (distance, -count, candidate)
        if best is not None:
            corrections[word] = best[2]
    if not corrections:
        return None
    replaced = tuple(corrections.items())
    return Correction(text=replaced_words(text, replaced), replaced=replaced)
