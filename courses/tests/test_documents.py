"""The course document: validation with places, all-or-nothing import, export."""

import copy
import io
import json
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from courses.documents import (
    DocumentError,
    course_export,
    parse_document,
    problem_in_words,
    validate_document,
)
from courses.models import Activity, Course, Lesson, Module
from courses.services import course_count_items, course_import
from tests.factories import course_document

pytestmark = pytest.mark.django_db


def database_rows() -> tuple[int, int, int, int]:
    return (
        Course.objects.count(),
        Module.objects.count(),
        Lesson.objects.count(),
        Activity.objects.count(),
    )


def problems_of(document) -> list[str]:
    with pytest.raises(DocumentError) as caught:
        validate_document(document)
    return caught.value.problems


def test_a_valid_document_round_trips_through_export():
    document = course_document(modules=3, lessons=2, quizzes=2)
    document["modules"][1]["content"][0]["content"]["value"] = "# Title\n\n| a | b |\n|---|---|"
    course = course_import(spec=validate_document(document))
    exported = course_export(course)
    assert exported == document
    again = course_import(spec=validate_document(exported))
    assert course_export(again) == document


def test_import_stores_order_counts_and_draft_state():
    document = course_document(modules=2, lessons=2, quizzes=1)
    course = course_import(spec=validate_document(document))
    assert course.status == Course.Status.DRAFT
    assert course.metadata["count"] == {"modules": 2, "lessons": 4, "activities": 2}
    assert course.metadata["count"] == course_count_items(course_id=course.pk)
    assert [module.module_order for module in course.modules.all()] == [1, 2]
    items = course.modules.first().ordered_items()
    assert [item.display_order for item in items] == [1, 2, 3]
    quiz = items[1]
    assert quiz.options == ["Alpha", "Beta", "Gamma"]
    assert quiz.answer == 2


def test_metadata_in_a_document_is_never_trusted():
    document = course_document(modules=1, lessons=1, quizzes=0)
    document["metadata"] = {"count": {"modules": 99, "lessons": 99, "activities": 99}}
    course = course_import(spec=validate_document(document))
    assert course.metadata["count"] == {"modules": 1, "lessons": 1, "activities": 0}


def test_upper_case_preferences_are_accepted_and_stored_lower_case():
    document = course_document()
    document["preferences"] = {"level": "BEGINNER", "duration": "Long", "focus": "IN-DEPTH"}
    course = course_import(spec=validate_document(document))
    assert course.preferences == {"level": "beginner", "duration": "long", "focus": "in-depth"}


def test_boolean_options_and_numeric_answers_are_accepted():
    document = course_document(modules=1, lessons=1, quizzes=1)
    quiz = document["modules"][0]["content"][1]
    quiz["content"] = {"question": "The sky is blue.", "options": [True, False], "answer": 1}
    course = course_import(spec=validate_document(document))
    activity = Activity.objects.get(module__course=course)
    assert activity.options == ["True", "False"]
    assert activity.answer == 1
    assert course_export(course)["modules"][0]["content"][1]["content"]["answer"] == "1"


def test_preferences_given_to_the_importer_override_the_document():
    document = course_document()
    spec = validate_document(document, level="ADVANCED", focus="in-depth")
    assert spec.preferences == {"level": "advanced", "duration": "short", "focus": "in-depth"}


def test_missing_preferences_fall_back_to_defaults_with_a_warning():
    document = course_document()
    del document["preferences"]
    spec = validate_document(document)
    assert spec.preferences == {"level": "beginner", "duration": "medium", "focus": "broad"}
    assert any("preferences.level: not given" in warning for warning in spec.warnings)


def test_unknown_keys_are_warnings_not_errors():
    document = course_document(modules=1, lessons=1, quizzes=0)
    document["author"] = "a generator"
    document["modules"][0]["content"][0]["difficulty"] = 3
    spec = validate_document(document)
    assert "author: unknown key, ignored" in spec.warnings
    assert "modules[0].content[0].difficulty: unknown key, ignored" in spec.warnings


def broken(mutate):
    document = course_document(modules=2, lessons=2, quizzes=2)
    mutate(document)
    return document


BAD_DOCUMENTS = {
    "missing topic": (
        lambda d: d.pop("topic"),
        "topic: is required",
    ),
    "empty topic": (
        lambda d: d.update(topic="  "),
        "topic: must not be empty",
    ),
    "missing modules": (
        lambda d: d.pop("modules"),
        "modules: is required",
    ),
    "no modules": (
        lambda d: d.update(modules=[]),
        "modules: must hold at least one module",
    ),
    "modules not a list": (
        lambda d: d.update(modules={"title": "x"}),
        "modules: must be an array, not an object",
    ),
    "empty module": (
        lambda d: d["modules"][1].update(content=[]),
        "modules[1].content: must hold at least one lesson or quiz",
    ),
    "module without title": (
        lambda d: d["modules"][0].pop("title"),
        "modules[0].title: is required",
    ),
    "title of the wrong type": (
        lambda d: d["modules"][0].update(title=42),
        "modules[0].title: must be a string, not a number",
    ),
    "item neither lesson nor quiz": (
        lambda d: d["modules"][0]["content"][0].pop("lesson_title"),
        "modules[0].content[0]: needs lesson_title (a lesson) or quiz_title (a quiz)",
    ),
    "lesson content not markdown": (
        lambda d: d["modules"][0]["content"][0]["content"].update(type="HTML"),
        'modules[0].content[0].content.type: "HTML" is not MARKDOWN',
    ),
    "lesson value of the wrong type": (
        lambda d: d["modules"][0]["content"][0]["content"].update(value=["a"]),
        "modules[0].content[0].content.value: must be a string, not an array",
    ),
    "answer out of range": (
        lambda d: d["modules"][1]["content"][3]["content"].update(answer="5"),
        "modules[1].content[3].content.answer: 5 is not an option number (1-3)",
    ),
    "answer zero": (
        lambda d: d["modules"][0]["content"][1]["content"].update(answer=0),
        "modules[0].content[1].content.answer: 0 is not an option number (1-3)",
    ),
    "answer not a number": (
        lambda d: d["modules"][0]["content"][1]["content"].update(answer="B"),
        'modules[0].content[1].content.answer: "B" is not an option number',
    ),
    "missing answer": (
        lambda d: d["modules"][0]["content"][1]["content"].pop("answer"),
        "modules[0].content[1].content.answer: is required",
    ),
    "one option only": (
        lambda d: d["modules"][0]["content"][1]["content"].update(options=["a"], answer=1),
        "modules[0].content[1].content.options: has 1 options; a quiz has 2 to 6",
    ),
    "seven options": (
        lambda d: d["modules"][0]["content"][1]["content"].update(options=list("abcdefg")),
        "modules[0].content[1].content.options: has 7 options; a quiz has 2 to 6",
    ),
    "option of the wrong type": (
        lambda d: d["modules"][0]["content"][1]["content"].update(options=["a", None]),
        "modules[0].content[1].content.options[1]: must be a string or boolean, not null",
    ),
    "duplicate options": (
        lambda d: d["modules"][0]["content"][1]["content"].update(options=["Yes", "No", " yes"]),
        "modules[0].content[1].content.options[2]: Two options say the same thing.",
    ),
    "option too long": (
        lambda d: d["modules"][0]["content"][1]["content"].update(options=["a", "b" * 600]),
        "modules[0].content[1].content.options[1]: is 600 characters long; the most is 500",
    ),
    "empty option": (
        lambda d: d["modules"][0]["content"][1]["content"].update(options=["a", "  "]),
        "modules[0].content[1].content.options[1]: must not be empty",
    ),
    "explanation of the wrong type": (
        lambda d: d["modules"][0]["content"][1]["content"].update(explanation=3),
        "modules[0].content[1].content.explanation: must be a string, not a number",
    ),
    "unknown activity type": (
        lambda d: d["modules"][0]["content"][1].update(type="essay"),
        'modules[0].content[1].type: "essay" is not an activity type (quiz)',
    ),
    "unknown preference value": (
        lambda d: d["preferences"].update(level="expert"),
        'preferences.level: "expert" is not one of beginner, intermediate, advanced',
    ),
    "preferences not an object": (
        lambda d: d.update(preferences="beginner"),
        "preferences: must be an object, not a string",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_DOCUMENTS))
def test_each_bad_document_is_refused_naming_the_place(case):
    mutate, expected = BAD_DOCUMENTS[case]
    problems = problems_of(broken(mutate))
    assert any(problem.startswith(expected) for problem in problems), problems


def test_every_problem_is_reported_not_just_the_first():
    def mutate(document):
        document.pop("topic")
        document["preferences"]["focus"] = "narrow"
        document["modules"][1]["content"][1]["content"]["answer"] = "9"

    problems = problems_of(broken(mutate))
    assert len(problems) == 3


def test_a_document_that_is_not_an_object_is_refused():
    assert problems_of([1, 2]) == ["(document): must be an object, not an array"]


def test_invalid_json_is_refused_with_its_line():
    with pytest.raises(DocumentError) as caught:
        parse_document('{\n  "topic": "x",\n  "modules": [,]\n}')
    assert caught.value.problems[0].startswith("(document): invalid JSON at line 3, column")


# The management commands


def write(path, document) -> str:
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


def test_import_course_creates_drafts_and_says_what_it_created(tmp_path):
    first = write(tmp_path / "a.json", course_document(topic="First", modules=2))
    second = write(tmp_path / "b.json", course_document(topic="Second", modules=1))
    out = io.StringIO()
    call_command("import_course", first, second, stdout=out)
    assert Course.objects.filter(status=Course.Status.DRAFT).count() == 2
    output = out.getvalue()
    assert "First - 2 modules, 4 lessons, 2 quizzes" in output
    assert "Second - 1 module, 2 lessons, 1 quiz" in output
    assert "(draft)" in output


def test_import_course_publishes_and_applies_preferences(tmp_path):
    path = write(tmp_path / "a.json", course_document())
    call_command(
        "import_course",
        path,
        "--publish",
        "--level",
        "ADVANCED",
        "--duration",
        "long",
        "--focus",
        "in-depth",
        stdout=io.StringIO(),
    )
    course = Course.objects.get()
    assert course.is_published
    assert course.preferences == {"level": "advanced", "duration": "long", "focus": "in-depth"}


def test_import_course_reads_standard_input(tmp_path, monkeypatch):
    document = course_document(topic="From stdin")
    monkeypatch.setattr(
        "sys.stdin", io.TextIOWrapper(io.BytesIO(json.dumps(document).encode("utf-8")))
    )
    call_command("import_course", "-", stdout=io.StringIO())
    assert Course.objects.get().topic == "From stdin"


def test_import_course_writes_nothing_when_any_document_is_bad(tmp_path):
    good = write(tmp_path / "good.json", course_document(topic="Good"))
    bad_document = course_document()
    bad_document["modules"][0]["content"][1]["content"]["answer"] = "7"
    bad = write(tmp_path / "bad.json", bad_document)
    invalid = tmp_path / "invalid.json"
    invalid.write_text("{not json", encoding="utf-8")
    before = database_rows()
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_course", good, bad, str(invalid), stderr=err, stdout=io.StringIO())
    assert database_rows() == before
    # The place in words for editors, the JSON path for tools.
    assert (
        "  Module 1, item 2 (quiz “Quiz 1.1”): answer 7 is not an option number (1-3) "
        "(modules[0].content[1].content.answer)\n"
    ) in err.getvalue()
    assert "The document: invalid JSON at line 1" in err.getvalue()


def test_import_course_reports_a_missing_file(tmp_path):
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_course", str(tmp_path / "nope.json"), stderr=err)
    assert "cannot read" in err.getvalue()


def test_import_course_dry_run_writes_nothing(tmp_path):
    path = write(tmp_path / "a.json", course_document())
    out = io.StringIO()
    call_command("import_course", path, "--dry-run", stdout=out)
    assert Course.objects.count() == 0
    assert "1 document is valid" in out.getvalue()


def test_import_course_exits_non_zero_from_the_shell(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"topic": "x"}), encoding="utf-8")
    result = subprocess.run(  # noqa: S603
        [sys.executable, settings.BASE_DIR / "manage.py", "import_course", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "Course: modules is required (modules)" in result.stderr


def test_export_course_round_trips_with_import(tmp_path):
    document = course_document(modules=2, lessons=1, quizzes=2)
    course = course_import(spec=validate_document(copy.deepcopy(document)))
    target = tmp_path / "out.json"
    call_command("export_course", str(course.pk), "-o", str(target), stderr=io.StringIO())
    assert json.loads(target.read_text(encoding="utf-8")) == document
    out = io.StringIO()
    call_command("export_course", str(course.pk), stdout=out)
    assert json.loads(out.getvalue()) == document
    call_command("import_course", str(target), "--on-existing=copy", stdout=io.StringIO())
    assert course_export(Course.objects.exclude(pk=course.pk).get()) == document


def test_export_course_refuses_an_unknown_id():
    with pytest.raises(CommandError, match="There is no course 999"):
        call_command("export_course", "999")


def test_a_quiz_explanation_is_imported_exported_and_optional():
    document = course_document(modules=1, lessons=1, quizzes=2)
    document["modules"][0]["content"][1]["content"]["explanation"] = "Because *B* is second."
    course = course_import(spec=validate_document(copy.deepcopy(document)))
    first, second = Activity.objects.filter(module__course=course).order_by("display_order")
    assert first.explanation == "Because *B* is second."
    assert second.explanation == ""
    exported = course_export(course)
    assert exported == document
    assert "explanation" not in exported["modules"][0]["content"][2]["content"]


@pytest.mark.parametrize("answer", ["1" * 5000, "²", "٣", " 12345678901 "])
def test_an_answer_no_option_can_have_is_a_clear_problem(answer):
    document = course_document(modules=1, lessons=1, quizzes=1)
    document["modules"][0]["content"][1]["content"]["answer"] = answer
    with pytest.raises(DocumentError) as error:
        validate_document(document)
    assert "modules[0].content[1].content.answer" in str(error.value)
    assert "is not an option number" in str(error.value)


@pytest.mark.parametrize(("given", "stored"), [("de", "de"), (" DE ", "de"), ("pt-BR", "pt-br")])
def test_a_documents_language_is_stored_and_exported(given, stored):
    course = course_import(spec=validate_document(course_document(language=given)))
    assert course.language == stored
    assert course_export(course)["language"] == stored


def test_a_courses_language_survives_export_and_import_by_file(tmp_path):
    course = course_import(spec=validate_document(course_document(language="de")))
    exported = tmp_path / "de.json"
    call_command("export_course", str(course.pk), "-o", str(exported), stderr=io.StringIO())
    document = json.loads(exported.read_text(encoding="utf-8"))
    assert document["language"] == "de"
    call_command("import_course", str(exported), "--on-existing=copy", stdout=io.StringIO())
    assert Course.objects.exclude(pk=course.pk).get().language == "de"
    # A draft replaced by a document takes the document's language.
    Course.objects.exclude(pk=course.pk).delete()
    changed = tmp_path / "fr.json"
    changed.write_text(json.dumps({**document, "language": "fr"}), encoding="utf-8")
    call_command("import_course", str(changed), "--on-existing=replace", stdout=io.StringIO())
    assert Course.objects.get().language == "fr"


def test_a_document_without_a_language_is_english_and_an_unknown_one_is_refused():
    document = course_document()
    del document["language"]
    spec = validate_document(document)
    assert spec.language == "en"
    assert not [warning for warning in spec.warnings if "language" in warning]
    with pytest.raises(DocumentError) as refused:
        validate_document(course_document(language="klingon"))
    assert refused.value.problems == [
        'language: "klingon" is not a language code Athena knows (such as en, de, ar)'
    ]


def test_a_quizs_hint_and_option_feedback_round_trip_and_are_optional():
    document = course_document(modules=1, lessons=1, quizzes=1)
    quiz = document["modules"][0]["content"][1]["content"]
    quiz["hint"] = "Think of the alphabet."
    quiz["feedback"] = ["Alpha is first.", "", "Gamma is third."]
    course = course_import(spec=validate_document(copy.deepcopy(document)))
    exported = course_export(course)["modules"][0]["content"][1]["content"]
    assert exported["hint"] == "Think of the alphabet."
    assert exported["feedback"] == ["Alpha is first.", "", "Gamma is third."]
    # Without them a quiz is as before, and none is exported.
    plain = course_import(spec=validate_document(course_document(modules=1, lessons=1, quizzes=1)))
    content = course_export(plain)["modules"][0]["content"][1]["content"]
    assert "hint" not in content
    assert "feedback" not in content


def test_option_feedback_needs_one_text_per_option():
    document = course_document(modules=1, lessons=0, quizzes=1)
    document["modules"][0]["content"][0]["content"]["feedback"] = ["Only one"]
    with pytest.raises(DocumentError) as refused:
        validate_document(document)
    assert refused.value.problems == [
        "modules[0].content[0].content.feedback: has 1 texts for 3 options; give one per "
        "option (an empty one where there is nothing to say)"
    ]


# --- problems in words ---------------------------------------------------------------------


def test_problems_name_their_place_in_words_and_keep_the_json_path():
    document = course_document(modules=2, lessons=1, quizzes=1)
    quiz = document["modules"][1]["content"][1]
    quiz["quiz_title"] = "A very long quiz title that goes on and on and on"
    quiz["content"]["options"][2] = ""
    quiz["content"]["feedback"] = ["fine", 3, ""]
    document["modules"][0]["content"][0]["content"]["value"] = ""
    document["modules"][0]["content"].append(["not an item"])
    document["modules"][0]["description"] = 5
    with pytest.raises(DocumentError) as caught:
        validate_document(document)
    long_title = "“A very long quiz title that goes on and…”"
    assert caught.value.in_words == [
        "Module 1: description must be a string, not a number (modules[0].description)",
        "Module 1, item 1 (lesson “Lesson 1.1”): text must not be empty "
        "(modules[0].content[0].content.value)",
        "Module 1, item 3: must be an object, not an array (modules[0].content[2])",
        f"Module 2, item 2 (quiz {long_title}): feedback for option 2 must be a string, "
        "not a number (modules[1].content[1].content.feedback[1])",
        f"Module 2, item 2 (quiz {long_title}): option 3 must not be empty "
        "(modules[1].content[1].content.options[2])",
    ]
    # The paths themselves are unchanged, for tools (the generator's repairs).
    assert caught.value.problems[0] == "modules[0].description: must be a string, not a number"


def test_problems_outside_modules_are_the_courses_the_documents_or_the_commands():
    assert problem_in_words("topic: must not be empty") == "Course: topic must not be empty (topic)"
    assert problem_in_words("modules: is required") == "Course: modules is required (modules)"
    assert problem_in_words("(document): not UTF-8 text") == "The document: not UTF-8 text"
    assert problem_in_words("(file): cannot read x.json") == "The file: cannot read x.json"
    assert problem_in_words('--level: "x" is not one of') == 'The --level option: "x" is not one of'
    # A place in a document that is not what it should be still reads.
    assert problem_in_words("modules[3].content[0].type: bad", {"modules": "no"}) == (
        "Module 4, item 1: type bad (modules[3].content[0].type)"
    )


def test_warnings_name_their_place_in_words_too(tmp_path):
    document = course_document(modules=1, lessons=1, quizzes=1)
    document["modules"][0]["content"][1]["difficulty"] = "hard"
    spec = validate_document(document)
    assert "modules[0].content[1].difficulty: unknown key, ignored" in spec.warnings
    assert (
        "Module 1, item 2 (quiz “Quiz 1.1”): difficulty unknown key, ignored "
        "(modules[0].content[1].difficulty)"
    ) in spec.warnings_in_words
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    err = io.StringIO()
    call_command("import_course", str(path), "--dry-run", stderr=err, stdout=io.StringIO())
    assert "warning: Module 1, item 2 (quiz “Quiz 1.1”): difficulty unknown key" in err.getvalue()
