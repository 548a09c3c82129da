"""A learner asks Athena to build a course in Chromium: the status page follows
the worker by itself to the plan, which the learner edits and approves, then
links the first module as soon as it is written, which the learner reads
while the rest is written, then the finished course; the header bell counts
the notifications."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.db import connection
from playwright.sync_api import Page, expect

from courses.models import Course
from generation.models import GenerationJob, Rewrite
from generation.tests.helpers import failed_job, make_job, running_job
from generation.tests.llm_server import (
    StandInServer,
    configure,
    plan_answer,
    running_stand_in,
    valid,
)
from notifications.services import notification_create
from tests.factories import PASSWORD, make_course, make_user

# Long enough for a person to watch a run: every model answer takes this long.
ANSWER_SECONDS = 0.8
RUN_TIMEOUT_MS = 90_000


@pytest.fixture
def stand_in(settings) -> Iterator[StandInServer]:
    with running_stand_in() as server:
        configure(settings, server)
        server.always("*", valid(delay=ANSWER_SECONDS))
        yield server


def database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def start_worker(stand_in: StandInServer) -> Iterator:
    """`manage.py db_worker` as its own process on the live server's database,
    pointed at the stand-in model server; stopped after the test."""
    processes: list[subprocess.Popen] = []

    def start() -> None:
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "ATHENA_TASKS_BACKEND": "db",
            "ATHENA_LLM_BASE_URL": stand_in.base_url,
            "ATHENA_LLM_MODEL": "stand-in",
            "ATHENA_LLM_API_KEY": "stand-in-key",
            "ATHENA_LLM_TIMEOUT": "10",
            "DEBUG": "false",
        }
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "manage.py",
                    "db_worker",
                    "--no-startup-delay",
                    "--no-reload",
                    "--interval",
                    "0.2",
                ],
                cwd=settings.BASE_DIR,
                env=env,
            )
        )

    yield start
    for process in processes:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.mark.postgresql_browser
@pytest.mark.django_db(transaction=True)
def test_learner_builds_a_course_and_watches_it_become_ready(
    live_server, page: Page, stand_in: StandInServer, start_worker
):
    if connection.vendor != "postgresql":
        pytest.skip("the worker process needs a database it can reach: run on PostgreSQL")
    make_user(username="ada")

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username or e-mail").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Notifications", exact=True)).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Build a course").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Build a course")
    page.get_by_label("Topic").fill("History of the Silk Road")
    page.get_by_label("Level").select_option("beginner")
    page.get_by_label("Duration").select_option("short")
    page.get_by_role("button", name="Build my course").click()

    # The status page at once, before any worker runs.
    expect(page.get_by_role("heading", level=1)).to_have_text("History of the Silk Road")
    expect(page.get_by_role("status").filter(has_text="Waiting for a worker")).to_be_visible()
    job = GenerationJob.objects.get()
    assert job.state == GenerationJob.State.QUEUED

    start_worker()

    # The page follows the worker by itself to the plan, which waits for review.
    expect(page.get_by_text("Your plan is ready.")).to_be_visible(timeout=RUN_TIMEOUT_MS)
    first_module = page.get_by_role("group", name="Module 1")
    lessons = first_module.get_by_label("Lessons")
    expect(lessons).to_have_value("Module 1, first ideas\nModule 1, going further")
    lessons.fill("Caravans and camels\nModule 1, going further")
    # Module 2's lessons wait for the stand-in's go-ahead: the learner reads
    # module 1 meanwhile.
    go_ahead = stand_in.hold(lambda data: data.get("lesson", {}).get("title", "")[:8] == "Module 2")
    page.get_by_role("button", name="Approve and write the course").click()
    expect(page.get_by_text("Plan approved: Athena is writing your course.")).to_be_visible()

    # Then a stage and a moving bar, and module 1 linked as soon as it is written.
    label = page.locator("[data-job-label]")
    expect(label).to_have_text(
        re.compile(r"Writing module|ready to read"),
        timeout=RUN_TIMEOUT_MS,
    )
    assert (
        page.get_by_role("progressbar", name="Progress of your course").evaluate("bar => bar.value")
        > 0
    )
    first_module = page.get_by_role("link", name="Part 1: History of the Silk Road")
    expect(first_module).to_be_visible(timeout=RUN_TIMEOUT_MS)
    expect(page.locator(".job-modules__module--writing")).to_contain_text("Being written")
    first_module.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Part 1: History of the Silk Road")
    page.get_by_role("main").get_by_role(
        "link", name=re.compile("Caravans and camels")
    ).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Caravans and camels")
    assert GenerationJob.objects.get().state == GenerationJob.State.RUNNING

    go_ahead.set()
    page.goto(live_server.url + job.get_absolute_url())
    expect(page.get_by_text("Your course is ready.")).to_be_visible(timeout=RUN_TIMEOUT_MS)

    job.refresh_from_db()
    assert job.state == GenerationJob.State.SUCCEEDED
    page.get_by_role("link", name=re.compile(r"^Open “")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(job.course.topic)
    expect(page.get_by_role("note")).to_contain_text("built for you")
    outline = page.get_by_role("navigation", name="Course outline")
    expect(outline.get_by_role("link", name="Lesson Caravans and camels")).to_be_visible()
    bell = page.get_by_role("link", name="Notifications, 2 unread")
    expect(bell).to_be_visible()
    bell.click()
    message = f"Your course “{job.course.topic}” is ready."
    expect(page.get_by_role("link", name=message)).to_be_visible()
    page.get_by_role("button", name=re.compile(r"^Mark as read")).first.click()
    expect(page.get_by_role("link", name="Notifications, 1 unread")).to_be_visible()

    # Rewrite one lesson from its page; the worker makes the change, then undo it.
    page.goto(live_server.url + job.course.get_absolute_url())
    page.get_by_role("navigation", name="Course outline").get_by_role(
        "link", name="Lesson Caravans and camels"
    ).click()
    page.get_by_label("What should change in this lesson?").fill("Say more about camels")
    page.get_by_role("button", name="Rewrite this lesson").click()
    expect(page.get_by_text("Athena is rewriting this lesson")).to_be_visible()
    # The page follows the change by itself and shows the new text.
    expect(page.get_by_role("heading", name="As you asked")).to_be_visible(timeout=RUN_TIMEOUT_MS)
    expect(page.get_by_text("Say more about camels").first).to_be_visible()
    page.get_by_role("button", name="Undo this change").click()
    expect(page.get_by_text("Undone: the version before that change is back.")).to_be_visible()
    expect(page.get_by_role("heading", name="As you asked")).to_have_count(0)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_generation_pages_have_no_serious_accessibility_violations(
    live_server, browser, settings, theme
):
    from tests.browser.test_accessibility import blocking_violations

    settings.ATHENA_LLM_BASE_URL = "http://127.0.0.1:9/v1"
    settings.ATHENA_LLM_MODEL = "stand-in"
    learner = make_user(username="ada")
    failed = failed_job(learner)
    plan = plan_answer({"topic": "Soil science", "duration": "short"})
    # Its modules listed: one being written, one waiting.
    running = running_job(learner, topic="Rust for beginners", plan=plan)
    review = make_job(learner, topic="Soil science", state=GenerationJob.State.REVIEW, plan=plan)
    notification_create(user=learner, message="Your course “Rust” is ready.", url="/courses/")
    # A generated course's lesson with its change panel: one change done, one on its way.
    course = make_course(publish=False, modules=1, lessons=1, quizzes=1)
    Course.objects.filter(pk=course.pk).update(created_by=learner, origin=Course.Origin.GENERATED)
    lesson = course.modules.get().lessons.get()
    for state in (Rewrite.State.SUCCEEDED, Rewrite.State.QUEUED):
        Rewrite.objects.create(
            course=course, requester=learner, kind="lesson", lesson=lesson, state=state
        )
    # axe injects its own script and styles: the CSP is bypassed for the scan only.
    context = browser.new_context(base_url=live_server.url, color_scheme=theme, bypass_csp=True)
    try:
        page = context.new_page()
        page.goto("/accounts/login/")
        page.get_by_label("Username or e-mail").fill("ada")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("link", name="Notifications, 1 unread")).to_be_visible()
        problems = {}
        for url in (
            "/build/",
            "/build/requests/",
            failed.get_absolute_url(),
            running.get_absolute_url(),
            review.get_absolute_url(),
            "/notifications/",
            lesson.get_absolute_url(),
        ):
            page.goto(url)
            if found := blocking_violations(page):
                problems[url] = found
        assert problems == {}
    finally:
        context.close()
