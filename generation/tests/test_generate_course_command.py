"""`manage.py generate_course`: the pipeline in the foreground, for operators."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from courses.models import Course
from generation.tests.llm_server import error

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
