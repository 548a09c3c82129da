"""The URL lists the benchmark's many-page loads draw from (manage.py bench_urls)."""

import io
import json
from http import HTTPStatus

import pytest
from django.core.management import call_command
from django.test import Client

from bench.walks import walk_paths
from courses.models import Activity, Course, Lesson, Module
from tests.factories import make_course, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def lists(tmp_path):
    """Two published courses, a draft, and a walker; the lists written."""
    published = [make_course(), make_course(modules=3)]
    make_course(publish=False)
    walker = make_user(username="bench-walker-0")
    walker.enrollments.create(course=published[1])
    out = io.StringIO()
    call_command("bench_urls", output=str(tmp_path), stdout=out)
    return json.loads(out.getvalue()), tmp_path, walker


def lines(path, width):
    data = path.read_text()
    assert len(data) % width == 0
    records = [data[start : start + width] for start in range(0, len(data), width)]
    assert all(record.endswith("\n") for record in records)
    return [record.strip() for record in records]


def test_every_page_of_every_published_course_is_listed_once_by_kind(lists):
    summary, directory, _ = lists
    pages = lines(directory / "pages.urls", summary["width"])
    published = {"module__course__status": Course.Status.PUBLISHED}
    expected = {
        "course": [course.get_absolute_url() for course in Course.objects.published()],
        "module": [
            module.get_absolute_url()
            for module in Module.objects.filter(course__status=Course.Status.PUBLISHED)
        ],
        "lesson": [lesson.get_absolute_url() for lesson in Lesson.objects.filter(**published)],
        "quiz": [quiz.get_absolute_url() for quiz in Activity.objects.filter(**published)],
    }
    for kind, urls in expected.items():
        first, count = summary["kinds"][kind]
        assert sorted(pages[first : first + count]) == sorted(urls)
        samples = summary["samples"][kind]
        assert samples[0] == pages[first]
        assert samples[-1] == pages[first + count - 1]
        assert len(set(samples)) == len(samples) == min(count, 8)
        assert set(samples) <= set(urls)
    assert summary["total"] == len(pages) == sum(len(urls) for urls in expected.values())


def test_the_listed_pages_answer_visitors(lists):
    summary, _, _ = lists
    visitor = Client()
    for kind, paths in summary["samples"].items():
        for path in paths:
            assert visitor.get(path).status_code == HTTPStatus.OK, kind


def test_the_zipf_ranks_order_every_page_once(lists):
    summary, directory, _ = lists
    ranks = lines(directory / "zipf.ranks", summary["rank_width"])
    assert sorted(int(rank) for rank in ranks) == list(range(summary["total"]))


def test_the_walks_are_the_walkers_pages_ahead(lists):
    summary, directory, walker = lists
    walks = json.loads((directory / "walks.json").read_text())
    assert walks == {"bench-walker-0": walk_paths(walker)}
    assert summary["walks"] == {"bench-walker-0": len(walks["bench-walker-0"])}
