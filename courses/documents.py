"""The course document (docs/course-format.md): read and validate it, and write
a course back to it.

This is the one reader and writer of the format: `import_course`, `export_course`,
the demo loader, the admin upload and the generator all go through it. Building
courses from a validated document is a database write: `courses.services`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from courses.models import (
    DEFAULT_PREFERENCES,
    PREFERENCE_CHOICES,
    TITLE_MAX_LENGTH,
    Activity,
    Course,
    Lesson,
    language_code,
    preference_problem,
    quiz_problems,
)

COURSE_KEYS = {"topic", "description", "language", "preferences", "modules", "metadata"}
MODULE_KEYS = {"title", "description", "content"}
LESSON_KEYS = {"lesson_title", "content"}
LESSON_CONTENT_KEYS = {"type", "value"}
QUIZ_KEYS = {"quiz_title", "type", "content"}
QUIZ_CONTENT_KEYS = {"question", "options", "answer", "explanation", "hint", "feedback"}

# A valid document nests 7 levels deep (course, modules, module, content, item,
# content, options); far deeper is a hostile or broken file, and Python's JSON
# reader gives up with RecursionError near 1,000 levels.
MAX_DEPTH = 16
# Numbers in a document are option numbers. Python refuses to convert more than
# 4,300 digits (a ValueError inside json.loads): longer ones are reported instead.
MAX_NUMBER_DIGITS = 20
# Problems listed for one document at most: a hostile file can have millions.
MAX_PROBLEMS = 50
_SURROGATE = re.compile("[\ud800-\udfff]")
_BRACKETS_AND_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[{\]}]')


@dataclass(frozen=True)
class LessonSpec:
    title: str
    markdown: str


@dataclass(frozen=True)
class QuizSpec:
    title: str
    type: str
    question: str
    options: list[str]
    answer: int
    explanation: str = ""
    hint: str = ""
    # One text per option ("" for none), or none at all.
    feedback: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ModuleSpec:
    title: str
    description: str
    items: list[LessonSpec | QuizSpec]


@dataclass(frozen=True)
class CourseSpec:
    topic: str
    description: str
    preferences: dict[str, str]
    modules: list[ModuleSpec]
    warnings: list[str] = field(default_factory=list)
    # The same warnings with their places in words (`problem_in_words`), for editors.
    warnings_in_words: list[str] = field(default_factory=list)
    # A language code (courses.models.LANGUAGE_NAMES); English when not given.
    language: str = "en"

    @property
    def counts(self) -> dict[str, int]:
        items = [item for module in self.modules for item in module.items]
        return {
            "modules": len(self.modules),
            "lessons": sum(isinstance(item, LessonSpec) for item in items),
            "activities": sum(isinstance(item, QuizSpec) for item in items),
        }


class DocumentError(Exception):
    """A document that cannot be imported; `problems` names each place (as a
    JSON path, for tools: "modules[0].content[1].content.answer") and why;
    `in_words` says the same for an editor ("Module 1, item 2 (quiz “X”):
    answer ..."), keeping the path at the end."""

    def __init__(self, problems: list[str], source: str = "", document: Any = None) -> None:
        self.problems = problems
        self.source = source
        self.document = document
        super().__init__("\n".join(problems))

    @property
    def in_words(self) -> list[str]:
        return [problem_in_words(problem, self.document) for problem in self.problems]


_MODULE_PLACE = re.compile(r"modules\[(\d+)\](.*)", re.DOTALL)
_ITEM_PLACE = re.compile(r"\.content\[(\d+)\](.*)", re.DOTALL)
_NUMBERED = re.compile(r"(options|feedback)\[(\d+)\]")
# What an item's or a module's fields are called in words.
_ITEM_FIELDS = {
    "": "",
    ".lesson_title": pgettext_lazy("document field", "title"),
    ".quiz_title": pgettext_lazy("document field", "title"),
    ".type": pgettext_lazy("document field", "type"),
    ".content": pgettext_lazy("document field", "content"),
    ".content.type": pgettext_lazy("document field", "content type"),
    ".content.value": pgettext_lazy("document field", "text"),
    ".content.question": pgettext_lazy("document field", "question"),
    ".content.options": pgettext_lazy("document field", "options"),
    ".content.answer": pgettext_lazy("document field", "answer"),
    ".content.explanation": pgettext_lazy("document field", "explanation"),
    ".content.hint": pgettext_lazy("document field", "hint"),
    ".content.feedback": pgettext_lazy("document field", "feedback"),
}
_MODULE_FIELDS = {
    "": "",
    ".title": pgettext_lazy("document field", "title"),
    ".description": pgettext_lazy("document field", "description"),
    ".content": pgettext_lazy("document field", "lessons and quizzes"),
}
_PLACES_OUTSIDE_JSON = {
    "(document)": gettext_lazy("The document"),
    "(file)": gettext_lazy("The file"),
}


def _at(value: Any, *steps: str | int) -> Any:
    """`value[steps[0]][steps[1]]...`, or None wherever the document differs."""
    for step in steps:
        if isinstance(step, int) and isinstance(value, list) and 0 <= step < len(value):
            value = value[step]
        elif isinstance(step, str) and isinstance(value, dict):
            value = value.get(step)
        else:
            return None
    return value


def _quoted_title(value: Any) -> str:
    text = " ".join(value.split()) if isinstance(value, str) else ""
    return f"“{text if len(text) <= 40 else text[:39] + '…'}”" if text else ""


def _item_words(document: Any, module: int, item: int, rest: str) -> tuple[str, str]:
    """("item 2 (quiz “X”)", "option 3") for an item of a module and the rest of a path."""
    value = _at(document, "modules", module, "content", item)
    where = _("item %(number)s") % {"number": item + 1}
    if isinstance(value, dict):
        if "quiz_title" in value:
            title = _quoted_title(value["quiz_title"])
            where = _("item %(number)s (quiz %(title)s)") if title else _("item %(number)s (quiz)")
            where = where % {"number": item + 1, "title": title}
        elif "lesson_title" in value:
            title = _quoted_title(value["lesson_title"])
            where = (
                _("item %(number)s (lesson %(title)s)") if title else _("item %(number)s (lesson)")
            )
            where = where % {"number": item + 1, "title": title}
    if rest in _ITEM_FIELDS:
        return where, str(_ITEM_FIELDS[rest])
    if (match := _NUMBERED.fullmatch(rest.removeprefix(".content."))) is not None:
        number = int(match.group(2)) + 1
        field = (
            _("option %(number)s")
            if match.group(1) == "options"
            else _("feedback for option %(number)s")
        ) % {"number": number}
        return where, field
    return where, rest.lstrip(".")


def problem_in_words(problem: str, document: Any = None) -> str:
    """One problem ("path: message") with its place in words first, the JSON
    path kept at the end for tools: "Module 1, item 2 (quiz “X”): answer 7 is
    not an option number (1-3) (modules[0].content[1].content.answer)"."""
    path, separator, message = problem.partition(": ")
    if not separator:
        return problem
    if path in _PLACES_OUTSIDE_JSON:
        return f"{_PLACES_OUTSIDE_JSON[path]}: {message}"
    if path.startswith("--"):
        return _("The %(option)s option: %(problem)s") % {"option": path, "problem": message}
    if (module_match := _MODULE_PLACE.fullmatch(path)) is not None:
        module, rest = int(module_match.group(1)), module_match.group(2)
        if (item_match := _ITEM_PLACE.fullmatch(rest)) is not None:
            item_where, field = _item_words(
                document, module, int(item_match.group(1)), item_match.group(2)
            )
            where = _("Module %(number)s, %(item)s") % {"number": module + 1, "item": item_where}
        else:
            where = _("Module %(number)s") % {"number": module + 1}
            field = str(_MODULE_FIELDS.get(rest, rest.lstrip(".")))
    else:
        where = _("Course")
        preference = path.removeprefix("preferences.")
        field = _("preference “%(name)s”") % {"name": preference} if preference != path else path
    values = {"place": where, "field": field, "problem": message, "path": path}
    if field:
        # Translators: a problem of an imported course document: "Module 1, item 2
        # (quiz “X”): answer 7 is not an option number (1-3) (modules[0]...)".
        return _("%(place)s: %(field)s %(problem)s (%(path)s)") % values
    return _("%(place)s: %(problem)s (%(path)s)") % values


@dataclass(frozen=True)
class _Unreadable:
    """A JSON value Python cannot hold faithfully, kept for `_hostile_problems`
    to report at its place."""

    message: str


def _parse_int(text: str) -> int | _Unreadable:
    digits = len(text.lstrip("-"))
    if digits > MAX_NUMBER_DIGITS:
        return _Unreadable(
            _("is a number with %(digits)s digits; the most is %(most)s")
            % {"digits": digits, "most": MAX_NUMBER_DIGITS}
        )
    return int(text)


def _parse_constant(name: str) -> _Unreadable:
    return _Unreadable(_("%(name)s is not a number (JSON has no NaN or Infinity)") % {"name": name})


def _too_long(length: int, most: int) -> str:
    return _("is %(length)s characters long; the most is %(most)s") % {
        "length": length,
        "most": most,
    }


def _place(path: str) -> str:
    return path or "(document)"


def _shown(value: Any, limit: int = 60) -> str:
    """A value as JSON for a message, cut short: messages must stay readable."""
    text = json.dumps(value, ensure_ascii=True, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _string_problem(text: str) -> str | None:
    if "\x00" in text:
        return _("contains a NUL character, which text cannot hold")
    if _SURROGATE.search(text):
        return _("contains a lone UTF-16 surrogate (\\ud800-\\udfff), which is not text")
    return None


def _hostile_problems(document: Any) -> list[str]:
    """What no course can hold, anywhere in the document: NUL characters, lone
    surrogates, numbers Python will not convert, nesting beyond MAX_DEPTH.

    Iterative, so a deep document cannot exhaust the stack here."""
    problems: list[str] = []
    stack: list[tuple[str, Any, int]] = [("", document, 0)]
    while stack and len(problems) <= MAX_PROBLEMS:
        path, value, depth = stack.pop()
        if isinstance(value, str):
            if (problem := _string_problem(value)) is not None:
                problems.append(f"{_place(path)}: {problem}")
        elif isinstance(value, _Unreadable):
            problems.append(f"{_place(path)}: {value.message}")
        elif isinstance(value, dict | list):
            if depth >= MAX_DEPTH:
                problems.append(
                    f"{_place(path)}: "
                    + _("nested more than %(most)s levels deep") % {"most": MAX_DEPTH}
                )
                continue
            if isinstance(value, list):
                children = [(f"{path}[{index}]", item) for index, item in enumerate(value)]
            else:
                children = []
                for key, item in value.items():
                    if isinstance(key, str) and (problem := _string_problem(key)) is not None:
                        problems.append(
                            f"{_place(path)}: " + _("a key %(problem)s") % {"problem": problem}
                        )
                        continue
                    children.append((f"{path}.{key}" if path else str(key), item))
            stack.extend((child, item, depth + 1) for child, item in reversed(children))
    if len(problems) > MAX_PROBLEMS:
        problems[MAX_PROBLEMS:] = ["(document): " + _("more problems not listed")]
    return problems


def _too_deep_at(text: str) -> str:
    """Where `text` first nests deeper than MAX_DEPTH, as "line L, column C"."""
    depth = 0
    for match in _BRACKETS_AND_STRINGS.finditer(text):
        symbol = match.group()
        if symbol in ("[", "{"):
            depth += 1
            if depth > MAX_DEPTH:
                line = text.count("\n", 0, match.start()) + 1
                column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
                return _("line %(line)s, column %(column)s") % {"line": line, "column": column}
        elif symbol in ("]", "}"):
            depth -= 1
    return _("somewhere")


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {
        bool: _("a boolean"),
        int: _("a number"),
        float: _("a number"),
        str: _("a string"),
        list: _("an array"),
        dict: _("an object"),
    }.get(type(value), type(value).__name__)


class _Reader:
    """Walks one document, collecting every problem instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.warnings: list[str] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    def warn_unknown(self, path: str, value: dict[str, Any], known: set[str]) -> None:
        for key in sorted(set(value) - known):
            key = key if len(key) <= 60 else key[:59] + "…"
            place = f"{path}.{key}" if path else key
            self.warnings.append(f"{place}: " + _("unknown key, ignored"))

    def obj(self, path: str, value: Any) -> dict[str, Any] | None:
        if isinstance(value, dict):
            return value
        self.problem(path, _("must be an object, not %(type)s") % {"type": _type_name(value)})
        return None

    def text(
        self,
        parent: dict[str, Any],
        key: str,
        path: str,
        *,
        required: bool = True,
        max_length: int | None = None,
    ) -> str:
        place = f"{path}.{key}" if path else key
        if key not in parent:
            if required:
                self.problem(place, _("is required"))
            return ""
        value = parent[key]
        if not isinstance(value, str):
            self.problem(place, _("must be a string, not %(type)s") % {"type": _type_name(value)})
            return ""
        if required and not value.strip():
            self.problem(place, _("must not be empty"))
        if max_length is not None and len(value) > max_length:
            self.problem(place, _too_long(len(value), max_length))
        return value.strip() if max_length is not None else value

    def language(self, document: dict[str, Any]) -> str:
        """The document's language code, English when it gives none."""
        if "language" not in document:
            return "en"
        code = language_code(document["language"])
        if code is None:
            self.problem(
                "language",
                _("%(value)s is not a language code Athena knows (such as en, de, ar)")
                % {"value": _shown(document["language"])},
            )
            return "en"
        return code

    def preferences(
        self, document: dict[str, Any], overrides: dict[str, str | None]
    ) -> dict[str, str]:
        preferences = dict(DEFAULT_PREFERENCES)
        given = document.get("preferences")
        if given is not None:
            given = self.obj("preferences", given)
        for key in PREFERENCE_CHOICES:
            override = overrides.get(key)
            if override:
                value, place = override, f"--{key}"
            elif given and key in given:
                value, place = given[key], f"preferences.{key}"
            else:
                self.warnings.append(
                    f"preferences.{key}: "
                    + _("not given, using %(value)s") % {"value": repr(DEFAULT_PREFERENCES[key])}
                )
                continue
            # Generators write BEGINNER or In-Depth: any case is accepted.
            normalised = value.strip().lower() if isinstance(value, str) else value
            if preference_problem(key, normalised) is None:
                preferences[key] = normalised
            else:
                self.problem(place, str(preference_problem(key, value)))
        if given:
            self.warn_unknown("preferences", given, set(PREFERENCE_CHOICES))
        return preferences

    def module(self, path: str, value: Any) -> ModuleSpec | None:
        module = self.obj(path, value)
        if module is None:
            return None
        self.warn_unknown(path, module, MODULE_KEYS)
        title = self.text(module, "title", path, max_length=TITLE_MAX_LENGTH)
        description = self.text(module, "description", path, required=False)
        items: list[LessonSpec | QuizSpec] = []
        content = module.get("content")
        if "content" not in module:
            self.problem(f"{path}.content", _("is required"))
        elif not isinstance(content, list):
            self.problem(
                f"{path}.content",
                _("must be an array, not %(type)s") % {"type": _type_name(content)},
            )
        elif not content:
            self.problem(f"{path}.content", _("must hold at least one lesson or quiz"))
        elif len(content) > (most := settings.ATHENA_IMPORT_MAX_ITEMS_PER_MODULE):
            self.problem(
                f"{path}.content",
                _("has %(count)s lessons and quizzes; the most is %(most)s")
                % {"count": len(content), "most": most},
            )
        else:
            for index, item in enumerate(content):
                spec = self.item(f"{path}.content[{index}]", item)
                if spec is not None:
                    items.append(spec)
        return ModuleSpec(title=title, description=description, items=items)

    def item(self, path: str, value: Any) -> LessonSpec | QuizSpec | None:
        item = self.obj(path, value)
        if item is None:
            return None
        is_lesson, is_quiz = "lesson_title" in item, "quiz_title" in item
        if is_lesson and is_quiz:
            self.problem(
                path, _("has both lesson_title and quiz_title; an item is one or the other")
            )
            return None
        if is_lesson:
            return self.lesson(path, item)
        if is_quiz:
            return self.quiz(path, item)
        self.problem(path, _("needs lesson_title (a lesson) or quiz_title (a quiz)"))
        return None

    def lesson(self, path: str, item: dict[str, Any]) -> LessonSpec:
        self.warn_unknown(path, item, LESSON_KEYS)
        title = self.text(item, "lesson_title", path, max_length=TITLE_MAX_LENGTH)
        markdown = ""
        place = f"{path}.content"
        if "content" not in item:
            self.problem(place, _("is required"))
        elif (content := self.obj(place, item["content"])) is not None:
            self.warn_unknown(place, content, LESSON_CONTENT_KEYS)
            kind = content.get("type", "MARKDOWN")
            if not isinstance(kind, str) or kind.upper() != "MARKDOWN":
                self.problem(
                    f"{place}.type", _("%(value)s is not MARKDOWN") % {"value": _shown(kind)}
                )
            markdown = self.text(content, "value", place)
            if len(markdown) > (most := settings.ATHENA_IMPORT_MAX_LESSON_CHARS):
                self.problem(f"{place}.value", _too_long(len(markdown), most))
        return LessonSpec(title=title, markdown=markdown)

    def quiz(self, path: str, item: dict[str, Any]) -> QuizSpec:
        self.warn_unknown(path, item, QUIZ_KEYS)
        title = self.text(item, "quiz_title", path, max_length=TITLE_MAX_LENGTH)
        kind = item.get("type", Activity.Type.QUIZ.value)
        if not isinstance(kind, str) or kind.lower() not in Activity.Type.values:
            self.problem(
                f"{path}.type",
                _("%(value)s is not an activity type (%(types)s)")
                % {"value": _shown(kind), "types": ", ".join(Activity.Type.values)},
            )
            kind = Activity.Type.QUIZ.value
        question, options, answer, explanation, hint, feedback = "", [], 0, "", "", []
        place = f"{path}.content"
        if "content" not in item:
            self.problem(place, _("is required"))
        elif (content := self.obj(place, item["content"])) is not None:
            self.warn_unknown(place, content, QUIZ_CONTENT_KEYS)
            question = self.text(content, "question", place)
            options = self.options(f"{place}.options", content)
            answer = self.answer(f"{place}.answer", content)
            explanation = self.text(content, "explanation", place, required=False).strip()
            hint = self.text(content, "hint", place, required=False).strip()
            feedback = self.feedback(f"{place}.feedback", content)
            self.quiz_rules(
                place,
                question=question,
                options=options,
                answer=answer,
                explanation=explanation,
                hint=hint,
                feedback=feedback,
            )
        return QuizSpec(
            title=title,
            type=kind.lower(),
            question=question,
            options=options,
            answer=answer,
            explanation=explanation,
            hint=hint,
            feedback=feedback if any(text for text in feedback) else [],
        )

    def feedback(self, path: str, content: dict[str, Any]) -> list[str]:
        """One text per option (trimmed; null or absent: none)."""
        value = content.get("feedback")
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(
                path,
                _("must be an array of texts, one per option, not %(type)s")
                % {"type": _type_name(value)},
            )
            return []
        texts = []
        for index, text in enumerate(value):
            if text is None:
                text = ""
            if not isinstance(text, str):
                self.problem(
                    f"{path}[{index}]",
                    _("must be a string, not %(type)s") % {"type": _type_name(text)},
                )
                text = ""
            texts.append(text.strip())
        return texts

    def quiz_rules(self, place: str, **quiz: Any) -> None:
        """The quiz rules the admin and the model apply too, for each place not
        already reported (a missing answer is not also "out of range")."""
        reported = {problem.split(": ", 1)[0] for problem in self.problems}
        for problem in quiz_problems(**quiz):
            problem_place = f"{place}.{problem.field}"
            if problem_place not in reported:
                self.problem(problem_place, problem.message)

    def options(self, path: str, content: dict[str, Any]) -> list[str]:
        """The options as text: true/false quizzes arrive as JSON booleans and
        some generators write numbers. The quiz rules check the rest."""
        if "options" not in content:
            self.problem(path, _("is required"))
            return []
        value = content["options"]
        if not isinstance(value, list):
            self.problem(path, _("must be an array, not %(type)s") % {"type": _type_name(value)})
            return []
        options = []
        for index, option in enumerate(value):
            if isinstance(option, bool):
                options.append("True" if option else "False")
            elif isinstance(option, int | float):
                options.append(str(option))
            elif isinstance(option, str):
                options.append(option.strip())
            else:
                self.problem(
                    f"{path}[{index}]",
                    _("must be a string or boolean, not %(type)s") % {"type": _type_name(option)},
                )
                options.append("")
        return options

    def answer(self, path: str, content: dict[str, Any]) -> int:
        """The answer as a number (generators write `2` or `"2"`); 0 when it is
        missing or not a whole number, which is reported here."""
        if "answer" not in content:
            self.problem(path, _("is required"))
            return 0
        value = content["answer"]
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        text = value.strip() if isinstance(value, str) else ""
        # ASCII digits only ("²" is a digit to isdigit(), not to int()), and
        # few of them: int() refuses over 4,300, and no quiz has a billion options.
        if text.isascii() and text.isdigit() and len(text) <= 9:
            return int(text)
        self.problem(
            path,
            _("%(value)s is not an option number (a whole number, as a string or a number)")
            % {"value": _shown(value)},
        )
        return 0


def validate_document(
    document: Any,
    *,
    level: str | None = None,
    duration: str | None = None,
    focus: str | None = None,
) -> CourseSpec:
    """Check a parsed document; answer what to build or raise `DocumentError`
    naming every problem. Preferences given here override the document's."""
    hostile = _hostile_problems(document)
    if hostile:
        raise DocumentError(hostile, document=document)
    reader = _Reader()
    root = reader.obj("(document)", document)
    if root is None:
        raise DocumentError(reader.problems, document=document)
    reader.warn_unknown("", root, COURSE_KEYS)
    topic = reader.text(root, "topic", "", max_length=TITLE_MAX_LENGTH)
    description = reader.text(root, "description", "", required=False)
    language = reader.language(root)
    preferences = reader.preferences(root, {"level": level, "duration": duration, "focus": focus})
    modules: list[ModuleSpec] = []
    value = root.get("modules")
    if "modules" not in root:
        reader.problem("modules", _("is required"))
    elif not isinstance(value, list):
        reader.problem("modules", _("must be an array, not %(type)s") % {"type": _type_name(value)})
    elif not value:
        reader.problem("modules", _("must hold at least one module"))
    elif len(value) > (most := settings.ATHENA_IMPORT_MAX_MODULES):
        reader.problem(
            "modules",
            _("has %(count)s modules; the most is %(most)s") % {"count": len(value), "most": most},
        )
    else:
        for index, module in enumerate(value):
            spec = reader.module(f"modules[{index}]", module)
            if spec is not None:
                modules.append(spec)
    if reader.problems:
        raise DocumentError(reader.problems, document=document)
    return CourseSpec(
        topic=topic,
        description=description,
        preferences=preferences,
        modules=modules,
        warnings=reader.warnings,
        warnings_in_words=[problem_in_words(warning, root) for warning in reader.warnings],
        language=language,
    )


def parse_document(text: str | bytes, **preferences: str | None) -> CourseSpec:
    """Parse JSON text and validate it; invalid JSON is reported with its line.

    Nothing a file holds makes this raise anything but `DocumentError`."""
    most = settings.ATHENA_IMPORT_MAX_BYTES
    size = len(text) if isinstance(text, bytes) else len(text.encode("utf-8", "surrogatepass"))
    if size > most:
        raise DocumentError(
            [
                "(document): "
                + _("is %(size)s bytes; the most is %(most)s") % {"size": size, "most": most}
            ]
        )
    try:
        if isinstance(text, bytes):
            text = text.decode(json.detect_encoding(text))
        document = json.loads(text, parse_int=_parse_int, parse_constant=_parse_constant)
    except json.JSONDecodeError as error:
        raise DocumentError(
            [
                "(document): "
                + _("invalid JSON at line %(line)s, column %(column)s: %(error)s")
                % {"line": error.lineno, "column": error.colno, "error": error.msg}
            ]
        ) from error
    except UnicodeDecodeError as error:
        raise DocumentError(
            ["(document): " + _("not UTF-8 text (%(reason)s)") % {"reason": error.reason}]
        ) from error
    except RecursionError as error:
        raise DocumentError(
            [
                f"(document): {_too_deep_at(text)}: "
                + _("nested more than %(most)s levels deep") % {"most": MAX_DEPTH}
            ]
        ) from error
    return validate_document(document, **preferences)


def course_export(course: Course) -> dict[str, Any]:
    """The course as a document, the shape `validate_document` reads: the one
    writer of the format, used by `export_course`, the admin and duplication."""
    course = Course.objects.with_outline().get(pk=course.pk)
    return {
        "topic": course.topic,
        "description": course.description,
        "language": course.language,
        "preferences": {key: course.preferences.get(key) for key in PREFERENCE_CHOICES},
        "modules": [
            {
                "title": module.title,
                "description": module.description,
                "content": [_item_document(item) for item in module.ordered_items()],
            }
            for module in course.modules.all()
        ],
    }


def course_export_json(course: Course) -> str:
    """`course_export` as the text of a `.json` file."""
    return json.dumps(course_export(course), indent=2, ensure_ascii=False) + "\n"


def _item_document(item: Lesson | Activity) -> dict[str, Any]:
    if isinstance(item, Lesson):
        return {
            "lesson_title": item.title,
            "content": {"type": "MARKDOWN", "value": item.markdown},
        }
    content: dict[str, Any] = {
        "question": item.question,
        "options": item.options,
        "answer": str(item.answer),
    }
    if item.explanation:
        content["explanation"] = item.explanation
    if item.hint:
        content["hint"] = item.hint
    if item.feedback:
        content["feedback"] = item.feedback
    return {"quiz_title": item.title, "type": item.type, "content": content}
