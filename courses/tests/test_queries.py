"""Exact query counts on the learner pages and the content admin's change pages.

Each page runs over data large enough that a query per row would show (a
course of 10 modules of 6 items, 30 courses in lists, several learners with
progress), so a count that stays put proves the page does not grow with it.
"""

from http import HTTPStatus

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.cache import cache
from django.urls import reverse

from courses.models import Activity, Course, Lesson
from enrollment.services import enrollment_create, lesson_complete, quiz_answer
from tests.factories import course_items, logged_in, make_content_editor, make_course, make_user
from tests.helpers import option_position

pytestmark = pytest.mark.django_db

# Session and user: what every logged-in request reads first.
SESSION = 2
# The notification bell's unread count, read on every logged-in page that
# shows the bell (notifications.selectors).
BELL = 1


@pytest.fixture(autouse=True)
def fresh_cache():
    """The home page caches its trending shelf: start every count without it."""
    cache.clear()


@pytest.fixture
def course() -> Course:
    """30 published courses, the last of 10 modules of 3 lessons and 3 quizzes,
    which three learners have taken part of."""
    for _ in range(29):
        make_course(modules=1)
    course = make_course(topic="Counted course", modules=10, lessons=3, quizzes=3)
    items = course_items(course)
    for other in [make_user() for _ in range(3)]:
        _take_part_of(other, course, items)
    return course


def _take_part_of(user, course, items) -> None:
    """Enroll, complete every third lesson and answer every third quiz of the first half."""
    enrollment_create(user=user, course=course)
    for item in items[: len(items) // 2 : 3]:
        if isinstance(item, Lesson):
            lesson_complete(user=user, lesson=item)
        else:
            quiz_answer(user=user, activity=item, option_number=1)


def _late_item(course: Course, model: type[Lesson | Activity]) -> Lesson | Activity:
    """A lesson or quiz deep in the course (module 8), far from what the learner did."""
    return next(item for item in course_items(course)[45:] if isinstance(item, model))


# Learner pages: the queries of the page itself, then the extra queries a
# logged-in learner with progress costs. The course pages read the course's row, which
# holds its outline and content version, with the page's lesson or quiz, in one
# query (courses.models.page_rows): no modules or other items are read. A learner adds
# the session (2), the bell (1) and the learner's state in the course (1:
# enrollment, resume point, progress); the lesson and quiz pages add the
# resume point's write (1), the quiz's answer its attempt (1).
LEARNER_PAGES = [
    # Cold cache: trending course ids and their rows, trending module ids and
    # their rows, the newest courses. A learner's "Continue learning" row adds
    # their enrollments, the courses' rows (one query, outlines included) and
    # progress.
    ("home", 5, SESSION + BELL + 3),
    # The catalog: the languages of published courses (the language filter's
    # choices, courses.models.published_languages), the (capped) count, the
    # page of courses.
    ("catalog", 3, SESSION + BELL),
    ("catalog-search", 4, SESSION + BELL),  # and the matching lesson or quiz per result
    # A misspelt search: the languages, the empty count, the vocabulary, then
    # the corrected search's count, page and matches (courses.vocabulary).
    ("catalog-corrected", 6, SESSION + BELL),
    ("course", 1, SESSION + BELL + 1),  # the course's row
    ("module", 1, SESSION + BELL + 1),
    ("lesson", 1, SESSION + BELL + 1 + 1),
    ("quiz", 1, SESSION + BELL + 1 + 1),
]


def _page_url(page_name: str, course: Course) -> str:
    if page_name == "home":
        return reverse("courses:home")
    if page_name == "catalog":
        return reverse("courses:catalog") + "?page=2&sort=popular"
    if page_name == "catalog-search":
        return reverse("courses:catalog") + "?q=counted+course&level=beginner"
    if page_name == "catalog-corrected":
        return reverse("courses:catalog") + "?q=countde+course&level=beginner"
    if page_name == "course":
        return course.get_absolute_url()
    if page_name == "module":
        return course.modules.all()[7].get_absolute_url()
    return _late_item(course, Lesson if page_name == "lesson" else Activity).get_absolute_url()


@pytest.mark.parametrize(("page_name", "page_queries", "learner_extra"), LEARNER_PAGES)
def test_learner_page_counts_for_an_anonymous_visitor(
    client, course, django_assert_num_queries, page_name, page_queries, learner_extra
):
    url = _page_url(page_name, course)
    with django_assert_num_queries(page_queries):
        response = client.get(url)
    assert response.status_code == HTTPStatus.OK


@pytest.mark.parametrize(("page_name", "page_queries", "learner_extra"), LEARNER_PAGES)
def test_learner_page_counts_for_a_learner_with_progress(
    client, learner, course, django_assert_num_queries, page_name, page_queries, learner_extra
):
    _take_part_of(learner, course, course_items(course))
    url = _page_url(page_name, course)
    with django_assert_num_queries(page_queries + learner_extra):
        response = client.get(url)
    assert response.status_code == HTTPStatus.OK


def test_home_counts_with_a_warm_cache(client, learner, course, django_assert_num_queries):
    client.get(reverse("courses:home"))
    # The learner's enrollments (none: no outline to read), trending courses
    # and modules by their cached ids, the newest courses; and the bell.
    with django_assert_num_queries(SESSION + 4 + BELL):
        assert client.get(reverse("courses:home")).status_code == HTTPStatus.OK


def test_quiz_answer_counts(client, course, django_assert_num_queries):
    url = _late_item(course, Activity).get_absolute_url()
    # The quiz page's one (the course's row with its outline, and the quiz).
    # An anonymous answer is neither checked nor stored.
    with django_assert_num_queries(1):
        assert client.post(url, {"option": "2"}).status_code == HTTPStatus.OK
    learner = make_user()
    client.force_login(learner)
    _take_part_of(learner, course, course_items(course))
    # The course's version, read every time with the quiz; unchanged since
    # the first answer (taking part is no content change), so the outline
    # this process keeps is used. Then the session, the resume point's write, the attempt
    # (enrollment.services.quiz_answer), the learner's state (read once,
    # before the attempt: it says whether the learner is enrolled), and the
    # bell. A wrong first answer also asks whether it is the first (1) and
    # puts the quiz on the review schedule with the attempt, in a savepoint
    # (1 + 2).
    quiz = _late_item(course, Activity)
    wrong, other_wrong, right = (option_position(quiz, learner, n) for n in (1, 3, 2))
    with django_assert_num_queries(1 + SESSION + 1 + 1 + 1 + BELL + 1 + 1 + 2):
        response = client.post(url, {"option": wrong})
    assert response.status_code == HTTPStatus.OK
    # Answered again from the same page: no resume write, and the quiz under
    # review (the learner's state says so) is no first answer: no question.
    with django_assert_num_queries(1 + SESSION + 1 + 1 + BELL):
        response = client.post(url, {"option": other_wrong})
    assert response.status_code == HTTPStatus.OK
    with django_assert_num_queries(1 + SESSION + 1 + 1 + BELL):
        response = client.post(url, {"option": right})
    assert "Correct!" in response.content.decode()


# The content admin. Every page reads the session, the user and the editor's
# permissions (through the user and through the group).
ADMIN = SESSION + 2


@pytest.mark.parametrize("model", ["lesson", "activity"])
def test_lesson_and_quiz_change_page_counts(
    client_for_editor, course, django_assert_num_queries, warm_content_types, model
):
    item = _late_item(course, Lesson if model == "lesson" else Activity)
    url = reverse(f"admin:courses_{model}_change", args=[item.pk])
    # The item, its module for the read-only module field, and the course's
    # other modules for "Move to another module".
    with django_assert_num_queries(ADMIN + 3):
        response = client_for_editor.get(url)
    assert response.status_code == HTTPStatus.OK


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:courses_course_add",
        "admin:courses_module_add",
        "admin:courses_lesson_add",
        "admin:courses_activity_add",
    ],
)
def test_add_page_counts(
    client_for_editor, course, django_assert_num_queries, warm_content_types, url_name
):
    # A module is added to a course and an item to a module: one query for the
    # choices (30 courses, 39 modules); a course needs none.
    choices = 0 if url_name == "admin:courses_course_add" else 1
    with django_assert_num_queries(ADMIN + choices):
        response = client_for_editor.get(reverse(url_name))
    assert response.status_code == HTTPStatus.OK


def test_changelist_search_counts(
    client_for_editor, course, django_assert_num_queries, warm_content_types
):
    url = reverse("admin:courses_course_changelist")
    # The capped count of the matching rows (no count of the whole table), the
    # page of rows with their enrollment counts, and the date hierarchy (its
    # range, then the range and one index probe per day shown).
    with django_assert_num_queries(ADMIN + 5):
        response = client_for_editor.get(url, {"q": "counted"})
    assert [c.topic for c in response.context["cl"].result_list] == ["Counted course"]


def test_admin_history_list_count(course, django_assert_num_queries, warm_content_types):
    """Every admin change, 30 of them by three editors, each row with its user and content type."""
    editors = [make_content_editor() for _ in range(3)]
    for number in range(30):
        LogEntry.objects.log_actions(
            user_id=editors[number % 3].pk,
            queryset=[course],
            action_flag=CHANGE,
            change_message=[{"changed": {"fields": ["Topic"]}}],
        )
    client = logged_in(make_user(is_staff=True, is_superuser=True))
    # A superuser's permissions are not read. The content type filter's
    # choices, the counts (filtered and total), the page of entries with their
    # users and content types, and the date hierarchy (range, dates).
    with django_assert_num_queries(SESSION + 6):
        response = client.get(reverse("admin:admin_logentry_changelist"))
    assert len(response.context["cl"].result_list) == 30
