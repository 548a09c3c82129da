"""Live previews beside the lesson and quiz editors: rendered by the learners'
renderer, sanitised, without saving, never showing a quiz's answer."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.urls import reverse

from courses.models import Activity, Lesson
from tests.factories import logged_in, make_content_editor, make_course, make_user
from tests.helpers import module_change_url

pytestmark = pytest.mark.django_db


def test_the_lesson_preview_fragment_is_only_the_rendered_body(client_for_editor):
    markdown = "## Heading\n\n`code` <script>alert(1)</script> [bad](javascript:alert(1))"
    response = client_for_editor.post(
        reverse("admin:courses_lesson_preview"), {"markdown": markdown, "fragment": "1"}
    )
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode().strip()
    assert html.startswith('<div class="prose"><h2>Heading</h2>')
    assert "<code>code</code>" in html
    assert "<script>" not in html
    assert 'href="javascript:' not in html
    assert "<html" not in html
    assert "not saved" not in html


def test_the_quiz_preview_shows_question_and_lettered_options_but_never_the_answer(
    client_for_editor,
):
    response = client_for_editor.post(
        reverse("admin:courses_activity_preview"),
        {
            "question": "Which keyword **ends** a block? <script>x</script>",
            "option_1": "else",
            "option_2": "finally",
            "option_3": "<b>done</b>",
            "option_4": "",
            "correct_option": "2",
            "explanation": "Because finally.",
        },
    )
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "<strong>ends</strong>" in html
    assert "<script>" not in html
    assert "Option A: </span>else" in html
    assert "Option B: </span>finally" in html
    assert "Option C: </span>&lt;b&gt;done&lt;/b&gt;" in html
    assert "Option D" not in html
    assert "correct" not in html.lower()
    assert "Because finally" not in html
    assert not Activity.objects.exists()


@pytest.mark.parametrize(
    "url_name", ["admin:courses_lesson_preview", "admin:courses_activity_preview"]
)
def test_previews_need_post_csrf_and_an_editor(url_name):
    url = reverse(url_name)
    csrf_client = logged_in(make_content_editor(), enforce_csrf_checks=True)
    assert csrf_client.get(url).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert csrf_client.post(url, {"question": "x"}).status_code == HTTPStatus.FORBIDDEN
    outsider = logged_in(make_user(is_staff=True))
    assert outsider.post(url, {"question": "x", "markdown": "x"}).status_code == (
        HTTPStatus.FORBIDDEN
    )


def test_every_lesson_and_quiz_editor_carries_its_preview_address(client_for_editor):
    module = make_course(modules=1, lessons=2, quizzes=1).modules.get()
    lesson_preview = reverse("admin:courses_lesson_preview")
    quiz_preview = reverse("admin:courses_activity_preview")
    html = client_for_editor.get(module_change_url(module)).content.decode()
    # Two lessons and the empty "add another" form; one quiz and its empty form.
    assert html.count(f'data-preview-url="{lesson_preview}"') == 3
    assert html.count(f'data-quiz-preview-url="{quiz_preview}"') == 2
    assert "admin-athena/preview.js" in html
    lesson = Lesson.objects.filter(module=module).first()
    html = client_for_editor.get(
        reverse("admin:courses_lesson_change", args=[lesson.pk])
    ).content.decode()
    assert f'data-preview-url="{lesson_preview}"' in html
    assert "admin-athena/preview.js" in html
    quiz = Activity.objects.get(module=module)
    html = client_for_editor.get(
        reverse("admin:courses_activity_change", args=[quiz.pk])
    ).content.decode()
    assert f'data-quiz-preview-url="{quiz_preview}"' in html
