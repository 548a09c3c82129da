"""Enrollment and progress services, and the progress derived from them."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from courses.models import Course, Lesson
from courses.services import item_create, item_delete, module_reorder_items
from enrollment.models import Enrollment, LessonCompletion, QuizAttempt, ResumePoint
from enrollment.progress import course_progress, learner_state
from enrollment.services import (
    NotAnOption,
    NotEnrolled,
    enrollment_create,
    enrollment_delete,
    enrollment_touch,
    learner_visit,
    lesson_complete,
    lesson_uncomplete,
    quiz_answer,
)
from tests.factories import make_course, make_user

pytestmark = pytest.mark.django_db


def outline(course):
    return Course.objects.with_outline().get(pk=course.pk)


def progress_of(user, course):
    return course_progress(
        course=outline(course), state=learner_state(user=user, course_id=course.pk)
    )


def test_enrolling_twice_keeps_one_row():
    user, course = make_user(), make_course()
    first, created = enrollment_create(user=user, course=course)
    again, created_again = enrollment_create(user=user, course=course)
    assert created
    assert not created_again
    assert first.pk == again.pk
    assert Enrollment.objects.count() == 1


def test_unenrolling_keeps_progress_and_reenrolling_resumes():
    user, course = make_user(), make_course(modules=1, lessons=2, quizzes=1)
    enrollment_create(user=user, course=course)
    first, quiz, second = outline(course).ordered_items()
    lesson_complete(user=user, lesson=first)
    learner_visit(user=user, course=outline(course), item=second)
    assert enrollment_delete(user=user, course=course)
    assert not Enrollment.objects.exists()
    enrollment_create(user=user, course=course)
    progress = progress_of(user, course)
    assert progress.completed == 1
    assert progress.resume == second
    assert progress.next_up == quiz


def test_last_access_is_written_at_most_once_a_minute():
    user, course = make_user(), make_course()
    enrollment, _ = enrollment_create(user=user, course=course)
    now = enrollment.last_accessed_at + timedelta(seconds=30)
    assert not enrollment_touch(
        enrollment_id=enrollment.pk,
        user_id=user.pk,
        last_accessed_at=enrollment.last_accessed_at,
        now=now,
    )
    later = enrollment.last_accessed_at + timedelta(seconds=61)
    assert enrollment_touch(
        enrollment_id=enrollment.pk,
        user_id=user.pk,
        last_accessed_at=enrollment.last_accessed_at,
        now=later,
    )
    enrollment.refresh_from_db()
    assert enrollment.last_accessed_at == later


def test_a_visit_costs_no_write_within_the_minute(django_assert_num_queries):
    user, course = make_user(), make_course(modules=1, lessons=2, quizzes=0)
    enrollment_create(user=user, course=course)
    course = outline(course)
    lesson = course.ordered_items()[0]
    learner_visit(user=user, course=course, item=lesson)  # first visit moves the resume point
    with django_assert_num_queries(1):  # the state read alone
        learner_visit(user=user, course=course, item=lesson)


def test_an_old_access_time_is_refreshed_by_a_visit():
    user, course = make_user(), make_course()
    enrollment, _ = enrollment_create(user=user, course=course)
    stale = timezone.now() - timedelta(hours=3)
    Enrollment.objects.filter(pk=enrollment.pk).update(last_accessed_at=stale)
    learner_visit(user=user, course=outline(course))
    enrollment.refresh_from_db()
    assert enrollment.last_accessed_at > stale + timedelta(hours=2)


def test_visits_of_learners_not_enrolled_are_not_recorded():
    user, course = make_user(), make_course()
    progress = learner_visit(
        user=user, course=outline(course), item=outline(course).ordered_items()[0]
    )
    assert not progress.is_enrolled
    assert not ResumePoint.objects.exists()


def test_marking_a_lesson_done_twice_counts_once():
    user, course = make_user(), make_course(modules=1, lessons=1, quizzes=0)
    enrollment_create(user=user, course=course)
    lesson = Lesson.objects.get(module__course=course)
    assert lesson_complete(user=user, lesson=lesson)
    assert not lesson_complete(user=user, lesson=lesson)
    assert LessonCompletion.objects.count() == 1


def test_only_an_enrolled_learner_marks_lessons_done_or_not_done():
    user, course = make_user(), make_course(modules=1, lessons=1, quizzes=0)
    lesson = Lesson.objects.get(module__course=course)
    with pytest.raises(NotEnrolled, match="Enroll in the course"):
        lesson_complete(user=user, lesson=lesson)
    with pytest.raises(NotEnrolled):
        lesson_complete(user=AnonymousUser(), lesson=lesson)
    enrollment_create(user=user, course=make_course())  # another course does not count
    with pytest.raises(NotEnrolled):
        lesson_complete(user=user, lesson=lesson)
    assert not LessonCompletion.objects.exists()
    enrollment_create(user=user, course=course)
    assert lesson_complete(user=user, lesson=lesson)
    enrollment_delete(user=user, course=course)
    with pytest.raises(NotEnrolled):
        lesson_uncomplete(user=user, lesson=lesson)
    assert LessonCompletion.objects.filter(user=user, lesson=lesson).exists()


def test_an_anonymous_answer_is_neither_checked_nor_stored():
    """Checked but unstored, a visitor could try every option, then answer right
    as a learner: first tries would mean nothing."""
    (quiz,) = outline(make_course(modules=1, lessons=0, quizzes=1)).ordered_items()
    for option in (1, 2, 3):
        outcome = quiz_answer(user=AnonymousUser(), activity=quiz, option_number=option)
        assert (outcome.chosen, outcome.correct, outcome.attempt) == (option, None, None)
        assert not outcome.checked
    with pytest.raises(NotAnOption):
        quiz_answer(user=AnonymousUser(), activity=quiz, option_number=0)
    assert not QuizAttempt.objects.exists()


def test_a_quiz_is_complete_once_answered_correctly():
    user, course = make_user(), make_course(modules=1, lessons=0, quizzes=1)
    enrollment_create(user=user, course=course)
    (quiz,) = outline(course).ordered_items()
    assert not quiz_answer(user=user, activity=quiz, option_number=1).attempt.is_correct
    assert progress_of(user, course).completed == 0
    assert quiz_answer(user=user, activity=quiz, option_number=2).attempt.is_correct
    quiz_answer(user=user, activity=quiz, option_number=2)
    progress = progress_of(user, course)
    assert progress.completed == 1
    assert progress.finished
    assert QuizAttempt.objects.count() == 3


def test_an_answer_outside_the_options_is_refused():
    user, course = make_user(), make_course(modules=1, lessons=0, quizzes=1)
    (quiz,) = outline(course).ordered_items()
    with pytest.raises(ValueError, match="not an option"):
        quiz_answer(user=user, activity=quiz, option_number=4)
    assert not QuizAttempt.objects.exists()


def test_progress_per_module_and_course_and_next_up_across_modules():
    user, course = make_user(), make_course(modules=2, lessons=1, quizzes=1)
    enrollment_create(user=user, course=course)
    items = outline(course).ordered_items()
    lesson_complete(user=user, lesson=items[0])
    quiz_answer(user=user, activity=items[1], option_number=2)
    progress = progress_of(user, course)
    assert [(m.completed, m.total, m.percent) for m in progress.modules] == [(2, 2, 100), (0, 2, 0)]
    assert (progress.completed, progress.total, progress.percent) == (2, 4, 50)
    assert progress.next_up == items[2]
    assert progress.started
    assert not progress.finished


def test_progress_follows_items_added_reordered_and_deleted():
    user, course = make_user(), make_course(modules=1, lessons=2, quizzes=0)
    enrollment_create(user=user, course=course)
    module = course.modules.get()
    first, second = outline(course).ordered_items()
    lesson_complete(user=user, lesson=first)
    lesson_complete(user=user, lesson=second)
    assert progress_of(user, course).finished

    added = Lesson(module=module, title="New")
    added.set_markdown("A new part.")
    item_create(item=added)
    progress = progress_of(user, course)
    assert (progress.completed, progress.total, progress.next_up) == (2, 3, added)

    module_reorder_items(module=module, items=[added, first, second])
    progress = progress_of(user, course)
    assert progress.next_up == added
    assert progress.percent == 66

    item_delete(item=first)
    progress = progress_of(user, course)
    assert (progress.completed, progress.total) == (1, 2)
    assert LessonCompletion.objects.count() == 1


def test_resume_falls_back_when_its_item_is_deleted():
    user, course = make_user(), make_course(modules=1, lessons=2, quizzes=0)
    enrollment_create(user=user, course=course)
    first, second = outline(course).ordered_items()
    learner_visit(user=user, course=outline(course), item=second)
    assert progress_of(user, course).resume == second
    second.delete()
    progress = progress_of(user, course)
    assert progress.resume is None
    assert progress.next_up == first


def test_one_learners_progress_is_not_anothers():
    alice, bob, course = make_user(), make_user(), make_course(modules=1, lessons=1, quizzes=0)
    enrollment_create(user=alice, course=course)
    enrollment_create(user=bob, course=course)
    lesson_complete(user=alice, lesson=Lesson.objects.get())
    assert progress_of(alice, course).completed == 1
    assert progress_of(bob, course).completed == 0
