"""`manage.py generate_course`: the pipeline in the foreground, for operators."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from jsonschema import Draft202012Validator

from courses.models import Course
from generation.plans import plan_schema
from generation.tests.llm_server import error, valid

pytestmark = pytest.mark.django_db

PREFERENCES = {"level": "intermediate", "duration": "short", "focus": "in-depth"}


def run(*args, **options) -> str:
    out = StringIO()
    call_command("generate_course", *args, stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def test_generates_a_draft_course_showing_progress(llm_server, django_user_model):
    owner = django_user_model.objects.create_user("operator", password="pw-123-long")

    output = run("Git for teams", owner="operator", **PREFERENCES)

    course = Course.objects.get()
    assert course.status == Course.Status.DRAFT
    assert course.origin == Course.Origin.GENERATED
    assert course.created_by == owner
    assert course.preferences == PREFERENCES
    assert "[  2%] Planning the course" in output
    assert "Writing module 1 of 2: lesson 1 of 2 written" in output
    assert f"Created course {course.pk} (draft): Git for teams - 2 modules" in output
    assert "Model stand-in:" in output


def test_publish_and_quiet_output(llm_server):
    output = run("Git for teams", publish=True, verbosity=0, **PREFERENCES)

    assert Course.objects.get().status == Course.Status.PUBLISHED
    assert "Planning" not in output
    assert output.startswith("Created course")


def test_a_failed_generation_exits_non_zero_with_the_reason_and_saves_nothing(llm_server):
    llm_server.always("quiz", error(503))

    with pytest.raises(CommandError) as failed:
        run("Git for teams", **PREFERENCES)

    assert str(failed.value) == (
        "Generation failed while writing quizzes: The model server answered with an error "
        "(HTTP 503). Nothing was saved."
    )
    assert Course.objects.count() == 0


def test_a_generation_failing_after_module_one_says_where_module_one_is_kept(llm_server, settings):
    settings.ATHENA_GENERATION_LESSON_CONCURRENCY = 1
    settings.ATHENA_LLM_MAX_RETRIES = 0
    llm_server.script("lesson", valid(), valid(), error(400))

    with pytest.raises(CommandError) as failed:
        run("Git for teams", **PREFERENCES)

    course = Course.objects.get()
    assert str(failed.value).endswith(
        f"The modules written before are kept in draft course {course.pk} (“Git for teams”)."
    )
    assert course.status == Course.Status.DRAFT
    assert course.counts == {"modules": 2, "lessons": 2, "activities": 2}


def test_without_configuration_it_says_how_to_set_it_up(settings):
    settings.ATHENA_LLM_BASE_URL = ""

    with pytest.raises(CommandError) as failed:
        run("Git for teams", **PREFERENCES)

    assert "not set up" in str(failed.value)
    assert "ATHENA_LLM_BASE_URL" in str(failed.value)
    assert "ATHENA_LLM_MODEL" in str(failed.value)


def test_a_bad_topic_is_refused_before_any_call(llm_server):
    with pytest.raises(CommandError, match="3 to 200 characters"):
        run("  a ", **PREFERENCES)

    assert llm_server.requests() == []


def test_an_unknown_owner_is_refused(llm_server):
    with pytest.raises(CommandError, match="No user 'nobody'"):
        run("Git for teams", owner="nobody", **PREFERENCES)


def test_plan_only_writes_the_plan_document_and_saves_nothing(llm_server, tmp_path):
    path = tmp_path / "plan.json"

    output = run("Git for teams", plan_only=True, output=str(path), **PREFERENCES)

    assert Course.objects.count() == 0
    assert [recorded.stage for recorded in llm_server.requests()] == ["plan"]
    document = json.loads(path.read_text())
    assert document["format"] == "athena-course-plan/1"
    assert document["topic"] == "Git for teams"
    assert document["preferences"] == PREFERENCES
    assert [len(module["lessons"]) for module in document["modules"]] == [2, 2]
    assert schema_errors(document) == []
    assert f"Wrote the plan for 'Git for teams' to {path}: 2 modules, 4 lessons." in output


def test_a_course_is_written_from_a_plan_edited_by_hand(llm_server, tmp_path):
    path = tmp_path / "plan.json"
    run("Git for teams", plan_only=True, output=str(path), **PREFERENCES)
    document = json.loads(path.read_text())
    document["modules"] = document["modules"][:1]
    document["modules"][0]["lessons"][1]["title"] = "Branches, by hand"
    path.write_text(json.dumps(document))

    run(plan=str(path), publish=True)

    course = Course.objects.get()
    assert course.status == Course.Status.PUBLISHED
    assert course.preferences == PREFERENCES
    assert [item.title for item in course.ordered_items() if item.kind == "lesson"] == [
        "Module 1, first ideas",
        "Branches, by hand",
    ]
    # One plan call for --plan-only; none for --plan.
    assert [recorded.stage for recorded in llm_server.requests()].count("plan") == 1


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda doc: doc["modules"][0].update(lessons=[]), "modules.0.lessons: List should have"),
        (lambda doc: doc["preferences"].update(level="expert"), "preferences.level: Input should"),
        (lambda doc: doc.update(format="other/2"), "format: Input should be"),
        (lambda doc: doc.update(extra=1), "extra: Extra inputs are not permitted"),
    ],
)
def test_a_plan_athena_cannot_use_is_refused_saying_where(llm_server, tmp_path, change, problem):
    path = tmp_path / "plan.json"
    run("Git for teams", plan_only=True, output=str(path), **PREFERENCES)
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))

    with pytest.raises(CommandError, match="is not a usable plan") as failed:
        run(plan=str(path))

    assert problem in str(failed.value)
    assert Course.objects.count() == 0


def test_the_plan_options_say_what_is_missing_or_contradictory(llm_server, tmp_path):
    with pytest.raises(CommandError, match=r"missing: --duration, --focus"):
        run("Git for teams", level="beginner")
    with pytest.raises(CommandError, match="needs --output"):
        run("Git for teams", plan_only=True, **PREFERENCES)
    with pytest.raises(CommandError, match="come from the plan document"):
        run("Git for teams", plan=str(tmp_path / "plan.json"))
    with pytest.raises(CommandError, match="Cannot read"):
        run(plan=str(tmp_path / "missing.json"))
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(CommandError, match="not JSON"):
        run(plan=str(tmp_path / "bad.json"))
    assert llm_server.requests() == []


def test_the_committed_plan_schema_is_the_one_athena_reads():
    """docs/course-plan.schema.json is made from the plan document's model
    (generation.plans.plan_schema): regenerate it when the plan changes."""
    assert json.loads(SCHEMA_PATH.read_text()) == plan_schema()


SCHEMA_PATH = Path(settings.BASE_DIR) / "docs" / "course-plan.schema.json"


def schema_errors(document) -> list[str]:
    validator = Draft202012Validator(json.loads(SCHEMA_PATH.read_text()))
    return [error.message for error in validator.iter_errors(document)]
