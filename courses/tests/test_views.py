"""The learner pages: what each shows, who may see it, and what it costs in SQL."""

from __future__ import annotations

import math
import re
from datetime import timedelta
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from courses.models import Activity, Course, Lesson, words_in
from courses.services import course_publish, module_update
from enrollment.models import Enrollment, QuizAttempt
from enrollment.pages import option_order
from enrollment.services import enrollment_create, lesson_complete
from tests.factories import PASSWORD, course_items, make_content_editor, make_course, make_user
from tests.helpers import option_position, post_answer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    """The home page caches its trending shelf; start every test without it."""
    cache.clear()


def html_of(response) -> str:
    return response.content.decode()


def lesson_url(lesson: Lesson) -> str:
    return reverse(
        "courses:lesson-detail",
        kwargs={
            "course_id": lesson.module.course_id,
            "module_id": lesson.module_id,
            "lesson_id": lesson.pk,
        },
    )


@pytest.fixture
def big_course() -> Course:
    """20 modules of 10 items (5 lessons, 5 quizzes): the budget's test course."""
    return make_course(topic="Big course", modules=20, lessons=5, quizzes=5)


@pytest.fixture
def staff_client(client: Client) -> Client:
    """Staff who may edit courses (and so preview drafts)."""
    client.force_login(make_content_editor())
    return client


# Home


def test_home_shows_search_and_published_courses_only(client):
    make_course(topic="Rust for Pythonistas")
    make_course(topic="Secret draft", publish=False)
    response = client.get(reverse("courses:home"))
    assert response.status_code == HTTPStatus.OK
    html = html_of(response)
    assert 'role="search"' in html
    assert 'name="q"' in html
    assert "Rust for Pythonistas" in html
    assert "Secret draft" not in html


def test_home_trending_ranks_recent_enrollments_first_and_never_repeats_a_course(client):
    make_course(topic="Quiet course")
    busy = make_course(topic="Busy course")
    old_favourite = make_course(topic="Old favourite")
    make_course(topic="Newest course")
    long_ago = timezone.now() - timedelta(days=90)
    for _ in range(3):
        Enrollment.objects.create(user=make_user(), course=busy)
    # Many enrollments, but all long ago and idle since: not trending.
    for _ in range(5):
        Enrollment.objects.create(
            user=make_user(), course=old_favourite, enrolled_at=long_ago, last_accessed_at=long_ago
        )
    response = client.get(reverse("courses:home"))
    # Trending shows real activity only; the newest shelf shows the rest.
    assert response.context["trending_courses"] == [busy]
    newest = [course.topic for course in response.context["newest_courses"]]
    assert newest == ["Newest course", "Old favourite", "Quiet course"]
    # Nobody worked in a module: no module shelf made of the same courses.
    assert response.context["trending_modules"] == []


def test_a_quiet_home_page_shows_each_course_once(client):
    for number in range(8):
        make_course(topic=f"Course {number}")
    html = html_of(client.get(reverse("courses:home")))
    assert "Trending courses" not in html
    assert "Trending modules" not in html
    for number in range(2, 8):
        assert html.count(f">Course {number}</a>") == 1


def test_a_learner_sees_continue_learning_first_and_nowhere_else(client, learner):
    taking = make_course(topic="Taking", modules=1, lessons=2, quizzes=0)
    done = make_course(topic="Done", modules=1, lessons=1, quizzes=0)
    make_course(topic="Not enrolled")
    for course in (taking, done):
        enrollment_create(user=learner, course=course)
        Enrollment.objects.create(user=make_user(), course=course)  # trending too
    first, _ = course_items(taking)
    lesson_complete(user=learner, lesson=course_items(done)[0])
    response = client.get(reverse("courses:home"))
    assert [row.course for row in response.context["continue_learning"]] == [taking]
    assert response.context["trending_courses"] == [done]
    html = html_of(response)
    assert html.index("Continue learning") < html.index("Trending courses")
    assert html.count(">Taking</a>") == 1
    second = course_items(taking)[1]
    assert f'href="{second.get_absolute_url()}">Continue: {second.title}<' not in html
    assert f'href="{first.get_absolute_url()}">Start: {first.title}<' in html


def test_home_trending_counts_recent_activity_of_older_enrollments(client):
    make_course(topic="Untouched")
    revisited = make_course(topic="Revisited")
    long_ago = timezone.now() - timedelta(days=200)
    Enrollment.objects.create(
        user=make_user(), course=revisited, enrolled_at=long_ago, last_accessed_at=timezone.now()
    )
    response = client.get(reverse("courses:home"))
    assert response.context["trending_courses"][0] == revisited


def test_home_with_no_courses_says_so(client):
    response = client.get(reverse("courses:home"))
    assert response.status_code == HTTPStatus.OK
    assert "No courses are published yet." in html_of(response)


def test_home_runs_few_queries_with_many_courses(client, django_assert_num_queries):
    learners = [make_user() for _ in range(3)]
    for _ in range(12):
        course = make_course(modules=2)
        for learner in learners:
            enrollment_create(user=learner, course=course)
            lesson_complete(user=learner, lesson=course_items(course)[0])
    # Cold cache: trending course ids and their rows, trending module ids and
    # their rows, the newest courses.
    with django_assert_num_queries(5):
        assert client.get(reverse("courses:home")).status_code == HTTPStatus.OK
    # The trending ids are cached: their rows and the newest courses.
    with django_assert_num_queries(3):
        assert client.get(reverse("courses:home")).status_code == HTTPStatus.OK
    # A learner's page is never stored: the shelves with the trending ids from
    # the cache (3), the session and user (2), "Continue learning": their
    # enrollments, the 12 courses' rows with their outlines in one query,
    # their progress (3), and the bell (1).
    client.force_login(learners[0])
    with django_assert_num_queries(3 + 2 + 3 + 1):
        html = html_of(client.get(reverse("courses:home")))
    assert html.count(">Continue: Quiz 1.1<") == 6


# Course page


def test_course_page_renders_description_preferences_counts_and_full_outline(client):
    course = make_course(
        topic="Statistics",
        modules=2,
        lessons=2,
        quizzes=1,
        preferences={"level": "advanced", "duration": "long", "focus": "in-depth"},
    )
    course.description = "Learn **distributions** and `variance`."
    course.save()
    response = client.get(course.get_absolute_url())
    assert response.status_code == HTTPStatus.OK
    html = html_of(response)
    assert "<strong>distributions</strong>" in html
    assert "<code>variance</code>" in html
    assert "Advanced" in html
    # The duration asked for, and the course's estimate: its lessons' words at
    # 200 a minute and a minute a quiz.
    lessons = Lesson.objects.filter(module__course=course)
    words = sum(words_in(lesson.markdown) for lesson in lessons)
    minutes = math.ceil(words / 200) + 2
    assert f'Long (5 h or more)<span class="badge__estimate">: about {minutes} min</span>' in html
    assert "In-depth" in html
    assert "2 modules · 4 lessons · 2 quizzes" in html
    for item in course_items(course):
        assert f'href="{item.get_absolute_url()}"' in html
    for module in course.modules.all():
        assert f'href="{module.get_absolute_url()}"' in html
    # Outline in reading order.
    titles = re.findall(r'class="outline__title">([^<]+)<', html)
    assert titles == [item.title for item in course_items(course)]


def test_course_page_links_to_the_first_item(client):
    course = make_course()
    first = course_items(course)[0]
    html = html_of(client.get(course.get_absolute_url()))
    assert re.search(rf'href="{first.get_absolute_url()}">Start the course<', html)


def test_unknown_course_is_404_in_the_site_design(client):
    response = client.get(reverse("courses:course-detail", kwargs={"course_id": 999999}))
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "We could not find that page" in html_of(response)
    assert "css/athena.css" in html_of(response)


def test_draft_course_is_404_to_learners(client):
    draft = make_course(publish=False)
    module = draft.modules.first()
    lesson, quiz = module.ordered_items()[:2]
    urls = [
        draft.get_absolute_url(),
        module.get_absolute_url(),
        lesson.get_absolute_url(),
        quiz.get_absolute_url(),
    ]
    for url in urls:
        assert client.get(url).status_code == HTTPStatus.NOT_FOUND, url
    client.force_login(make_user())
    for url in urls:
        assert client.get(url).status_code == HTTPStatus.NOT_FOUND, url
    assert post_answer(client, quiz, 2).status_code == 404


def test_staff_preview_drafts_with_a_draft_banner(staff_client):
    draft = make_course(topic="Work in progress", publish=False)
    module = draft.modules.first()
    lesson = module.ordered_items()[0]
    for url in (draft.get_absolute_url(), module.get_absolute_url(), lesson.get_absolute_url()):
        response = staff_client.get(url)
        assert response.status_code == HTTPStatus.OK, url
        assert "banner--draft" in html_of(response)
        assert "<strong>Draft</strong>" in html_of(response)


def test_staff_get_no_enroll_button_on_drafts(staff_client):
    draft = make_course(topic="Work in progress", publish=False)
    lesson = draft.modules.first().ordered_items()[0]
    enroll_url = reverse("enrollment:enroll", args=[draft.pk])
    html = html_of(staff_client.get(draft.get_absolute_url()))
    assert "Draft — not open for enrollment" in html
    assert enroll_url not in html
    assert enroll_url not in html_of(staff_client.get(lesson.get_absolute_url()))
    # A forged enrollment in a draft enrolls no one.
    response = staff_client.post(enroll_url, follow=True)
    assert "Drafts are not open for enrollment." in html_of(response)
    assert not Enrollment.objects.exists()
    # Once published, the course is open.
    course_publish(course_ids=[draft.pk])
    html = html_of(staff_client.get(draft.get_absolute_url()))
    assert enroll_url in html
    assert "not open for enrollment" not in html


def test_theme_toggle_says_what_it_will_do(client):
    html = html_of(client.get("/"))
    toggle = html.split("data-theme-toggle")[1].split("</button>")[0]
    assert '<span class="theme-toggle__text">Switch to dark theme</span>' in toggle
    assert "aria-pressed" not in toggle  # the label changes instead of a pressed state


def test_published_course_has_no_draft_banner(staff_client):
    course = make_course()
    assert "banner--draft" not in html_of(staff_client.get(course.get_absolute_url()))


def test_course_page_query_budget(client, big_course, django_assert_num_queries):
    url = big_course.get_absolute_url()
    # The course's row, which holds its outline and content version
    # (courses.outline): no modules, lessons or quizzes are read.
    with django_assert_num_queries(1):
        response = client.get(url)
    assert response.status_code == HTTPStatus.OK
    assert html_of(response).count('class="outline__item ') == 200


def test_course_page_query_budget_for_a_logged_in_learner(
    client, big_course, django_assert_num_queries
):
    client.force_login(make_user())
    url = big_course.get_absolute_url()
    # One for the page (the course's row, with its outline and content
    # version), two for the session and its user, one for the learner's state
    # in the course (enrollment, resume point, progress), one for the bell's
    # unread count.
    with django_assert_num_queries(1 + 2 + 1 + 1):
        assert client.get(url).status_code == HTTPStatus.OK


def test_outline_ticks_completed_items():
    course = Course.objects.with_outline_titles().get(pk=make_course(modules=1, lessons=2).pk)
    lesson_1, quiz, _lesson_2 = course.ordered_items()
    html = render_to_string(
        "includes/_outline.html",
        {"course": course, "completed_keys": {lesson_1.key, quiz.key}},
    )
    ticked = re.findall(r'outline__item--(\w+) is-complete"><a href="([^"]+)"', html)
    assert ticked == [
        ("lesson", lesson_1.get_absolute_url()),
        ("activity", quiz.get_absolute_url()),
    ]
    assert html.count("(completed)") == 2
    assert "is-complete" not in render_to_string("includes/_outline.html", {"course": course})


# Module page


def test_module_page_shows_description_and_items_in_order(client):
    course = make_course(modules=2, lessons=2, quizzes=2)
    module = course.modules.last()
    module_update(module=module, data={"description": "This module is about *loops*."})
    response = client.get(module.get_absolute_url())
    assert response.status_code == HTTPStatus.OK
    html = html_of(response)
    assert "<em>loops</em>" in html
    assert "Module 2 of 2" in html
    main_list = html.split('class="item-list"')[1].split("</ol>")[0]
    assert re.findall(r'href="([^"]+)"', main_list) == [
        item.get_absolute_url() for item in module.ordered_items()
    ]


def test_module_of_another_course_is_404(client):
    course = make_course()
    other = make_course()
    url = reverse(
        "courses:module-detail",
        kwargs={"course_id": course.pk, "module_id": other.modules.first().pk},
    )
    assert client.get(url).status_code == HTTPStatus.NOT_FOUND


def test_module_page_query_budget(client, big_course, django_assert_num_queries):
    url = big_course.modules.all()[10].get_absolute_url()
    # The course's row with its outline.
    with django_assert_num_queries(1):
        assert client.get(url).status_code == HTTPStatus.OK


# Lesson page


LESSON_MARKDOWN = """## Why loops

A loop repeats work. See [the docs](https://docs.python.org/3/).

> Simple is better than complex.

| keyword | meaning |
|---------|---------|
| for     | iterate |

```python
for number in range(3):
    print(number)
```
"""


def test_lesson_page_renders_markdown_with_highlighted_code(client):
    course = make_course(modules=1, lessons=1, quizzes=0)
    lesson = Lesson.objects.get(module__course=course)
    lesson.content = {"type": "MARKDOWN", "value": LESSON_MARKDOWN}
    lesson.save()
    response = client.get(lesson.get_absolute_url())
    assert response.status_code == HTTPStatus.OK
    html = html_of(response)
    assert "<h2>Why loops</h2>" in html
    assert "<blockquote>" in html
    assert '<div class="table-scroll" tabindex="0"><table>' in html
    assert "<th>keyword</th>" in html
    assert '<a href="https://docs.python.org/3/" rel="noopener noreferrer nofollow">' in html
    # Pygments token spans inside pre > code, and the stylesheet for them.
    code = html.split('<pre tabindex="0"><code')[1].split("</code></pre>")[0]
    assert '<span class="k">for</span>' in code
    assert '<span class="nb">range</span>' in code
    assert "css/pygments.css" in html


def test_lesson_page_shows_maths_as_mathml_and_broken_latex_as_source(client):
    course = make_course(modules=1, lessons=1, quizzes=0)
    lesson = Lesson.objects.get(module__course=course)
    lesson.content = {
        "type": "MARKDOWN",
        "value": "The pmf is $p^k (1-p)^{1-k}$, for $5 or $10.\n\n$$\n\\frac{a}{b}\n$$\n\n"
        "Broken: $\\frac{1}{$.",
    }
    lesson.save()
    response = client.get(lesson.get_absolute_url())
    assert response.status_code == HTTPStatus.OK
    html = html_of(response)
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">' in html
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="block">' in html
    assert "for $5 or $10." in html
    assert '<code class="math-source">$\\frac{1}{$</code>' in html


def test_lesson_page_has_breadcrumbs_and_outline_showing_the_current_item(client):
    course = make_course(topic="Git for teams", modules=2)
    lesson = course_items(course)[2]
    html = html_of(client.get(lesson.get_absolute_url()))
    crumbs = html.split('aria-label="Breadcrumb"')[1].split("</nav>")[0]
    assert "Git for teams" in crumbs
    assert lesson.module.title in crumbs
    assert f'<span aria-current="page">{lesson.title}</span>' in crumbs
    current = re.findall(r'<a href="([^"]+)" aria-current="page">', html)
    assert current == [lesson.get_absolute_url()]
    # The outline comes after the text on a phone: a link at the top jumps to it.
    assert html.index('href="#course-outline"') < html.index('<div class="prose"')
    assert '<aside class="reader__aside" id="course-outline">' in html


def test_previous_and_next_walk_the_whole_course_across_modules(client):
    course = make_course(modules=3, lessons=2, quizzes=1)
    items = course_items(course)
    assert len(items) == 9
    visited = [items[0].get_absolute_url()]
    url = items[0].get_absolute_url()
    while True:
        html = html_of(client.get(url))
        found = re.search(r'rel="next" href="([^"]+)"', html)
        if not found:
            break
        url = found.group(1)
        visited.append(url)
    assert visited == [item.get_absolute_url() for item in items]
    # The last item offers the way back to the course; the first has no previous.
    last_html = html_of(client.get(items[-1].get_absolute_url()))
    assert "Back to the course" in last_html
    assert 'rel="prev"' not in html_of(client.get(items[0].get_absolute_url()))
    # Walking back from the last item reaches the first.
    url, walked_back = items[-1].get_absolute_url(), 0
    while found := re.search(r'rel="prev" href="([^"]+)"', html_of(client.get(url))):
        url = found.group(1)
        walked_back += 1
    assert (walked_back, url) == (8, items[0].get_absolute_url())


def test_lesson_of_another_module_or_course_is_404(client):
    course = make_course(modules=2)
    other = make_course()
    first_module, second_module = course.modules.all()
    lesson = first_module.lessons.first()
    wrong_module = reverse(
        "courses:lesson-detail",
        kwargs={"course_id": course.pk, "module_id": second_module.pk, "lesson_id": lesson.pk},
    )
    wrong_course = reverse(
        "courses:lesson-detail",
        kwargs={"course_id": other.pk, "module_id": first_module.pk, "lesson_id": lesson.pk},
    )
    missing = reverse(
        "courses:lesson-detail",
        kwargs={"course_id": course.pk, "module_id": first_module.pk, "lesson_id": 999999},
    )
    for url in (wrong_module, wrong_course, missing):
        assert client.get(url).status_code == HTTPStatus.NOT_FOUND, url


def test_lesson_page_query_budget(client, big_course, django_assert_num_queries):
    lesson = Lesson.objects.filter(module__course=big_course).order_by("-lesson_id").first()
    url = lesson_url(lesson)
    # The course's row with its outline and the lesson, in one query
    # (courses.models.page_rows).
    with django_assert_num_queries(1):
        response = client.get(url)
    assert response.status_code == HTTPStatus.OK


# Quiz page


def quiz_in(course: Course) -> Activity:
    return Activity.objects.filter(module__course=course).select_related("module").first()


def test_quiz_page_shows_question_and_options_as_a_form(client):
    quiz = quiz_in(make_course())
    response = client.get(quiz.get_absolute_url())
    assert response.status_code == HTTPStatus.OK
    html = html_of(response)
    assert quiz.question in html
    assert 'method="post"' in html
    assert "csrfmiddlewaretoken" in html
    for number, option in enumerate(quiz.options, start=1):
        assert f'value="{number}"' in html
        assert option in html


def test_quiz_question_and_options_read_as_inline_markdown(client):
    quiz = quiz_in(make_course())
    quiz.set_quiz(
        question="Which block **always** runs after `try`?",
        options=[
            "`else`",
            "<img src=x onerror=alert(1)>",
            "`finally`",
            "[docs](javascript:alert(1))",
        ],
        answer=3,
    )
    quiz.save()
    html = html_of(client.get(quiz.get_absolute_url()))
    assert "Which block <strong>always</strong> runs after <code>try</code>?" in html
    assert "<code>else</code>" in html
    assert "<code>finally</code>" in html
    assert "`" not in html.split("<form")[1]
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<img" not in html
    assert "[docs](javascript:alert(1))" in html  # refused as a link: text
    assert 'href="javascript' not in html


def in_any_order(section: str) -> tuple[str, list[str]]:
    """A quiz form's HTML with its options sorted and unlettered: options are
    shown in an order of each learner's (and quiz's) own, so two quizzes are
    compared by what they say, not by where they say it."""
    options = re.findall(r'<li class="quiz__option.*?</li>', section, flags=re.S)
    rest = section
    for option in options:
        rest = rest.replace(option, "")
    # Without where each is shown: its letter, and the position the form posts.
    unplaced = [
        re.sub(r'(id="option-|value="|for="option-)\d"', r'\1"', option) for option in options
    ]
    unlettered = [re.sub(r'<span class="quiz__letter">[A-F]</span>', "", o) for o in unplaced]
    return re.sub(r"\b[A-F] — ", "— ", rest), sorted(unlettered)


def letter_of(quiz: Activity, user: Any, number: int) -> str:
    """The letter the quiz page shows option `number` under for `user`."""
    return chr(ord("A") + option_order(quiz, user).index(number))


def test_quiz_page_does_not_give_the_answer_away():
    """Two quizzes identical but for the correct option render the same page."""
    course = make_course(modules=1, lessons=0, quizzes=2)
    first, second = Activity.objects.filter(module__course=course).order_by("display_order")
    second.title, second.content = first.title, {**first.content, "answer": 3}
    second.save()
    assert (first.answer, second.answer) == (2, 3)
    client = Client()

    def quiz_section(activity):
        html = html_of(client.get(activity.get_absolute_url()))
        section = html.split("<form")[1].split("</form>")[0]
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", section).replace(
            activity.get_absolute_url(), "URL"
        )

    assert in_any_order(quiz_section(first)) == in_any_order(quiz_section(second))
    html = html_of(client.get(first.get_absolute_url()))
    assert "correct" not in html.lower()


def test_wrong_answer_says_so_without_revealing_by_default(client, learner):
    quiz = quiz_in(make_course())
    response = post_answer(client, quiz, 1)
    assert response.status_code == HTTPStatus.OK
    html = html_of(response)
    assert "Not quite." in html
    assert "Have another go." in html
    assert "The correct answer is" not in html
    assert "(the correct answer)" not in html
    assert f'value="{option_position(quiz, learner, 1)}" required checked' in html


def test_right_answer_says_so_and_reveals(client, learner):
    quiz = quiz_in(make_course())
    response = post_answer(client, quiz, 2)
    html = html_of(response)
    assert "Correct!" in html
    assert "is-correct" in html


def test_options_are_lettered_and_feedback_names_the_option(client, learner):
    quiz = quiz_in(make_course())
    html = html_of(client.get(quiz.get_absolute_url()))
    shown = re.findall(
        r'<span class="quiz__letter">([A-F])</span><span class="quiz__text">(\w+)', html
    )
    # Lettered A, B, C down the page, in the learner's own order of the options.
    assert [letter for letter, _ in shown] == ["A", "B", "C"]
    assert sorted(text for _, text in shown) == ["Alpha", "Beta", "Gamma"]
    assert [text for _, text in shown] == [
        ["Alpha", "Beta", "Gamma"][number - 1] for number in option_order(quiz, learner)
    ]
    wrong = html_of(post_answer(client, quiz, 1))
    a = letter_of(quiz, learner, 1)
    assert f"{a} — Alpha is not the right answer. Have another go." in wrong
    right = html_of(post_answer(client, quiz, 2))
    assert f"Well done: {letter_of(quiz, learner, 2)} — Beta is right." in right
    assert "Option 1" not in wrong + right
    assert "option 2" not in (wrong + right).lower()


def test_feedback_renders_the_option_as_markdown(client, learner):
    quiz = quiz_in(make_course())
    quiz.set_quiz(question="Which runs?", options=["`else`", "`finally`"], answer=2)
    quiz.save()
    html = html_of(post_answer(client, quiz, 2))
    assert f"Well done: {letter_of(quiz, learner, 2)} — <code>finally</code> is right." in html


def explained_quiz(course: Course) -> Activity:
    quiz = quiz_in(course)
    quiz.set_quiz(
        question=quiz.question,
        options=quiz.options,
        answer=quiz.answer,
        explanation="Beta is **second** in the alphabet.",
    )
    quiz.save()
    return quiz


def test_the_explanation_shows_once_the_answer_is_revealed(client, learner):
    quiz = explained_quiz(make_course())
    explanation = "Beta is <strong>second</strong> in the alphabet."
    assert explanation not in html_of(client.get(quiz.get_absolute_url()))
    # The default policy keeps the answer, and so the explanation, until it is right.
    wrong = html_of(post_answer(client, quiz, 1))
    assert explanation not in wrong
    right = html_of(post_answer(client, quiz, 2))
    assert '<p class="quiz__explanation-title">Why</p>' in right
    assert explanation in right


def test_the_explanation_shows_after_a_wrong_answer_when_the_policy_reveals(client, learner):
    course = make_course()
    Course.objects.filter(pk=course.pk).update(answer_reveal=Course.AnswerReveal.AFTER_ATTEMPT)
    quiz = explained_quiz(course)
    wrong = html_of(post_answer(client, quiz, 3))
    assert f"The correct answer is {letter_of(quiz, learner, 2)} — Beta." in wrong
    assert "Beta is <strong>second</strong> in the alphabet." in wrong


def test_a_passed_learner_sees_the_answer_and_explanation_on_return(client, learner):
    course = make_course()
    enrollment_create(user=learner, course=course)
    quiz = explained_quiz(course)
    post_answer(client, quiz, 2)
    html = html_of(client.get(quiz.get_absolute_url()))
    assert f"The right answer is {letter_of(quiz, learner, 2)} — Beta." in html
    assert "Beta is <strong>second</strong> in the alphabet." in html


def test_after_a_right_answer_the_main_button_leads_to_the_next_item(client, learner):
    course = make_course(modules=1, lessons=1, quizzes=2)
    quiz, following = [item for item in course_items(course) if item.kind == "activity"]
    before = html_of(client.get(quiz.get_absolute_url()))
    assert '<button type="submit" class="button button--primary">Check my answer</button>' in before
    wrong = html_of(post_answer(client, quiz, 1))
    assert '<button type="submit" class="button button--primary">Check my answer</button>' in wrong
    right = html_of(post_answer(client, quiz, 2))
    assert (
        f'<a class="button button--primary" href="{following.get_absolute_url()}" '
        f'aria-label="Next: {following.title}">Next</a>'
    ) in right
    assert '<button type="submit" class="button">Check my answer</button>' in right
    assert "You finished" not in right


def test_the_last_quiz_ends_with_a_finished_moment_linking_to_the_certificate_and_results(
    client, learner
):
    course = make_course(modules=1, lessons=1, quizzes=1)
    enrollment_create(user=learner, course=course)
    lesson, quiz = course_items(course)
    lesson_complete(user=learner, lesson=lesson)
    results = reverse("enrollment:course-results", args=[course.pk])
    html = html_of(post_answer(client, quiz, 2))
    finished = html.split('<section class="finished"')[1].split("</section>")[0]
    assert "You finished the course!" in finished
    mine = reverse("certificates:certificate-detail", args=[course.pk])
    assert f'<a class="button button--primary" href="{mine}">Your certificate</a>' in finished
    assert f'<a class="button" href="{results}">See your results</a>' in finished
    assert ">Next<" not in html


def test_the_last_quiz_says_end_of_course_when_items_remain(client, learner):
    course = make_course(modules=1, lessons=1, quizzes=1)
    enrollment_create(user=learner, course=course)
    quiz = course_items(course)[-1]
    html = html_of(post_answer(client, quiz, 2))
    assert "You reached the end of the course" in html
    assert "1 of 2 lessons and quizzes done so far." in html
    assert reverse("enrollment:course-results", args=[course.pk]) in html


def test_after_attempt_policy_reveals_after_a_wrong_answer(client, learner):
    course = make_course()
    course.answer_reveal = Course.AnswerReveal.AFTER_ATTEMPT
    course.save()
    quiz = quiz_in(course)
    html = html_of(post_answer(client, quiz, 3))
    assert "Not quite." in html
    assert f"The correct answer is {letter_of(quiz, learner, 2)} — Beta." in html
    assert "(the correct answer)" in html


# Anonymous visitors choose but are never told: answers are for learners.

VERDICTS = ["Correct!", "Not quite", "is-correct", "is-wrong", "(correct)", "correct answer"]


def without_token(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def log_in_links(quiz: Activity) -> list[str]:
    target = quote(quiz.get_absolute_url())
    return [
        f'href="{reverse("login")}?next={target}">Log in to check your answer</a>',
        f'href="{reverse("accounts:signup")}?next={target}">Sign up</a>',
    ]


def test_a_visitor_sees_the_quiz_with_an_invitation_to_log_in(client):
    quiz = quiz_in(make_course())
    html = html_of(client.get(quiz.get_absolute_url()))
    assert html.count('type="radio"') == 3
    assert "Answers are checked for learners with an account" in html
    for link in log_in_links(quiz):
        assert link in html
    # No button promising a check the server will not make.
    assert "Check my answer" not in html


def test_a_learner_sees_no_invitation(client, learner):
    quiz = quiz_in(make_course())
    html = html_of(client.get(quiz.get_absolute_url()))
    assert "Check my answer" in html
    assert "Log in to check your answer" not in html


@pytest.mark.parametrize("policy", list(Course.AnswerReveal))
def test_a_visitors_answer_is_neither_checked_nor_stored(client, policy):
    """Right or wrong, under either reveal policy, a visitor's answer gets the
    same page: their choice and the invitation; no verdict, no right option,
    no explanation, no "finished" moment. Nothing is stored."""
    course = make_course(modules=1, lessons=0, quizzes=1)
    Course.objects.filter(pk=course.pk).update(answer_reveal=policy)
    quiz = explained_quiz(course)
    pages = {}
    for option in ("1", "2", "3"):
        response = post_answer(client, quiz, int(option))
        assert response.status_code == HTTPStatus.OK
        pages[option] = html = html_of(response)
        letter = letter_of(quiz, AnonymousUser(), int(option))
        text = ["Alpha", "Beta", "Gamma"][int(option) - 1]
        assert f"You chose {letter} — {text}." in html
        position = option_position(quiz, AnonymousUser(), int(option))
        assert f'value="{position}" required checked' in html
        assert "Log in to check your answer</p>" in html
        for link in log_in_links(quiz):
            assert link in html
        for verdict in VERDICTS:
            assert verdict not in html
        assert "second</strong> in the alphabet" not in html
        assert "You reached the end" not in html
    assert not QuizAttempt.objects.exists()


def test_a_visitors_answer_page_says_nothing_of_which_option_is_right(client):
    """Two quizzes identical but for the right option answer any choice with
    the same page (as they show the same question: see
    test_quiz_page_does_not_give_the_answer_away)."""
    course = make_course(modules=1, lessons=0, quizzes=2)
    first, second = Activity.objects.filter(module__course=course).order_by("display_order")
    second.title, second.content = first.title, {**first.content, "answer": 3}
    second.save()

    def answered(activity: Activity, option: str) -> str:
        html = html_of(post_answer(client, activity, int(option)))
        section = html.split('<div class="result"')[1].split("</form>")[0]
        return without_token(section).replace(activity.get_absolute_url(), "URL")

    for option in ("1", "2", "3"):
        assert in_any_order(answered(first, option)) == in_any_order(answered(second, option))


def test_logging_in_from_the_quiz_comes_back_to_it_and_checks_answers(client):
    quiz = quiz_in(make_course())
    make_user(username="ada")
    response = client.post(
        reverse("login"),
        {"username": "ada", "password": PASSWORD, "next": quiz.get_absolute_url()},
    )
    assert response["Location"] == quiz.get_absolute_url()
    assert "Correct!" in html_of(post_answer(client, quiz, 2))


@pytest.mark.parametrize(
    "posted",
    [{"option": "0"}, {"option": "4"}, {"option": "99999999999999"},
     {"option": "-1"}, {"option": "two"}, {"option": "1.5"}, {"option": "\x00"},
     {"option": "²"}, {"option": "٣"}],
    ids=["zero", "past-last", "huge", "negative", "word", "float", "nul",
         "superscript", "arabic-digit"],
)  # fmt: skip
def test_forged_option_is_a_400_page(client, posted):
    quiz = quiz_in(make_course())
    response = client.post(quiz.get_absolute_url(), posted)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "That request did not make sense" in html_of(response)


@pytest.mark.parametrize(
    "posted", [{}, {"option": ""}, {"option": "  "}], ids=["none", "empty", "blank"]
)
def test_a_quiz_sent_without_an_answer_asks_for_one(client, posted):
    quiz = quiz_in(make_course())
    response = client.post(quiz.get_absolute_url(), posted)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    html = html_of(response)
    assert "<p>Choose an answer, then check it.</p>" in html
    assert 'role="alert"' in html
    # The quiz itself, to answer at once; nothing judged, nothing stored.
    assert quiz.title in html
    assert html.count('type="radio"') == 3
    assert "Not quite." not in html
    assert "That request did not make sense" not in html


def test_quiz_post_needs_the_csrf_token():
    quiz = quiz_in(make_course())
    client = Client(enforce_csrf_checks=True)
    response = post_answer(client, quiz, 2)
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "This form has expired" in html_of(response)
    page = html_of(client.get(quiz.get_absolute_url()))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(quiz.get_absolute_url(), {"option": "2", "csrfmiddlewaretoken": token})
    assert response.status_code == HTTPStatus.OK


def test_quiz_refuses_other_methods(client):
    quiz = quiz_in(make_course())
    assert client.put(quiz.get_absolute_url()).status_code == HTTPStatus.METHOD_NOT_ALLOWED


def test_quiz_query_budget(client, big_course, django_assert_num_queries):
    quiz = Activity.objects.filter(module__course=big_course).order_by("-activity_id").first()
    url = quiz.get_absolute_url()
    # The course's row with its outline and the quiz, in one query
    # (courses.models.page_rows).
    with django_assert_num_queries(1):
        assert client.get(url).status_code == HTTPStatus.OK
    # The course's version (unchanged, so the outline this process kept
    # serves) and the quiz, in one query. An anonymous answer is not stored.
    with django_assert_num_queries(1):
        assert client.post(url, {"option": "1"}).status_code == HTTPStatus.OK


# Catalog


def test_catalog_lists_published_courses_as_cards(client):
    course = make_course(topic="HTTP and the web")
    course.description = "## How the web works\n\nRequests, **responses** and status codes."
    course.save()
    make_course(topic="Unfinished", publish=False)
    response = client.get(reverse("courses:catalog"))
    assert response.status_code == HTTPStatus.OK
    html = html_of(response)
    assert f'href="{course.get_absolute_url()}">HTTP and the web<' in html
    # The card shows the description's first words as plain text.
    assert "How the web works Requests, responses and status codes." in html
    assert "Unfinished" not in html
    assert "2 modules · 4 lessons · 2 quizzes" in html


def test_catalog_filters_combine(client):
    wanted = make_course(
        topic="Wanted", preferences={"level": "advanced", "duration": "long", "focus": "broad"}
    )
    make_course(
        topic="Wrong level",
        preferences={"level": "beginner", "duration": "long", "focus": "broad"},
    )
    make_course(
        topic="Wrong duration",
        preferences={"level": "advanced", "duration": "short", "focus": "broad"},
    )
    response = client.get(
        reverse("courses:catalog"), {"level": "advanced", "duration": "long", "focus": "broad"}
    )
    assert response.context["courses"] == [wanted]


def test_catalog_filters_button_says_how_many_filters_are_on_and_which(client):
    make_course(preferences={"level": "beginner", "duration": "long", "focus": "broad"})
    catalog = reverse("courses:catalog")
    assert '<summary class="button">Filters</summary>' in html_of(client.get(catalog))
    # Search words and the sort order are not filters; an unknown value is ignored.
    html = html_of(
        client.get(catalog, {"q": "course", "level": "beginner", "duration": "long", "focus": "x"})
    )
    assert (
        "Filters (2): "
        '<span class="catalog-filters__active">Beginner, Long (5 h or more)</span></summary>'
    ) in html


def test_catalog_ignores_unknown_filter_values(client):
    make_course(topic="Still listed")
    response = client.get(reverse("courses:catalog"), {"level": "wizard", "sort": "random"})
    assert response.status_code == HTTPStatus.OK
    assert "Still listed" in html_of(response)
    assert "were not recognised" in html_of(response)


def test_catalog_empty_result_offers_to_clear_filters(client):
    make_course(preferences={"level": "beginner", "duration": "short", "focus": "broad"})
    response = client.get(reverse("courses:catalog"), {"level": "advanced"})
    html = html_of(response)
    assert "No courses found" in html
    assert f'href="{reverse("courses:catalog")}">Clear filters<' in html


def test_catalog_sorts_by_newest_and_popular(client):
    older = make_course(topic="Older")
    newer = make_course(topic="Newer")
    Course.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(days=3))
    for _ in range(2):
        Enrollment.objects.create(user=make_user(), course=older)
    newest = client.get(reverse("courses:catalog"), {"sort": "newest"}).context["courses"]
    popular = client.get(reverse("courses:catalog"), {"sort": "popular"}).context["courses"]
    assert newest == [newer, older]
    assert popular == [older, newer]


def test_most_popular_shows_each_courses_enrollments(client):
    popular = make_course(topic="Popular")
    make_course(topic="Lonely")
    for _ in range(2):
        Enrollment.objects.create(user=make_user(), course=popular)
    html = html_of(client.get(reverse("courses:catalog"), {"sort": "popular"}))
    assert "2 learners enrolled" in html
    assert "0 learners enrolled" in html
    assert "the most enrolled first" in html
    Enrollment.objects.filter(course=popular).first().delete()
    assert "1 learner enrolled" in html_of(
        client.get(reverse("courses:catalog"), {"sort": "popular"})
    )
    assert "enrolled" not in html_of(client.get(reverse("courses:catalog"), {"sort": "newest"}))


@pytest.mark.parametrize(
    ("params", "heading"),
    [
        ({}, "All courses"),
        ({"sort": "popular"}, "All courses"),
        ({"q": "python"}, "2 courses matching “python”"),
        ({"q": "python", "level": "beginner"}, "1 beginner course matching “python”"),
        ({"q": "python beginner"}, "1 beginner course matching “python”"),
        ({"level": "advanced", "duration": "medium"}, "1 medium-length advanced course"),
        ({"focus": "in-depth", "level": "advanced"}, "1 in-depth advanced course"),
        ({"q": "cobol"}, "No courses matching “cobol”"),
    ],
)
def test_the_catalog_heading_names_the_result(client, params, heading):
    make_course(
        topic="Python basics",
        preferences={"level": "beginner", "duration": "short", "focus": "broad"},
    )
    make_course(
        topic="Python internals",
        preferences={"level": "advanced", "duration": "medium", "focus": "in-depth"},
    )
    html = html_of(client.get(reverse("courses:catalog"), params))
    assert f"<h1>{heading}</h1>" in html


def bulk_courses(count: int, **fields) -> list[Course]:
    now = timezone.now()
    return Course.objects.bulk_create(
        Course(
            topic=f"Bulk course {number:04}",
            description="A course made in bulk.",
            status=Course.Status.PUBLISHED,
            published_at=now,
            created_at=now - timedelta(minutes=number),
            metadata={"count": {"modules": 1, "lessons": 2, "activities": 1}},
            **fields,
        )
        for number in range(count)
    )


def test_catalog_paginates(client):
    bulk_courses(30)
    first = client.get(reverse("courses:catalog"))
    assert len(first.context["courses"]) == 24
    assert "Page 1 of 2" in html_of(first)
    second = client.get(reverse("courses:catalog"), {"page": 2})
    assert [course.topic for course in second.context["courses"]] == [
        f"Bulk course {number:04}" for number in range(24, 30)
    ]
    assert 'rel="prev" href="?page=1"' in html_of(second)
    for page in ("3", "0", "x"):
        assert client.get(reverse("courses:catalog"), {"page": page}).status_code == 404


def test_catalog_pagination_keeps_the_search_and_filters(client):
    bulk_courses(30, preferences={"level": "advanced", "duration": "long", "focus": "broad"})
    html = html_of(client.get(reverse("courses:catalog"), {"q": "bulk", "level": "advanced"}))
    assert 'rel="next" href="?q=bulk&amp;level=advanced&amp;page=2"' in html


def test_catalog_query_budget_with_500_courses(client, django_assert_num_queries):
    bulk_courses(500)
    # The languages (the filter's choices), the (capped) count and the page
    # of courses; a search adds the matching module, lesson or quiz of each result.
    for params, queries in (
        ({}, 3),
        ({"q": "bulk course"}, 4),
        ({"sort": "popular", "level": "beginner", "language": "en"}, 3),
    ):
        with django_assert_num_queries(queries):
            response = client.get(reverse("courses:catalog"), {**params, "page": 3})
        assert response.status_code == HTTPStatus.OK, params


def test_catalog_caps_counting_at_a_bound(client, settings, monkeypatch):
    monkeypatch.setattr("courses.views.CATALOG_RESULT_CAP", 48)
    bulk_courses(60)
    response = client.get(reverse("courses:catalog"))
    assert "More than 48 courses" in html_of(response)
    assert response.context["page_count"] == 2
    assert client.get(reverse("courses:catalog"), {"page": 3}).status_code == 404


# Error pages


def test_error_pages_use_the_site_design(client, settings):
    settings.DEBUG = False
    from django.test import RequestFactory
    from django.views import defaults

    request = RequestFactory().get("/somewhere")
    pages = {
        HTTPStatus.BAD_REQUEST: defaults.bad_request(request, Exception()),
        HTTPStatus.FORBIDDEN: defaults.permission_denied(request, Exception()),
        HTTPStatus.NOT_FOUND: defaults.page_not_found(request, Exception()),
        # Django renders 500.html without a request: it must not need one.
        HTTPStatus.INTERNAL_SERVER_ERROR: defaults.server_error(request),
    }
    for status, response in pages.items():
        html = html_of(response)
        assert response.status_code == status
        assert f'<p class="error-page__code">{int(status)}</p>' in html
        assert "css/athena.css" in html
        assert 'href="/courses/">Browse courses<' in html


def test_missing_page_is_a_404_in_the_design_with_debug_off(client, settings):
    settings.DEBUG = False
    response = client.get("/no/such/page/")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "We could not find that page" in html_of(response)


def test_a_crashing_view_gives_the_500_page(client, settings, monkeypatch):
    settings.DEBUG = False

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(Course, "item_keys", explode)
    course = make_course()
    client.raise_request_exception = False
    response = client.get(course.get_absolute_url())
    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert "Something went wrong on our side" in html_of(response)


def test_catalog_sort_select_shows_the_order_in_use(client):
    make_course()
    html = html_of(client.get(reverse("courses:catalog")))
    assert '<option value="newest" selected>' in html
    html = html_of(client.get(reverse("courses:catalog"), {"q": "course"}))
    assert '<option value="relevance" selected>' in html


def test_a_courses_language_marks_its_text_and_shows_on_its_card(client):
    course = make_course(topic="Gärten anlegen", language="de")
    lesson = Lesson.objects.filter(module__course=course).first()
    page = html_of(client.get(course.get_absolute_url()))
    assert '<h1 lang="de" dir="ltr">Gärten anlegen</h1>' in page
    assert '<li class="badge badge--language">German</li>' in page
    lesson_page = html_of(client.get(lesson.get_absolute_url()))
    assert f'<h1 lang="de" dir="ltr">{lesson.title}</h1>' in lesson_page
    assert '<div class="prose" lang="de" dir="ltr">' in lesson_page
    assert '<html lang="en" dir="ltr">' in lesson_page  # the page around it stays English
    catalog = html_of(client.get(reverse("courses:catalog")))
    assert '<h3 class="card__title" lang="de" dir="ltr">' in catalog


def test_a_course_written_right_to_left_keeps_its_direction_in_any_interface(client):
    course = make_course(topic="مقدمة في الإحصاء", language="ar")
    english = html_of(client.get(course.get_absolute_url()))
    assert '<html lang="en" dir="ltr">' in english
    assert '<h1 lang="ar" dir="rtl">مقدمة في الإحصاء</h1>' in english
    english_course = make_course(topic="Statistics", language="en")
    arabic = html_of(client.get(english_course.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ar"))
    assert '<html lang="ar" dir="rtl">' in arabic
    assert '<h1 lang="en" dir="ltr">Statistics</h1>' in arabic
