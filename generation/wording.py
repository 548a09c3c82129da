"""What the worker writes for learners to read later: a job's stage label
("Writing module 2 of 5: lesson 3 of 4 written") and why a job or a change
failed. The worker has no learner's language, so it stores these in English
(staff read them so in the admin); pages and the status JSON show them in the
reader's language with `shown`, which recognises each stored text by its
English pattern and translates it with its numbers."""

from __future__ import annotations

import re
from functools import cache

from django.utils.translation import gettext, gettext_noop

# Progress labels with numbers (the pipeline formats them with named values).
WRITING_LESSON = gettext_noop(
    "Writing module %(module)d of %(modules)d: lesson %(number)d of %(count)d written"
)
WRITING_QUIZ = gettext_noop(
    "Writing module %(module)d of %(modules)d: quiz %(number)d of %(count)d written"
)
MODULE_READY = gettext_noop("Module %(module)d of %(modules)d is ready to read")
REWRITING_LESSON = gettext_noop("Checking module %(module)d: rewriting a lesson the checks refused")
REWRITING_QUIZ = gettext_noop("Checking module %(module)d: rewriting a quiz the checks refused")
# Failure reasons with a value in them.
TOPIC_LENGTH = gettext_noop("The topic must be %(min)d to %(max)d characters long.")
HTTP_ERROR = gettext_noop("The model server answered with an error (HTTP %(status)s).")

# Fixed texts stored the same way (marked here so every one has a translation).
FIXED = (
    gettext_noop("Waiting for a worker"),
    gettext_noop("Starting"),
    gettext_noop("Planning the course"),
    gettext_noop("Revising the plan"),
    gettext_noop("Your plan is ready to review"),
    gettext_noop("Saving"),
    gettext_noop("Your course is ready"),
    gettext_noop("Cancelled"),
    gettext_noop("Failed"),
)

PATTERNS = (
    WRITING_LESSON,
    WRITING_QUIZ,
    MODULE_READY,
    REWRITING_LESSON,
    REWRITING_QUIZ,
    TOPIC_LENGTH,
    HTTP_ERROR,
)
_PLACEHOLDER = re.compile(r"%\((\w+)\)([ds])")


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    parts = []
    last = 0
    for match in _PLACEHOLDER.finditer(pattern):
        parts.append(re.escape(pattern[last : match.start()]))
        name, kind = match.groups()
        parts.append(rf"(?P<{name}>\d+)" if kind == "d" else rf"(?P<{name}>.+?)")
        last = match.end()
    parts.append(re.escape(pattern[last:]))
    return re.compile("".join(parts))


def shown(text: str) -> str:
    """`text` (stored in English by the worker) in the active language; a text
    Athena does not know (an old job's) as it is."""
    if not text:
        return text
    for pattern in PATTERNS:
        match = _compiled(pattern).fullmatch(text)
        if match:
            values: dict[str, int | str] = {
                name: int(value) if value.isdigit() else value
                for name, value in match.groupdict().items()
            }
            return gettext(pattern) % values
    return gettext(text)
