"""The generation pages in the learner's language: the form, a course request's
status page and its JSON, with what the worker stored in English (the stage
label, why it failed) shown translated."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import translation

from courses.models import Module
from generation import wording
from generation.models import Rewrite
from generation.pipeline import CourseRequest, generate_course
from generation.rewrite import rewrite_restore, rewrite_run
from generation.tests.helpers import failed_job, running_job
from generation.wording import shown
from tests.factories import make_user

pytestmark = pytest.mark.django_db


WRITING = wording.WRITING_LESSON % {"module": 2, "modules": 5, "number": 3, "count": 4}


@pytest.fixture
def learner_client(client):
    client.force_login(make_user())
    return client


@pytest.fixture(autouse=True)
def configured(settings):
    settings.ATHENA_LLM_BASE_URL = "http://127.0.0.1:9/v1"
    settings.ATHENA_LLM_MODEL = "stand-in"


@pytest.fixture(autouse=True)
def english_afterwards():
    """A request in German or Arabic leaves its language active in this thread
    (LocaleMiddleware activates it and nothing deactivates it): later tests
    calling services directly must see English again."""
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


def test_stored_english_texts_are_shown_as_they_are_in_english():
    """What the worker stores reads the same in English; a text Athena does not
    know (an old job's) is shown as it is."""
    with translation.override("en"):
        assert shown(WRITING) == "Writing module 2 of 5: lesson 3 of 4 written"
        assert shown("Planning the course") == "Planning the course"
        assert (
            shown("Writing module 2 of 4, lesson 3 of 5") == "Writing module 2 of 4, lesson 3 of 5"
        )
        assert shown("") == ""


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "de",
            [
                "Modul 2 von 5 wird geschrieben: Lektion 3 von 4 geschrieben",
                "Diese Anfrage abbrechen",
                "42 %",
            ],
        ),
        ("ar", ["كتابة الوحدة 2 من 5: كُتب الدرس 3 من 4", "ألغِ هذا الطلب", "42٪"]),
    ],
)
def test_a_running_request_speaks_the_learners_language(client, language, words):
    learner = make_user()
    client.force_login(learner)
    job = running_job(learner)
    job.stage_label = WRITING
    job.save(update_fields=["stage_label"])
    page = client.get(job.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=language)
    html = page.content.decode()
    for word in words:
        assert word in html
    assert "Cancel this request" not in html
    status = client.get(
        reverse("generation:job-status", args=[job.pk]), HTTP_ACCEPT_LANGUAGE=language
    ).json()
    assert status["label"] == words[0]


def test_the_form_and_a_failed_request_in_german_and_arabic(learner_client):
    learner = make_user()
    learner_client.force_login(learner)
    form = learner_client.get(reverse("generation:new"), HTTP_ACCEPT_LANGUAGE="de").content
    assert "Meinen Kurs erstellen" in form.decode()
    assert "Thema" in form.decode()
    job = failed_job(learner, error_reason=wording.HTTP_ERROR % {"status": 503})
    html = learner_client.get(job.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert "تعذّر علينا بناء هذه الدورة." in html
    assert "أجاب خادم النموذج بخطأ (HTTP 503)." in html
    assert "Try again" not in html


def test_the_change_panel_and_its_undo_in_german_and_arabic(llm_server, client):
    owner = make_user()
    request = CourseRequest(
        topic="History of the Silk Road", level="beginner", duration="short", focus="broad"
    )
    course = generate_course(request, owner=owner).course
    lesson = Module.objects.with_items().get(course=course, module_order=1).ordered_items()[0]
    rewrite = rewrite_run(
        Rewrite.objects.create(
            course=course, requester=owner, kind="lesson", instruction="Add a map", lesson=lesson
        )
    )
    rewrite_restore(rewrite=rewrite, user=owner)
    client.force_login(owner)
    german = client.get(lesson.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Diese Lektion ändern" in german
    assert "Rückgängig: Neufassung einer Lektion vom " in german
    assert "Undo: rewrite a lesson" not in german
    arabic = client.get(lesson.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert "تغيير هذا الدرس" in arabic
    assert "إعادة كتابة هذا الدرس" in arabic
