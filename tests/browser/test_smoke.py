import pytest

from tests.factories import make_course


@pytest.mark.django_db(transaction=True)
def test_home_page_lists_published_courses(live_server, page):
    make_course(topic="Rust for Pythonistas")
    make_course(topic="Hidden draft", publish=False)
    page.goto(live_server.url)
    assert page.get_by_role("link", name="Rust for Pythonistas").first.is_visible()
    assert page.get_by_text("Hidden draft").count() == 0
