"""Caches that are never wrong: several gunicorn workers with the operator's
default settings (no CACHE_URL: each worker its own in-memory cache), content
changed from the admin on one worker and from other processes, and every
worker's very next answer shows the change.

Runs on the suite's database engine: a fresh PostgreSQL database on the
server of DATABASE_URL, or an SQLite file the processes share.
"""

from __future__ import annotations

import json
import os
import re
from http import HTTPStatus

import pytest

from tests.factories import course_document
from tests.servers import Gunicorn, Visitor, fetch, fresh_database, manage, production_environment

SHARED_DATABASE = os.environ.get("DATABASE_URL", "")
# On one pytest-xdist worker: the module's tests share one database and server.
pytestmark = pytest.mark.xdist_group("truth")
PASSWORD = "Quiet-harbour-compass-5093"  # test-only account password
WORKERS = 3
# Enough requests that every worker answers several times.
READS = 30


@pytest.fixture(scope="module")
def database_url(tmp_path_factory):
    if not SHARED_DATABASE.startswith("postgres"):
        yield f"sqlite:///{tmp_path_factory.mktemp('truth') / 'athena.sqlite3'}"
        return
    with fresh_database(SHARED_DATABASE, f"athena_truth_{os.getpid()}") as url:
        yield url


def shell(code: str, environment: dict[str, str]) -> str:
    """Run `code` in `manage.py shell`: another process than the servers."""
    return manage("shell", "-c", code, environment=environment).strip().splitlines()[-1]


@pytest.fixture(scope="module")
def site(database_url, tmp_path_factory):
    """The operator's gunicorn.conf.py with several workers and the default
    cache, over the demo catalog and a staff account."""
    environment = production_environment(DATABASE_URL=database_url)
    environment.update(WEB_CONCURRENCY=str(WORKERS), GUNICORN_THREADS="1")
    manage("migrate", "--no-input", environment=environment)
    manage("load_demo_courses", environment=environment)
    ids = json.loads(
        shell(
            "import json; from django.contrib.auth import get_user_model; "
            "from courses.models import Lesson; "
            f"get_user_model().objects.create_superuser('chief', 'chief@example.com', "
            f"'{PASSWORD}'); "
            "lesson = Lesson.objects.filter(module__course__status='published')"
            ".select_related('module').order_by('pk').first(); "
            "print(json.dumps({'course': lesson.module.course_id, 'module': lesson.module_id, "
            "'lesson': lesson.pk, 'url': lesson.get_absolute_url()}))",
            environment,
        )
    )
    server = Gunicorn(environment, tmp_path_factory.mktemp("truth") / "gunicorn.log")
    try:
        yield server.start(), environment, ids
    finally:
        server.stop()


def answers(server: Gunicorn, path: str, times: int = READS) -> list:
    """`times` answers for `path`, each on a new connection, so the workers
    take turns as they accept them."""
    return [fetch(server.url(path)) for _ in range(times)]


def warm(server: Gunicorn, *paths: str) -> None:
    """Every worker has each page's course outline kept."""
    for path in paths:
        assert all(answer.status == HTTPStatus.OK for answer in answers(server, path)), path


def test_an_edit_from_another_process_shows_on_every_workers_next_answer(site):
    server, environment, ids = site
    course_url = f"/courses/{ids['course']}/"
    warm(server, ids["url"], course_url)
    shell(
        "from courses.models import Lesson; from courses.services import item_update; "
        f"lesson = Lesson.objects.select_related('module').get(pk={ids['lesson']}); "
        "lesson.set_markdown('## Rewritten elsewhere\\n\\nNew words.'); "
        "item_update(item=lesson, data={'title': 'Renamed elsewhere', "
        "'content': lesson.content}); print('ok')",
        environment,
    )
    for answer in answers(server, ids["url"]):
        assert answer.status == HTTPStatus.OK
        assert "Rewritten elsewhere" in answer.body
    for answer in answers(server, course_url):
        assert "Renamed elsewhere" in answer.body  # the course page's outline


def test_a_course_imported_by_another_process_is_listed_by_every_worker(site, tmp_path):
    server, environment, _ = site
    warm(server, "/courses/", "/")
    document = tmp_path / "course.json"
    document.write_text(json.dumps(course_document(topic="Quokka husbandry")))
    manage("import_course", "--publish", str(document), environment=environment)
    for path in ("/courses/", "/"):
        for answer in answers(server, path):
            assert "Quokka husbandry" in answer.body, path
    for answer in answers(server, "/courses/?q=quokka"):
        assert "Quokka husbandry" in answer.body


def test_unpublishing_in_the_admin_on_one_worker_hides_it_on_every_worker(site):
    server, _, ids = site
    course_url = f"/courses/{ids['course']}/"
    module_url = f"/courses/{ids['course']}/modules/{ids['module']}/"
    warm(server, ids["url"], module_url, course_url, "/courses/")
    topic = re.search(r"<h1[^>]*>([^<]+)</h1>", fetch(server.url(course_url)).body).group(1)

    chief = Visitor()
    assert chief.log_in(server, "chief", PASSWORD).status == HTTPStatus.FOUND
    changelist = server.url("/admin/courses/course/")
    assert chief.get(changelist).status == HTTPStatus.OK
    unpublished = chief.post(
        changelist, {"action": "unpublish", "_selected_action": str(ids["course"])}
    )
    assert unpublished.status == HTTPStatus.FOUND

    for path in (ids["url"], module_url, course_url):
        for answer in answers(server, path):
            assert answer.status == HTTPStatus.NOT_FOUND, path
    for answer in answers(server, "/courses/"):
        assert topic.strip() not in answer.body


def test_public_pages_carry_no_cookie_or_token(site):
    server, _, _ = site
    for answer in answers(server, "/", times=10) + answers(server, "/courses/", times=10):
        assert answer.headers["cache-control"] == "public, no-cache"
        assert "set-cookie" not in answer.headers
        assert "csrfmiddlewaretoken" not in answer.body


def test_the_workers_are_several_processes(site):
    """The premise of this module: each worker has its own memory."""
    server, _, _ = site
    assert len(set(re.findall(r"Booting worker with pid: (\d+)", server.log()))) == WORKERS
