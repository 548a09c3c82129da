"""The learner's pages: the form, the status page, "My requests", Try again."""

from __future__ import annotations

import re
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from accounts.models import LearnerProfile
from courses.models import Course, Lesson, Module
from courses.services import module_create
from enrollment.services import enrollment_create, lesson_complete
from generation.models import GenerationJob
from generation.tests.helpers import failed_job, make_job, running_job
from generation.tests.llm_server import plan_answer
from notifications.models import Notification
from tests.factories import PASSWORD, make_course, make_user
from tests.helpers import HOSTILE_SEARCHES, post_answer

pytestmark = pytest.mark.django_db


@pytest.fixture
def learner():
    return make_user()


@pytest.fixture
def learner_client(client, learner):
    client.force_login(learner)
    return client


NEW = reverse("generation:new")
FORM = {"topic": "Quantum computing for programmers", "level": "beginner"}
FORM |= {"duration": "short", "focus": "broad"}
FORM_PREFERENCES = {"level": "beginner", "duration": "short", "focus": "broad"}


@pytest.fixture(autouse=True)
def configured(settings):
    """A model server is configured unless a test says otherwise (none is called:
    jobs stay queued without a worker)."""
    settings.ATHENA_LLM_BASE_URL = "http://127.0.0.1:9/v1"
    settings.ATHENA_LLM_MODEL = "stand-in"
    cache.clear()


def html_of(response) -> str:
    return response.content.decode()


def test_a_visitor_fills_the_form_logs_in_and_finds_it_as_they_left_it(client, settings):
    settings.ATHENA_LLM_BASE_URL = "http://127.0.0.1:9/v1"
    settings.ATHENA_LLM_MODEL = "stand-in"
    page = html_of(client.get(NEW))
    assert "You log in or sign up next: what you typed here is kept." in page
    response = client.post(NEW, {**FORM, "topic": "Soil & compost", "language": "de"})
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("login"))
    assert not GenerationJob.objects.exists()
    learner = make_user()
    response = client.post(
        response["Location"], {"username": learner.username, "password": PASSWORD}
    )
    form = client.get(response["Location"]).context["form"]
    assert form.initial["topic"] == "Soil & compost"
    assert (form.initial["level"], form.initial["language"]) == ("beginner", "de")
    # An invalid form stays with its errors, for a visitor too.
    client.logout()
    response = client.post(NEW, {**FORM, "topic": "x"})
    assert response.status_code == HTTPStatus.OK
    assert "at least 3 characters" in html_of(response)


def test_an_empty_search_offers_to_build_a_course_on_it(client):
    make_course(topic="Python")
    page = html_of(client.get(reverse("courses:catalog"), {"q": "knitting socks"}))
    assert f'href="{NEW}?topic=knitting%20socks">Build a course on “knitting socks”</a>' in page
    form = client.get(f"{NEW}?topic=knitting%20socks").context["form"]
    assert form.initial["topic"] == "knitting socks"


def test_home_page_and_header_offer_build_a_course(client):
    html = html_of(client.get(reverse("courses:home")))
    assert html.count(f'href="{NEW}"') == 2  # header and home page


def test_without_a_model_server_the_page_says_generation_is_not_set_up(settings, learner_client):
    settings.ATHENA_LLM_BASE_URL = ""
    response = learner_client.get(NEW)
    html = html_of(response)
    assert "Course generation is not set up" in html
    assert "ATHENA_LLM_BASE_URL" in html
    assert "Generating courses" in html  # the README section
    assert '<form method="post" class="generation-form"' not in html
    response = learner_client.post(NEW, FORM)
    assert response.status_code == HTTPStatus.OK
    assert not GenerationJob.objects.exists()


def test_the_form_starts_from_the_learners_preferences(learner, learner_client):
    LearnerProfile.objects.create(user=learner, level="advanced", focus="in-depth")
    form = learner_client.get(NEW).context["form"]
    assert form.initial == {"level": "advanced", "duration": "medium", "focus": "in-depth"}


def test_submitting_queues_a_job_and_shows_its_status_at_once(
    learner, learner_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = learner_client.post(NEW, {**FORM, "topic": "  History of   the Silk Road "})
    job = GenerationJob.objects.get()
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == job.get_absolute_url()
    assert (job.requester, job.topic, job.state) == (learner, "History of the Silk Road", "queued")
    assert job.task_id  # on the database queue, for the worker
    html = html_of(learner_client.get(job.get_absolute_url()))
    assert "is queued" in html
    assert "Waiting for a worker" in html


@pytest.mark.parametrize(
    ("topic", "message"),
    [
        ("", "Say what the course should be about."),
        ("   ", "Say what the course should be about."),
        ("ab", "at least 3 characters"),
        ("x" * 201, "Keep the topic to 200 characters (it has 201)."),
        ("Rust\nfor beginners", "control character"),
        ("Rust\tfor beginners", "control character"),
        ("Rust\x00", "Null characters are not allowed."),
        ("Rust\u202efor beginners", "control character"),
        ("\x01\x02\x03", "control character"),
        ("\u200b\u200b\u200b", "control character"),
        ("\xa0\u3000\xa0", "Say what the course should be about."),
        ("- " * 40, "the topic has no letters or digits"),
        ("—…«»¿¡", "the topic has no letters or digits"),
    ],
)
def test_a_bad_topic_gets_a_clear_message(learner_client, topic, message):
    response = learner_client.post(NEW, {**FORM, "topic": topic})
    assert response.status_code == HTTPStatus.OK
    assert message in html_of(response)
    assert not GenerationJob.objects.exists()


def test_a_bad_preference_gets_a_clear_message(learner_client):
    response = learner_client.post(NEW, {**FORM, "level": "wizard"})
    assert "Select a valid choice" in html_of(response)
    assert not GenerationJob.objects.exists()


def test_matching_published_courses_are_offered_first(learner_client):
    close = make_course(
        topic="Quantum computing basics",
        preferences={"level": "beginner", "duration": "short", "focus": "in-depth"},
    )
    make_course(  # the topic, but only one preference in common
        topic="Quantum computing in depth",
        preferences={"level": "advanced", "duration": "long", "focus": "broad"},
    )
    make_course(topic="Quantum computing draft", publish=False)
    make_course(topic="Gardening", preferences={**FORM_PREFERENCES})
    form = {**FORM, "topic": "Quantum computing"}

    response = learner_client.post(NEW, form)

    html = html_of(response)
    assert "These may already be what you want" in html
    assert [course.pk for course in response.context["suggestions"]] == [close.pk]
    assert not GenerationJob.objects.exists()
    # Building anyway queues the job.
    response = learner_client.post(NEW, {**form, "confirm": "1"})
    assert response["Location"] == GenerationJob.objects.get().get_absolute_url()


def test_suggestions_are_in_the_language_asked_for(learner_client):
    english = make_course(topic="Python loops", preferences={**FORM_PREFERENCES})
    german = make_course(topic="Python loops", preferences={**FORM_PREFERENCES}, language="de")
    form = {**FORM, "topic": "Python loops"}
    response = learner_client.post(NEW, {**form, "language": "de"})
    assert [course.pk for course in response.context["suggestions"]] == [german.pk]
    # Without a language asked for, any language will do.
    response = learner_client.post(NEW, form)
    assert {course.pk for course in response.context["suggestions"]} == {english.pk, german.pk}


@pytest.mark.parametrize("topic", HOSTILE_SEARCHES)
def test_a_hostile_topic_answers_the_form_or_its_job(learner_client, topic):
    """The catalog's search runs on the topic first: whatever its punctuation,
    the learner gets the form back (with a reason or with suggestions) or the
    new job's page, never a server error."""
    make_course(topic="Python loops", preferences={**FORM_PREFERENCES})
    response = learner_client.post(NEW, {**FORM, "topic": topic})
    assert response.status_code in {HTTPStatus.OK, HTTPStatus.FOUND}


def test_a_topic_among_hostile_punctuation_is_searched_for_its_words(learner_client):
    close = make_course(topic="Python loops", preferences={**FORM_PREFERENCES})
    topic = "python " + "- " * 40 + "loops"
    response = learner_client.post(NEW, {**FORM, "topic": topic})
    assert [course.pk for course in response.context["suggestions"]] == [close.pk]


def test_one_course_at_a_time_says_so_on_the_form(learner, learner_client):
    make_job(learner)
    response = learner_client.post(NEW, FORM)
    assert "You already have a course on the way" in html_of(response)
    assert GenerationJob.objects.count() == 1


def test_the_daily_limit_says_so_on_the_form(settings, learner, learner_client):
    settings.ATHENA_GENERATION_PER_DAY = 1
    make_job(learner, state="succeeded")
    response = learner_client.post(NEW, FORM)
    assert "You have asked for 1 courses in the last 24 hours" in html_of(response)


def test_the_form_shows_the_builds_left(settings, learner, learner_client):
    settings.ATHENA_GENERATION_PER_DAY = 5
    assert "5 of 5 builds left." in html_of(learner_client.get(NEW))
    make_job(learner, state="succeeded")
    make_job(learner, state="failed")  # not counted
    html = html_of(learner_client.get(NEW))
    assert "4 of 5 builds left; the next frees at " in html


def test_beyond_the_site_wide_cap_a_request_waits_in_the_queue_with_its_place(
    settings, learner, learner_client
):
    settings.ATHENA_GENERATION_MAX_RUNNING = 1
    running_job(make_user())
    make_job(make_user())  # queued before
    response = learner_client.post(NEW, FORM)
    job = GenerationJob.objects.get(requester=learner)
    assert response["Location"] == job.get_absolute_url()
    html = html_of(learner_client.get(job.get_absolute_url()))
    assert "Waiting for a worker: 2nd in the queue" in html
    status = learner_client.get(reverse("generation:job-status", args=[job.pk])).json()
    assert status["label"] == "Waiting for a worker: 2nd in the queue"


def test_the_status_page_names_the_stage_with_a_progress_bar(learner, learner_client):
    job = running_job(learner)
    html = html_of(learner_client.get(job.get_absolute_url()))
    assert "Writing module 2 of 4, lesson 3 of 5" in html
    assert '<progress class="progress-bar" max="100" value="42"' in html
    assert 'src="/static/js/generation-status.js"' in html
    assert f'data-job-status-url="{reverse("generation:job-status", args=[job.pk])}"' in html
    assert 'http-equiv="refresh"' in html  # inside <noscript>: reloads without JavaScript
    assert " style=" not in html  # nothing the CSP would block


def test_the_status_endpoint_follows_the_job(learner, learner_client):
    job = running_job(learner)
    url = reverse("generation:job-status", args=[job.pk])
    assert learner_client.get(url).json() == {
        "state": "running",
        "state_label": "Running",
        "stage": "writing_lessons",
        "label": "Writing module 2 of 4, lesson 3 of 5",
        "percent": 42,
        "finished": False,
        "review": False,
        "course_url": None,
        "modules_ready": 0,
        "error": "",
    }
    course = make_course(publish=False, modules=2)
    GenerationJob.objects.filter(pk=job.pk).update(state="succeeded", course=course, percent=100)
    status = learner_client.get(url).json()
    assert status["finished"] is True
    assert status["course_url"] == course.get_absolute_url()
    assert status["modules_ready"] == 2


def test_a_ready_job_links_to_the_course_its_requester_can_read(learner, learner_client):
    course = make_course(publish=False)
    course.created_by = learner
    course.save()
    job = make_job(learner, state="succeeded", course=course, percent=100)
    html = html_of(learner_client.get(job.get_absolute_url()))
    assert "Your course is ready." in html
    assert f'href="{course.get_absolute_url()}"' in html
    assert "generation-status.js" not in html  # nothing left to follow
    page = learner_client.get(course.get_absolute_url())
    assert page.status_code == HTTPStatus.OK
    assert "built for you" in html_of(page)
    module = course.modules.first()
    assert learner_client.get(module.get_absolute_url()).status_code == HTTPStatus.OK


def test_a_job_whose_course_staff_deleted_says_it_was_removed(learner, learner_client):
    course = make_course(publish=False, topic="Deleted course")
    job = make_job(learner, state="succeeded", course=course, percent=100)
    course.delete()

    html = html_of(learner_client.get(job.get_absolute_url()))
    assert "removed by the site's staff" in html
    assert "Your course is ready." not in html
    status = learner_client.get(reverse("generation:job-status", args=[job.pk])).json()
    assert (status["state"], status["course_url"]) == ("succeeded", None)
    listing = html_of(learner_client.get(reverse("generation:job-list")))
    assert job.topic in listing
    assert "removed since" in listing
    assert "open the course" not in listing


def test_my_requests_without_any_says_so(learner_client):
    html = html_of(learner_client.get(reverse("generation:job-list")))
    assert "You have not asked for a course yet." in html


def test_other_learners_get_not_found_for_the_draft_and_the_job(learner, client):
    course = make_course(publish=False)
    course.created_by = learner
    course.save()
    job = make_job(learner, state="failed", course=None)
    client.force_login(make_user())
    for url in (
        course.get_absolute_url(),
        course.modules.first().get_absolute_url(),
        job.get_absolute_url(),
        reverse("generation:job-status", args=[job.pk]),
    ):
        assert client.get(url).status_code == HTTPStatus.NOT_FOUND, url
    response = client.post(reverse("generation:job-retry", args=[job.pk]))
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert GenerationJob.objects.count() == 1
    client.logout()
    assert client.get(course.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND


def test_a_failed_job_says_why_in_plain_words_and_offers_try_again(learner, learner_client):
    job = failed_job(learner)
    html = html_of(learner_client.get(job.get_absolute_url()))
    assert "We could not build this course." in html
    assert "The model kept answering with lessons we could not use." in html
    assert "raw answer" not in html  # the detail is for staff
    assert f'action="{reverse("generation:job-retry", args=[job.pk])}"' in html
    assert "Try again</button>" in html

    response = learner_client.post(reverse("generation:job-retry", args=[job.pk]))

    retry = GenerationJob.objects.exclude(pk=job.pk).get()
    assert response["Location"] == retry.get_absolute_url()
    assert (retry.topic, retry.preferences, retry.state) == (job.topic, job.preferences, "queued")
    assert retry.retry_of == job


def test_try_again_respects_the_limits(settings, learner, learner_client):
    settings.ATHENA_GENERATION_PER_DAY = 1
    make_job(learner, state="succeeded")  # the day's one build (a failed one is not counted)
    job = failed_job(learner)
    response = learner_client.post(reverse("generation:job-retry", args=[job.pk]), follow=True)
    assert "You have asked for 1 courses in the last 24 hours" in html_of(response)
    assert GenerationJob.objects.count() == 2


def test_clicking_try_again_twice_queues_one_retry_and_follows_it(learner, learner_client):
    job = failed_job(learner)
    retry_url = reverse("generation:job-retry", args=[job.pk])
    first = learner_client.post(retry_url)
    second = learner_client.post(retry_url, follow=True)
    retry = GenerationJob.objects.exclude(pk=job.pk).get()
    assert first["Location"] == retry.get_absolute_url()
    assert second.redirect_chain[-1][0] == retry.get_absolute_url()
    html = html_of(second)
    assert "is already being tried again" in html
    assert "You already have a course on the way" not in html


def test_a_second_try_again_follows_a_retry_whose_plan_waits_for_review(learner, learner_client):
    job = failed_job(learner, review_plan=True)
    retry_url = reverse("generation:job-retry", args=[job.pk])
    learner_client.post(retry_url)
    retry = GenerationJob.objects.exclude(pk=job.pk).get()
    plan = plan_answer({"topic": job.topic, "duration": job.duration})
    GenerationJob.objects.filter(pk=retry.pk).update(state=GenerationJob.State.REVIEW, plan=plan)

    second = learner_client.post(retry_url, follow=True)

    assert second.redirect_chain[-1][0] == retry.get_absolute_url()
    assert "is already being tried again" in html_of(second)
    assert GenerationJob.objects.count() == 2


def test_try_again_is_a_post(learner, learner_client):
    job = failed_job(learner)
    response = learner_client.get(reverse("generation:job-retry", args=[job.pk]))
    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED


def test_a_dead_workers_job_shows_as_failed_when_its_page_loads(settings, learner, learner_client):
    settings.ATHENA_GENERATION_HEARTBEAT_TIMEOUT = 300
    job = running_job(learner, beat_seconds_ago=600)
    html = html_of(learner_client.get(job.get_absolute_url()))
    assert "We could not build this course." in html
    assert "The worker building this course stopped" in html
    assert "Try again</button>" in html
    job.refresh_from_db()
    assert job.state == GenerationJob.State.FAILED


def test_my_requests_lists_each_job_with_its_state(settings, learner, learner_client):
    settings.ATHENA_GENERATION_HEARTBEAT_TIMEOUT = 300
    course = make_course(publish=False, topic="Silk Road course")
    make_job(learner, topic="Queued topic")
    make_job(learner, topic="Ready topic", state="succeeded", course=course)
    failed_job(learner, topic="Failed topic")
    running_job(learner, topic="Dead topic", beat_seconds_ago=900)
    make_job(make_user(), topic="Someone else's topic")
    html = html_of(learner_client.get(reverse("generation:job-list")))
    for topic, state in [
        ("Queued topic", "Queued"),
        ("Ready topic", "Ready"),
        ("Failed topic", "Failed"),
        ("Dead topic", "Failed"),
    ]:
        assert topic in html
        assert state in html
    assert f'href="{course.get_absolute_url()}"' in html
    assert "Someone else" not in html


def test_the_pages_run_a_fixed_number_of_queries(
    learner, learner_client, django_assert_num_queries
):
    job = running_job(learner)
    for _ in range(10):
        failed_job(learner, created_at=timezone.now() - timedelta(days=3))
    # Each: the session and its user (2), then the page's own, then on a page
    # with the header the bell's unread count (1).
    with django_assert_num_queries(3 + 1 + 1):  # the learner's profile, the builds counted
        learner_client.get(NEW)
    with django_assert_num_queries(3 + 1):  # the job with its course
        learner_client.get(job.get_absolute_url())
    with django_assert_num_queries(3):  # the job; JSON, so no bell
        learner_client.get(reverse("generation:job-status", args=[job.pk]))
    with django_assert_num_queries(3 + 1):  # the jobs with their courses
        learner_client.get(reverse("generation:job-list"))


def test_the_header_bell_counts_unread_notifications(learner, learner_client):
    Notification.objects.create(user=learner, message="One")
    Notification.objects.create(user=learner, message="Two")
    cache.clear()
    html = html_of(learner_client.get(reverse("generation:job-list")))
    assert 'aria-label="Notifications, 2 unread"' in html


def test_seeing_a_job_finish_recounts_the_bell(learner, learner_client):
    """The worker may run in another process with its own cache: the page that
    sees the job finish counts the bell again."""
    job = running_job(learner)
    status_url = reverse("generation:job-status", args=[job.pk])
    learner_client.get(status_url)
    assert 'aria-label="Notifications"' in html_of(learner_client.get(job.get_absolute_url()))
    # What a worker process does; its cache is not this one.
    GenerationJob.objects.filter(pk=job.pk).update(state="failed", finished_at=timezone.now())
    Notification.objects.create(user=learner, message="We could not build your course.")

    assert learner_client.get(status_url).json()["finished"] is True

    html = html_of(learner_client.get(reverse("generation:job-list")))
    assert 'aria-label="Notifications, 1 unread"' in html


def test_my_requests_says_when_it_shows_only_the_newest(learner, learner_client):
    from generation.views import JOB_LIST_SIZE

    for number in range(JOB_LIST_SIZE + 1):
        failed_job(learner, topic=f"Topic {number}")
    html = html_of(learner_client.get(reverse("generation:job-list")))
    assert html.count("job-state--failed") == JOB_LIST_SIZE
    assert f"Showing your newest {JOB_LIST_SIZE} requests." in html


def course_being_written(learner) -> Course:
    """A generated draft of three planned modules of which the first is saved."""
    course = make_course(publish=False, modules=1, lessons=1, quizzes=1, topic="Silk Road")
    Course.objects.filter(pk=course.pk).update(created_by=learner, origin=Course.Origin.GENERATED)
    for title in ("Part 2: caravans", "Part 3: cities"):
        module_create(module=Module(course=course, title=title, description=""))
    return Course.objects.get(pk=course.pk)


def test_the_status_page_links_each_ready_module_and_says_how_far_the_others_are(
    learner, learner_client
):
    course = course_being_written(learner)
    plan = plan_answer({"topic": "Silk Road", "duration": "long"})
    plan["modules"] = plan["modules"][:3]
    written = {"1:0": {"kind": "lesson", "title": "Caravans", "markdown": "..."}}
    job = running_job(learner, course=course, plan=plan, written=written)
    first = course.modules.get(module_order=1)

    page = html_of(learner_client.get(job.get_absolute_url()))
    states = re.findall(r'job-modules__module--(\w+)">(.*?)</li>', page)
    assert [state for state, _ in states] == ["ready", "writing", "waiting"]
    assert f'<a href="{first.get_absolute_url()}">{first.title}</a>' in states[0][1]
    assert "Being written" in states[1][1]
    assert "<a" not in states[1][1]
    assert 'data-modules-ready="1"' in page
    status = learner_client.get(reverse("generation:job-status", args=[job.pk])).json()
    assert status["modules_ready"] == 1

    # The course says it is being written, and where to follow it.
    course_page = html_of(learner_client.get(course.get_absolute_url()))
    assert "Being written" in course_page
    assert f'href="{job.get_absolute_url()}">Follow its progress' in course_page
    assert course_page.count("No lessons yet.") == 2

    # Once the run stopped, what was not written says so.
    GenerationJob.objects.filter(pk=job.pk).update(
        state=GenerationJob.State.FAILED, finished_at=timezone.now()
    )
    page = html_of(learner_client.get(job.get_absolute_url()))
    states = re.findall(r'job-modules__module--(\w+)">', page)
    assert states == ["ready", "not_written", "not_written"]
    assert "Being written" not in html_of(learner_client.get(course.get_absolute_url()))


def test_the_form_asks_for_a_language_and_the_job_keeps_it(learner_client, settings):
    settings.ATHENA_LLM_BASE_URL = "http://127.0.0.1:9/v1"
    settings.ATHENA_LLM_MODEL = "stand-in"
    page = html_of(learner_client.get(NEW))
    assert '<option value="" selected>The topic&#x27;s language</option>' in page
    assert '<option value="de">German</option>' in page
    learner_client.post(NEW, {**FORM, "language": "de", "confirm": "1"})
    assert GenerationJob.objects.get().language == "de"
    learner_client.post(NEW, {**FORM, "language": "xx", "confirm": "1"})
    assert GenerationJob.objects.count() == 1


def test_the_end_of_what_is_written_is_not_called_the_end_of_the_course(learner, learner_client):
    course = course_being_written(learner)
    enrollment_create(user=learner, course=course)
    items = course.modules.get(module_order=1).ordered_items()
    for item in items[:-1]:
        if isinstance(item, Lesson):
            lesson_complete(user=learner, lesson=item)
    quiz = items[-1]
    page = html_of(post_answer(learner_client, quiz, quiz.answer))
    assert "You reached the end of what is written" in page
    assert "You finished the course!" not in page


def test_a_link_fills_in_only_what_the_form_offers(learner, learner_client):
    LearnerProfile.objects.create(user=learner, level="advanced")
    form = learner_client.get(f"{NEW}?level=junk&focus=in-depth&language=xx").context["form"]
    assert form.initial["level"] == "advanced"  # the profile's, not the junk
    assert form.initial["focus"] == "in-depth"
    assert "language" not in form.initial
