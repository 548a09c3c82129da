"""Ordering, cascades and the `metadata.count` invariant of course content."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from courses.models import Activity, Course, Lesson, Module
from courses.services import (
    course_reorder_modules,
    item_create,
    item_delete,
    item_move,
    item_update,
    module_create,
    module_delete,
    module_reorder_items,
    module_update,
)
from enrollment.models import Enrollment
from tests.factories import make_content_editor, make_course, make_user
from tests.helpers import assert_counts_true

pytestmark = pytest.mark.django_db


def stored_counts(course: Course) -> dict[str, int]:
    course.refresh_from_db()
    return course.metadata["count"]


def test_modules_come_back_in_module_order():
    course = make_course(modules=3)
    first, second, third = course.modules.all()
    course_reorder_modules(course=course, modules=[third, first, second])
    assert [module.title for module in course.modules.all()] == [
        "Module 3",
        "Module 1",
        "Module 2",
    ]
    assert [module.module_order for module in course.modules.all()] == [1, 2, 3]


def test_lessons_and_activities_merge_in_one_display_order():
    course = make_course(modules=1, lessons=3, quizzes=2)
    module = course.modules.get()
    items = module.ordered_items()
    assert [(item.kind, item.title) for item in items] == [
        ("lesson", "Lesson 1.1"),
        ("activity", "Quiz 1.1"),
        ("lesson", "Lesson 1.2"),
        ("activity", "Quiz 1.2"),
        ("lesson", "Lesson 1.3"),
    ]
    assert [item.display_order for item in items] == [1, 2, 3, 4, 5]


def test_reordering_items_sets_one_shared_sequence():
    course = make_course(modules=1, lessons=2, quizzes=1)
    module = course.modules.get()
    lesson_1, quiz, lesson_2 = module.ordered_items()
    module_reorder_items(module=module, items=[quiz, lesson_2, lesson_1])
    reordered = Module.objects.with_items().get(pk=module.pk).ordered_items()
    assert [item.title for item in reordered] == ["Quiz 1.1", "Lesson 1.2", "Lesson 1.1"]
    assert [item.display_order for item in reordered] == [1, 2, 3]
    assert_counts_true(course)


def test_reordering_refuses_a_list_that_is_not_the_modules_items():
    course = make_course(modules=2, lessons=1, quizzes=1)
    first, second = course.modules.all()
    foreign = second.ordered_items()[0]
    with pytest.raises(ValueError, match="each of the module's items once"):
        module_reorder_items(module=first, items=[first.ordered_items()[0], foreign])
    with pytest.raises(ValueError, match="each of the course's modules once"):
        course_reorder_modules(course=course, modules=[first])


def test_outline_loads_in_a_fixed_number_of_queries(django_assert_num_queries):
    course = make_course(modules=20, lessons=5, quizzes=5)
    with django_assert_num_queries(4):  # course, modules, lessons, activities
        loaded = Course.objects.with_outline().get(pk=course.pk)
        items = loaded.ordered_items()
    assert len(items) == 200
    assert items[0].title == "Lesson 1.1"
    assert items[-1].title == "Quiz 20.5"


def test_deleting_a_course_deletes_its_content_and_enrollments():
    course = make_course(modules=2, lessons=2, quizzes=2)
    other = make_course(modules=1)
    Enrollment.objects.create(user=make_user(), course=course)
    course.delete()
    assert not Module.objects.filter(course_id=course.pk).exists()
    assert Lesson.objects.filter(module__course=other).count() == 2
    assert Lesson.objects.count() == 2
    assert Activity.objects.count() == 1
    assert Enrollment.objects.count() == 0
    assert_counts_true(other)


def test_deleting_a_module_deletes_its_items_renumbers_and_recounts():
    course = make_course(modules=3, lessons=2, quizzes=1)
    module_delete(module=course.modules.first())
    assert stored_counts(course) == {"modules": 2, "lessons": 4, "activities": 2}
    assert_counts_true(course)
    assert [module.module_order for module in course.modules.all()] == [1, 2]


def new_lesson(module: Module, title: str = "Extra") -> Lesson:
    lesson = Lesson(module=module, title=title)
    lesson.set_markdown("x")
    return lesson


def new_quiz(module: Module, title: str = "Extra quiz") -> Activity:
    quiz = Activity(module=module, title=title)
    quiz.set_quiz(question="?", options=["a", "b"], answer=1)
    return quiz


def test_counts_and_order_follow_items_added_and_deleted_one_by_one():
    course = make_course(modules=1, lessons=1, quizzes=1)
    module = course.modules.get()
    lesson = item_create(item=new_lesson(module))
    assert lesson.display_order == 3
    assert stored_counts(course) == {"modules": 1, "lessons": 2, "activities": 1}
    quiz = item_create(item=new_quiz(module))
    assert quiz.display_order == 4
    assert stored_counts(course) == {"modules": 1, "lessons": 2, "activities": 2}
    item_delete(item=lesson)
    for activity in list(module.activities.all()):
        item_delete(item=activity)
    assert stored_counts(course) == {"modules": 1, "lessons": 1, "activities": 0}
    assert [item.display_order for item in Module.objects.with_items().get().ordered_items()] == [1]
    added = module_create(module=Module(course=course, title="New"))
    assert added.module_order == 2
    assert stored_counts(course) == {"modules": 2, "lessons": 1, "activities": 0}


def test_a_deleted_item_leaves_no_gap_in_its_module():
    course = make_course(modules=1, lessons=2, quizzes=1)
    module = course.modules.get()
    first, _quiz, last = module.ordered_items()
    item_delete(item=first)
    remaining = Module.objects.with_items().get(pk=module.pk).ordered_items()
    assert [(item.title, item.display_order) for item in remaining] == [
        ("Quiz 1.1", 1),
        (last.title, 2),
    ]


def test_an_item_moves_to_another_module_of_its_course():
    course = make_course(modules=2, lessons=2, quizzes=0)
    first, second = course.modules.all()
    lesson = first.ordered_items()[0]
    item_move(item=lesson, to_module=second)
    assert [
        item.title for item in Module.objects.with_items().get(pk=second.pk).ordered_items()
    ] == [
        "Lesson 2.1",
        "Lesson 2.2",
        "Lesson 1.1",
    ]
    assert [item.display_order for item in first.ordered_items()] == [1]
    assert_counts_true(course)
    other = make_course(modules=1)
    with pytest.raises(ValueError, match="same course"):
        item_move(item=lesson, to_module=other.modules.get())


def test_editing_items_and_modules_keeps_counts_and_refuses_other_fields():
    course = make_course(modules=1, lessons=1, quizzes=1)
    lesson = Lesson.objects.get(module__course=course)
    item_update(item=lesson, data={"title": "Renamed"})
    module_update(module=course.modules.get(), data={"title": "Renamed module"})
    assert Lesson.objects.get(pk=lesson.pk).title == "Renamed"
    assert_counts_true(course)
    with pytest.raises(ValueError, match="cannot update display_order"):
        item_update(item=lesson, data={"display_order": 9})


def test_a_broken_quiz_is_refused_by_the_model_and_the_services():
    course = make_course(modules=1, lessons=1, quizzes=0)
    quiz = Activity(module=course.modules.get(), title="Bad")
    quiz.set_quiz(question="Pick", options=["Same", " same "], answer=3)
    with pytest.raises(ValidationError) as caught:
        item_create(item=quiz)
    messages = caught.value.messages
    assert "options[1]: Two options say the same thing." in messages
    assert "answer: 3 is not an option number (1-2)" in messages
    assert not Activity.objects.filter(title="Bad").exists()


def test_loading_any_number_of_lessons_is_one_query(django_assert_num_queries):
    make_course(modules=5, lessons=6, quizzes=0)
    with django_assert_num_queries(1):
        titles = [lesson.title for lesson in Lesson.objects.only("title")[:20]]
    assert len(titles) == 20


def test_two_items_of_one_kind_cannot_share_a_position():
    course = make_course(modules=1, lessons=1, quizzes=0)
    module = course.modules.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Lesson.objects.create(module=module, title="Clash", display_order=1)


def test_preferences_are_validated():
    course = make_course()
    course.preferences = {"level": "expert", "duration": "short", "focus": "broad"}
    with pytest.raises(ValidationError, match='level: "expert" is not one of'):
        course.full_clean()
    course.preferences = {"level": "advanced", "duration": "long", "focus": "in-depth"}
    course.full_clean()


def test_published_and_visible_to():
    published = make_course(publish=True)
    draft = make_course(publish=False)
    editor, staff = make_content_editor(), make_user(is_staff=True)
    learner = make_user()
    assert list(Course.objects.published()) == [published]
    assert set(Course.objects.visible_to(editor)) == {published, draft}
    # Drafts are for those who may edit them, not every staff member.
    assert list(Course.objects.visible_to(staff)) == [published]
    assert list(Course.objects.visible_to(learner)) == [published]
    assert published.published_at is not None
    assert draft.published_at is None


def test_filter_on_preferences():
    beginner = make_course(preferences={"level": "beginner", "duration": "short", "focus": "broad"})
    advanced = make_course(
        preferences={"level": "advanced", "duration": "short", "focus": "in-depth"}
    )
    assert list(Course.objects.with_preference(level="advanced")) == [advanced]
    assert list(Course.objects.with_preference(duration="short", focus="broad")) == [beginner]
    assert set(Course.objects.with_preference(level="")) == {beginner, advanced}


def test_a_lessons_html_follows_every_save_and_a_new_renderer():
    """The HTML stored with a lesson is what its page shows: rendered again on
    any save (even one round the services), and rendered on read when a
    newer renderer than the one that stored it is in place."""
    course = make_course(modules=1, lessons=1, quizzes=0)
    lesson = Lesson.objects.get(module__course=course)
    lesson.set_markdown("*Saved directly*")
    lesson.save(update_fields=["content"])
    stored = Lesson.objects.get(pk=lesson.pk)
    assert "<em>Saved directly</em>" in stored.content_html
    Lesson.objects.filter(pk=lesson.pk).update(
        content_html="<p>made by an old renderer</p>", content_html_renderer="old"
    )
    stale = Lesson.objects.get(pk=lesson.pk)
    assert "<em>Saved directly</em>" in stale.html
    assert "old renderer" not in stale.html


def test_a_course_pages_description_is_stored_as_html_and_follows_every_save(client):
    """The course page shows the description as stored when the course was
    saved (sanitised: untrusted Markdown), rendered again on any save with
    the description, and on read for a row an older renderer (or none) made."""
    course = make_course()
    course.description = "Learn *soil* <script>alert(1)</script>"
    course.save(update_fields=["description"])
    stored = Course.objects.get(pk=course.pk)
    assert "<em>soil</em>" in stored.description_html
    assert "<script>" not in stored.description_html
    page = client.get(course.get_absolute_url()).content.decode()
    assert "Learn <em>soil</em>" in page
    assert "alert(1)</script>" not in page
    Course.objects.filter(pk=course.pk).update(
        description_html="<p>made by an old renderer</p>", description_html_renderer="old"
    )
    stale = Course.objects.get(pk=course.pk)
    assert "<em>soil</em>" in stale.description_rendered
    assert "old renderer" not in stale.description_rendered


def test_a_course_read_before_a_content_change_never_saves_back_what_it_read():
    """An editor's form holds the course while its modules are being written:
    saving the course's own fields keeps the outline, counts and version the
    content services wrote meanwhile."""
    course = make_course(modules=1, lessons=1, quizzes=0)
    held = Course.objects.get(pk=course.pk)
    module_create(module=Module(course=course, title="Written meanwhile", description=""))
    written = Course.objects.get(pk=course.pk)
    held.topic = "Renamed by the editor"
    held.save()
    course = Course.objects.get(pk=course.pk)
    assert course.topic == "Renamed by the editor"
    assert course.counts == written.counts == {"modules": 2, "lessons": 1, "activities": 0}
    assert course.content_version == written.content_version
    assert [module["title"] for module in course.outline["modules"]][-1] == "Written meanwhile"
