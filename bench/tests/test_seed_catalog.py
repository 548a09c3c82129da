"""The benchmark's seeding command (manage.py seed_catalog) at a small size."""

from __future__ import annotations

import io
import json
from http import HTTPStatus

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from bench.walks import walk_paths
from courses.models import Activity, Course, Lesson, Module
from courses.services import course_count_items
from enrollment.models import Enrollment, LessonCompletion, QuizAttempt
from enrollment.pages import option_order

pytestmark = pytest.mark.django_db

PASSWORD = "bench-password-for-tests"


def seed(**options) -> dict:
    out = io.StringIO()
    call_command("seed_catalog", no_progress=True, stdout=out, modules=2, items=4, **options)
    text = out.getvalue().strip()
    return json.loads(text.splitlines()[-1]) if text else {}


def test_seeding_builds_whole_courses_learners_and_progress():
    targets = seed(courses=6, learners=8, enrollments_per_learner=2, bench_password=PASSWORD)
    assert Course.objects.count() == 6
    assert Module.objects.count() == 12
    assert Lesson.objects.count() == 6 * 2 * 3  # items 1-3 lessons, item 4 a quiz
    assert Activity.objects.count() == 6 * 2
    for course in Course.objects.all():
        # What the services keep true is true of seeded courses too.
        assert course.metadata["count"] == course_count_items(course_id=course.pk)
        orders = list(course.modules.values_list("module_order", flat=True))
        assert orders == [1, 2]
    learners = get_user_model().objects.filter(username__startswith="learner-")
    assert learners.count() == 8
    assert Enrollment.objects.filter(user__in=learners).count() == 16
    assert LessonCompletion.objects.exists()
    assert QuizAttempt.objects.exists()
    quiz = Activity.objects.get(pk=targets["activity_id"])
    bench_learner = get_user_model().objects.get(username="bench-learner")
    assert option_order(quiz, bench_learner)[targets["quiz_answer"] - 1] == quiz.answer
    assert targets["published"] == Course.objects.published().count()


def test_seeding_again_adds_up_to_the_size_asked_for():
    seed(courses=3, learners=2)
    seed(courses=5, learners=2)
    assert Course.objects.count() == 5
    assert len({course.topic for course in Course.objects.all()}) == 5
    # New rows after seeded ones get fresh ids from the sequences.
    Course.objects.create(topic="Made by hand")
    assert Course.objects.count() == 6


def test_the_bench_learner_has_five_courses_at_every_size():
    """The dashboard is measured at each size: the same work each time."""
    for size in (6, 9, 12):
        targets = seed(courses=size, learners=2, bench_password=PASSWORD)
        enrolled = Enrollment.objects.filter(user__username="bench-learner")
        assert enrolled.count() == 5
        assert enrolled.filter(course_id=targets["course_id"]).exists()


def test_seeded_pages_answer_for_visitors_and_the_bench_learner():
    targets = seed(courses=3, learners=2, bench_password=PASSWORD)
    course = f"/courses/{targets['course_id']}/"
    module = f"{course}modules/{targets['module_id']}/"
    anonymous = Client()
    for path in ("/", "/courses/", course, module, f"{module}lessons/{targets['lesson_id']}/"):
        assert anonymous.get(path).status_code == HTTPStatus.OK, path
    user = get_user_model().objects.get(username="bench-learner")
    assert user.check_password(PASSWORD)  # the benchmark logs in over HTTP with it
    learner = Client()
    learner.force_login(user)
    quiz = f"{module}quizzes/{targets['activity_id']}/"
    response = learner.post(quiz, {"option": str(targets["quiz_answer"])})
    assert response.status_code == HTTPStatus.OK
    assert "Correct!" in response.content.decode()
    assert learner.get("/my/").status_code == HTTPStatus.OK


def test_walkers_get_enough_unseen_pages_ahead_and_share_the_password():
    seed(courses=8, learners=2, bench_password=PASSWORD, walkers=3, walk_items=20)
    walkers = get_user_model().objects.filter(username__startswith="bench-walker-")
    assert sorted(walkers.values_list("username", flat=True)) == [
        "bench-walker-0",
        "bench-walker-1",
        "bench-walker-2",
    ]
    for walker in walkers:
        assert walker.check_password(PASSWORD)  # the benchmark logs each in over HTTP
        ahead = walk_paths(walker)
        # Two modules of three lessons and a quiz: 8 pages a course.
        assert 20 <= len(ahead) < 20 + 8
        assert len(set(ahead)) == len(ahead)


def test_seeding_again_adds_courses_after_the_walk_so_far():
    seed(courses=8, learners=2, bench_password=PASSWORD, walkers=1, walk_items=10)
    walker = get_user_model().objects.get(username="bench-walker-0")
    before = walk_paths(walker)
    seed(courses=12, learners=2, bench_password=PASSWORD, walkers=1, walk_items=30)
    after = walk_paths(walker)
    assert after[: len(before)] == before
    assert len(after) >= 30


def test_at_most_every_published_course_is_walked():
    seed(courses=3, learners=2, bench_password=PASSWORD, walkers=1, walk_items=1000)
    walker = get_user_model().objects.get(username="bench-walker-0")
    published = Course.objects.published().count()
    assert Enrollment.objects.filter(user=walker).count() == published
    assert len(walk_paths(walker)) == published * 8
