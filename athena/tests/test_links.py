"""athena.links: the addresses it formats are reverse()'s, under any script prefix."""

import pytest
from django.template import engines
from django.urls import reverse, set_script_prefix

from athena.links import page_url, page_url_format

PAGES = [
    ("courses:home", {}),
    ("courses:catalog", {}),
    ("login", {}),
    ("courses:course-detail", {"course_id": 7}),
    ("courses:module-detail", {"course_id": 7, "module_id": 91}),
    ("courses:lesson-detail", {"course_id": 7, "module_id": 91, "lesson_id": 918_273_645_000}),
    ("courses:activity-detail", {"course_id": 1, "module_id": 2, "activity_id": 3}),
]


@pytest.fixture
def script_prefix():
    yield set_script_prefix
    set_script_prefix("/")


@pytest.mark.parametrize(("name", "ids"), PAGES)
@pytest.mark.parametrize("prefix", ["/", "/athena/"])
def test_page_url_is_reverse(script_prefix, name, ids, prefix):
    script_prefix(prefix)
    assert page_url(name, **ids) == reverse(name, kwargs=ids)
    assert page_url_format(name, *ids).format(**ids) == reverse(name, kwargs=ids)


def test_the_page_url_tag_needs_no_load_and_escapes_like_url(script_prefix):
    script_prefix("/a&b/")
    template = engines["django"].from_string(
        '{% page_url "courses:course-detail" course_id=5 %}|{% url "courses:course-detail" 5 %}'
    )
    ours, django_s = template.render({}).split("|")
    assert ours == django_s == "/a&amp;b/courses/5/"
