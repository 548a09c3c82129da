"""Generation jobs in the admin: list, filters, search, read-only detail, retry;
generated courses marked in the course list."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import Course
from generation.models import GenerationJob
from generation.tests.helpers import failed_job, make_job, running_job
from tests.factories import logged_in, make_course, make_user

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:generation_generationjob_changelist")


def html_of(response) -> str:
    return response.content.decode()


def test_the_job_list_shows_request_state_usage_and_error(admin_client):
    ada = make_user(username="ada")
    course = make_course(publish=False, topic="Silk Road, generated")
    started = timezone.now() - timedelta(seconds=95)
    make_job(
        ada,
        topic="History of the Silk Road",
        state="succeeded",
        stage="done",
        course=course,
        prompt_tokens=1200,
        completion_tokens=3400,
        started_at=started,
        finished_at=started + timedelta(seconds=95),
    )
    failed_job(make_user(username="bob"), topic="Rust for beginners")

    html = html_of(admin_client.get(CHANGELIST))

    assert "History of the Silk Road" in html
    assert "ada" in html
    assert "Beginner · Short (up to 2 h) · Broad" in html
    assert "4600" in html  # tokens
    assert "1 min 35 s" in html
    assert "The model kept answering with lessons we could not use." in html
    assert reverse("admin:courses_course_change", args=[course.pk]) in html


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("state__exact=failed", "Failed topic", "Ready topic"),
        ("stage__exact=writing_lessons", "Failed topic", "Ready topic"),
        ("level__exact=advanced", "Ready topic", "Failed topic"),
        ("duration__exact=long", "Ready topic", "Failed topic"),
        ("focus__exact=in-depth", "Ready topic", "Failed topic"),
        ("q=ready", "Ready topic", "Failed topic"),
        ("q=bob", "Failed topic", "Ready topic"),
    ],
)
def test_the_job_list_filters_and_searches(admin_client, query, shown, hidden):
    make_job(
        make_user(username="ada"),
        topic="Ready topic",
        state="succeeded",
        stage="done",
        level="advanced",
        duration="long",
        focus="in-depth",
    )
    failed_job(make_user(username="bob"), topic="Failed topic")
    html = html_of(admin_client.get(f"{CHANGELIST}?{query}"))
    assert shown in html
    assert hidden not in html


def test_the_job_list_filters_by_date(admin_client):
    make_job(make_user(), topic="Today topic", state="failed")
    html = html_of(admin_client.get(CHANGELIST))
    assert "created_at__gte" in html  # the date filter's links


def test_the_job_page_is_read_only_with_the_full_error_detail(admin_client):
    job = failed_job(make_user(), error_detail="lesson 2: <script>alert(1)</script> invalid")
    html = html_of(
        admin_client.get(reverse("admin:generation_generationjob_change", args=[job.pk]))
    )
    assert "lesson 2: &lt;script&gt;alert(1)&lt;/script&gt; invalid" in html
    assert 'name="_save"' not in html  # nothing to edit
    assert 'name="topic"' not in html


def test_jobs_are_not_added_in_the_admin(admin_client):
    response = admin_client.get(reverse("admin:generation_generationjob_add"))
    assert response.status_code == HTTPStatus.FORBIDDEN


def test_staff_retry_failed_jobs_as_new_queued_jobs(admin_client, settings):
    settings.ATHENA_GENERATION_PER_DAY = 1  # a staff retry is not held by the learner's limit
    learner = make_user()
    failed = failed_job(learner, topic="Retry me")
    ready = make_job(make_user(), topic="Leave me", state="succeeded")

    response = admin_client.post(
        CHANGELIST,
        {"action": "retry", "_selected_action": [failed.pk, ready.pk]},
        follow=True,
    )

    html = html_of(response)
    assert "Queued 1 job again as new jobs." in html
    assert "Skipped 1 job: only failed jobs can be retried." in html
    retry = GenerationJob.objects.get(retry_of=failed)
    assert (retry.requester, retry.topic, retry.state) == (learner, "Retry me", "queued")
    assert GenerationJob.objects.filter(topic="Leave me").count() == 1


def test_the_job_list_fails_dead_workers_jobs_when_it_loads(admin_client, settings):
    settings.ATHENA_GENERATION_HEARTBEAT_TIMEOUT = 60
    job = running_job(make_user(), beat_seconds_ago=120)
    admin_client.get(CHANGELIST)
    job.refresh_from_db()
    assert job.state == GenerationJob.State.FAILED


def test_the_job_list_runs_a_fixed_number_of_queries(admin_client, django_assert_num_queries):
    for _ in range(3):
        make_job(make_user(), state="succeeded", course=make_course(publish=False))
    admin_client.get(CHANGELIST)
    for _ in range(10):
        failed_job(make_user())
    # Session, user, stale sweep (whether workers are alive, the stale jobs),
    # count, filtered count, jobs with requesters and courses, and the date
    # hierarchy's range and days.
    with django_assert_num_queries(9):
        assert admin_client.get(CHANGELIST).status_code == HTTPStatus.OK


def test_the_course_list_marks_and_filters_generated_courses(admin_client):
    generated = make_course(publish=False, topic="Generated one")
    Course.objects.filter(pk=generated.pk).update(origin=Course.Origin.GENERATED)
    make_course(topic="Hand written")
    url = reverse("admin:courses_course_changelist")
    html = html_of(admin_client.get(f"{url}?origin__exact=generated"))
    assert "Generated one" in html
    assert "Hand written" not in html
    assert "Draft · generated</td>" in html


def generated_draft(requester, **fields):
    """A learner's generated draft, with the job that built it."""
    course = make_course(publish=False, topic="Soil, for gardeners")
    Course.objects.filter(pk=course.pk).update(origin=Course.Origin.GENERATED, created_by=requester)
    course.refresh_from_db()
    make_job(
        requester,
        topic="soil science for my allotment",
        state="succeeded",
        stage="done",
        course=course,
        model_name="stand-in",
        prompt_tokens=1200,
        completion_tokens=3400,
        usage=[
            {"stage": "planning", "prompt_tokens": 200, "completion_tokens": 400, "attempts": 1,
             "seconds": 2.0, "model": "stand-in"},
            {"stage": "writing_lessons", "prompt_tokens": 1000, "completion_tokens": 3000,
             "attempts": 4, "seconds": 9.5, "model": "stand-in"},
        ],
        **fields,
    )  # fmt: skip
    return course


def test_an_editor_reviews_a_generated_draft_and_publishes_it(client_for_editor, editor):
    """The draft's admin page shows who asked, what they typed, the model and
    each stage's cost; publishing it records the editor as its reviewer, and the
    catalog card then says so."""
    ada = make_user(username="ada")
    course = generated_draft(ada)
    page = html_of(client_for_editor.get(reverse("admin:courses_course_change", args=[course.pk])))
    assert "Generated: review before publishing" in page
    assert "<th>Requested by</th><td>ada</td>" in page
    assert "<th>Topic as typed</th><td>soil science for my allotment</td>" in page
    assert "<th>Model</th><td>stand-in</td>" in page
    assert "1000 + 3000 tokens, 4 calls, 9.5 s" in page
    assert "Not reviewed" in page

    catalog_client = logged_in(ada)
    html = html_of(catalog_client.get(course.get_absolute_url()))
    assert "Generated for beginner learners, not reviewed" in html

    response = client_for_editor.post(
        reverse("admin:courses_course_changelist"),
        {"action": "publish", "_selected_action": [course.pk]},
    )
    assert response.status_code == HTTPStatus.FOUND
    course.refresh_from_db()
    assert course.status == Course.Status.PUBLISHED
    assert course.reviewed_by == editor
    assert course.reviewed_at is not None
    card = html_of(catalog_client.get(reverse("courses:catalog")))
    assert "Generated for beginner learners, reviewed by staff" in card
    page = html_of(client_for_editor.get(reverse("admin:courses_course_change", args=[course.pk])))
    assert f"Reviewed and published by {editor.get_username()}" in page


def test_publishing_from_the_course_page_records_the_reviewer_too(admin_client, admin_user):
    course = generated_draft(make_user())
    url = reverse("admin:courses_course_change", args=[course.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {
        **{name: form[name].value() for name in ("topic", "description", "language", "level",
                                                 "duration", "focus", "answer_reveal")},
        "status": Course.Status.PUBLISHED,
        "modules-TOTAL_FORMS": "0",
        "modules-INITIAL_FORMS": "0",
    }  # fmt: skip
    response = admin_client.post(url, data)
    assert response.status_code == HTTPStatus.FOUND, response.context["adminform"].form.errors
    course.refresh_from_db()
    assert (course.status, course.reviewed_by) == (Course.Status.PUBLISHED, admin_user)


def test_content_editors_read_generation_jobs_but_cannot_retry_them(client_for_editor):
    job = failed_job(make_user(username="bob"), topic="Rust for beginners")

    listing = client_for_editor.get(CHANGELIST)
    assert listing.status_code == HTTPStatus.OK
    assert "Rust for beginners" in html_of(listing)
    assert 'value="retry"' not in html_of(listing)
    page = client_for_editor.get(reverse("admin:generation_generationjob_change", args=[job.pk]))
    assert page.status_code == HTTPStatus.OK
    assert job.error_reason in html_of(page)


def test_a_course_not_generated_says_nothing_of_generation(client):
    course = make_course(topic="Written by staff")
    assert "Generated for" not in html_of(client.get(course.get_absolute_url()))
