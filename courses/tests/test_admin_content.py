"""Modules, lessons and quizzes in the admin: edited inside their parent, kept
in one sequence, counted, previewed, and never edited as raw JSON."""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest
from django.urls import reverse

from courses.models import Activity, Course, Lesson, Module
from enrollment.models import Enrollment, LessonCompletion
from tests.factories import logged_in, make_content_editor, make_course, make_user
from tests.helpers import (
    assert_counts_true,
    change_form_data,
    course_change_url,
    module_change_url,
    ordered_titles,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def module():
    """One module: Lesson 1.1, Quiz 1.1, Lesson 1.2, Quiz 1.2, Lesson 1.3."""
    course = make_course(modules=1, lessons=3, quizzes=2)
    return course.modules.get()


def learner_page_order(client, course: Course, titles: list[str]) -> list[str]:
    """The titles in the order the learner's course page shows them."""
    html = client.get(course.get_absolute_url()).content.decode()
    return sorted(titles, key=html.index)


def move(client, module: Module, item, steps: int):
    return client.post(
        reverse("admin:courses_module_move_item", args=[module.pk]),
        {"move": f"{item.kind}:{item.pk}:{steps}"},
    )


# --- order of items ----------------------------------------------------------------------


def test_module_page_lists_lessons_and_quizzes_in_one_sequence(client_for_editor, module):
    response = client_for_editor.get(module_change_url(module))
    assert response.status_code == HTTPStatus.OK
    rows = response.context["item_rows"]
    assert [(row["label"], row["item"].title) for row in rows] == [
        ("Lesson", "Lesson 1.1"),
        ("Quiz", "Quiz 1.1"),
        ("Lesson", "Lesson 1.2"),
        ("Quiz", "Quiz 1.2"),
        ("Lesson", "Lesson 1.3"),
    ]
    html = response.content.decode()
    assert 'aria-label="Move Lesson 1.1 up"' in html


def test_a_refused_module_form_keeps_the_stored_titles_in_the_order_table(
    client_for_editor, module
):
    url = module_change_url(module)
    data = change_form_data(client_for_editor.get(url))
    typed = next(key for key, value in data.items() if value == "Lesson 1.1")
    data |= {"title": "", typed: "Typed, not saved"}
    response = client_for_editor.post(url, data)
    assert response.status_code == HTTPStatus.OK
    assert "This field is required." in response.content.decode()
    titles = [row["title"] for row in response.context["item_rows"]]
    assert titles == ["Lesson 1.1", "Quiz 1.1", "Lesson 1.2", "Quiz 1.2", "Lesson 1.3"]


def test_moving_an_item_changes_the_order_learners_see(client_for_editor, module):
    _lesson_1, quiz_1, *_ = module.ordered_items()
    response = move(client_for_editor, module, quiz_1, -1)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == module_change_url(module) + "#item-order"
    expected = ["Quiz 1.1", "Lesson 1.1", "Lesson 1.2", "Quiz 1.2", "Lesson 1.3"]
    assert ordered_titles(module) == expected
    items = module_items_from_db(module)
    assert [item.display_order for item in items] == [1, 2, 3, 4, 5]
    course = module.course
    Course.objects.filter(pk=course.pk).update(status=Course.Status.PUBLISHED)
    learner = logged_in(make_user())
    assert learner_page_order(learner, course, expected) == expected


def test_moving_past_either_end_keeps_the_order(client_for_editor, module):
    items = module.ordered_items()
    before = ordered_titles(module)
    move(client_for_editor, module, items[0], -1)
    move(client_for_editor, module, items[-1], 1)
    assert ordered_titles(module) == before


def test_moving_down_twice_keeps_positions_unique(client_for_editor, module):
    lesson_1 = module.ordered_items()[0]
    move(client_for_editor, module, lesson_1, 1)
    move(client_for_editor, module, lesson_1, 1)
    assert ordered_titles(module) == [
        "Quiz 1.1",
        "Lesson 1.2",
        "Lesson 1.1",
        "Quiz 1.2",
        "Lesson 1.3",
    ]
    orders = [item.display_order for item in module_items_from_db(module)]
    assert orders == sorted(set(orders))


def module_items_from_db(module: Module):
    return Module.objects.with_items().get(pk=module.pk).ordered_items()


def test_move_refuses_get_nonsense_and_foreign_items(client_for_editor, module):
    url = reverse("admin:courses_module_move_item", args=[module.pk])
    assert client_for_editor.get(url).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert client_for_editor.post(url, {"move": "lesson:1:7"}).status_code == (
        HTTPStatus.BAD_REQUEST
    )
    assert client_for_editor.post(url, {}).status_code == HTTPStatus.BAD_REQUEST
    other_lesson = make_course(modules=1).modules.get().lessons.first()
    response = move(client_for_editor, module, other_lesson, 1)
    assert response.status_code == HTTPStatus.NOT_FOUND
    module_url = reverse("admin:courses_module_move_item", args=[999_999])
    assert client_for_editor.post(module_url, {"move": "lesson:1:1"}).status_code == (
        HTTPStatus.NOT_FOUND
    )


def test_moves_need_csrf(module):
    client = logged_in(make_content_editor(), enforce_csrf_checks=True)
    lesson = module.ordered_items()[0]
    response = move(client, module, lesson, 1)
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert ordered_titles(module)[0] == "Lesson 1.1"


def test_moving_modules_reorders_the_course(client_for_editor):
    course = make_course(modules=3, lessons=1, quizzes=0)
    first, _second, third = course.modules.all()
    url = reverse("admin:courses_course_move_module", args=[course.pk])
    response = client_for_editor.post(url, {"move": f"module:{third.pk}:-1"})
    assert response.status_code == HTTPStatus.FOUND
    assert [m.title for m in course.modules.all()] == ["Module 1", "Module 3", "Module 2"]
    assert [m.module_order for m in course.modules.all()] == [1, 2, 3]
    html = client_for_editor.get(course_change_url(course)).content.decode()
    assert html.index("Move Module 3 up") < html.index("Move Module 2 up")
    assert learner_page_order(client_for_editor, course, ["Module 1", "Module 2", "Module 3"]) == [
        "Module 1",
        "Module 3",
        "Module 2",
    ]
    foreign = make_course(modules=1).modules.get()
    response = client_for_editor.post(url, {"move": f"module:{foreign.pk}:1"})
    assert response.status_code == HTTPStatus.NOT_FOUND
    response = client_for_editor.post(url, {"move": f"lesson:{first.pk}:1"})
    assert response.status_code == HTTPStatus.BAD_REQUEST


# --- items edited inside their module -------------------------------------------------


def test_adding_items_in_the_module_page_appends_them_and_counts_them(client_for_editor, module):
    url = module_change_url(module)
    data = change_form_data(client_for_editor.get(url))
    data.update(
        {
            "lessons-TOTAL_FORMS": "4",
            "lessons-3-title": "New lesson",
            "lessons-3-markdown": "# New\n\nText.",
            "activities-TOTAL_FORMS": "3",
            "activities-2-title": "New quiz",
            "activities-2-type": "quiz",
            "activities-2-question": "Which?",
            "activities-2-option_1": "This",
            "activities-2-option_2": "That",
            "activities-2-correct_option": "2",
        }
    )
    response = client_for_editor.post(url, data)
    assert response.status_code == HTTPStatus.FOUND, response.context["errors"]
    titles = ordered_titles(module)
    assert titles[:5] == ["Lesson 1.1", "Quiz 1.1", "Lesson 1.2", "Quiz 1.2", "Lesson 1.3"]
    assert sorted(titles[5:]) == ["New lesson", "New quiz"]
    assert [item.display_order for item in module_items_from_db(module)] == [1, 2, 3, 4, 5, 6, 7]
    assert Lesson.objects.get(title="New lesson").content == {
        "type": "MARKDOWN",
        "value": "# New\n\nText.",
    }
    assert Activity.objects.get(title="New quiz").content == {
        "question": "Which?",
        "options": ["This", "That"],
        "answer": 2,
    }
    assert_counts_true(module.course)
    assert module.course.counts == {"modules": 1, "lessons": 4, "activities": 3}
    learner_titles = learner_page_order(client_for_editor, module.course, titles)
    assert learner_titles == titles


def test_deleting_items_in_the_module_page_closes_the_gap_and_recounts(client_for_editor, module):
    url = module_change_url(module)
    data = change_form_data(client_for_editor.get(url))
    quiz_1 = Activity.objects.get(module=module, title="Quiz 1.1")
    index = next(i for i in range(2) if data[f"activities-{i}-activity_id"] == quiz_1.pk)
    data[f"activities-{index}-DELETE"] = "on"
    response = client_for_editor.post(url, data)
    assert response.status_code == HTTPStatus.FOUND, response.context["errors"]
    assert ordered_titles(module) == ["Lesson 1.1", "Lesson 1.2", "Quiz 1.2", "Lesson 1.3"]
    assert [item.display_order for item in module_items_from_db(module)] == [1, 2, 3, 4]
    assert_counts_true(module.course)
    assert module.course.counts == {"modules": 1, "lessons": 3, "activities": 1}


def test_adding_a_lesson_on_its_own_page_puts_it_last_in_the_chosen_module(
    client_for_editor, module
):
    add_url = reverse("admin:courses_lesson_add")
    response = client_for_editor.get(add_url, {"module": module.pk})
    assert response.context["adminform"].form["module"].value() == str(module.pk)
    html = response.content.decode()
    assert f"{module.course.topic} / {module.title}" in html  # modules named with their course
    response = client_for_editor.post(
        add_url, {"module": module.pk, "title": "Appendix", "markdown": "The end."}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert ordered_titles(module)[-1] == "Appendix"
    assert Lesson.objects.get(title="Appendix").display_order == 6
    assert_counts_true(module.course)


def test_deleting_a_lesson_on_its_own_page_closes_the_gap(client_for_editor, module):
    lesson = Lesson.objects.get(module=module, title="Lesson 1.2")
    url = reverse("admin:courses_lesson_delete", args=[lesson.pk])
    client_for_editor.post(url, {"post": "yes"})
    assert [item.display_order for item in module_items_from_db(module)] == [1, 2, 3, 4]
    assert_counts_true(module.course)
    assert module.course.counts["lessons"] == 2


def test_module_page_runs_a_fixed_number_of_queries(
    client_for_editor, django_assert_num_queries, warm_content_types
):
    small = make_course(modules=1, lessons=1, quizzes=1).modules.get()
    large = make_course(modules=1, lessons=15, quizzes=15).modules.get()
    # Session, user, permissions (2), the module, its lessons and quizzes (for
    # the inlines, and the order table lists the same rows), and its course
    # (read-only field).
    with django_assert_num_queries(8):
        client_for_editor.get(module_change_url(small))
    with django_assert_num_queries(8):
        client_for_editor.get(module_change_url(large))


# --- the lesson editor -------------------------------------------------------------------


def test_lesson_editor_has_a_markdown_textarea_preview_and_view_on_site(client_for_editor, module):
    lesson = Lesson.objects.get(module=module, title="Lesson 1.1")
    response = client_for_editor.get(reverse("admin:courses_lesson_change", args=[lesson.pk]))
    html = response.content.decode()
    assert 'class="athena-markdown"' in html
    assert "## Part 1.1" in html  # the Markdown, not JSON
    assert '"type": "MARKDOWN"' not in html
    assert f'formaction="{reverse("admin:courses_lesson_preview")}"' in html
    assert "View on site" in html
    assert "admin-athena/admin.css" in html


def test_lesson_preview_renders_the_unsaved_text_like_the_learner_page(client_for_editor):
    markdown = "## Heading\n\n*emphasis* <script>alert(1)</script> [bad](javascript:alert(1))"
    response = client_for_editor.post(
        reverse("admin:courses_lesson_preview"), {"title": "Draft title", "markdown": markdown}
    )
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "<h2>Heading</h2>" in html
    assert "<em>emphasis</em>" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript:' not in html
    assert "Draft title" in html
    assert "<strong>Preview</strong>: not saved" in html
    assert '<div class="prose"><h2>Heading</h2>' in html
    assert not Lesson.objects.filter(title="Draft title").exists()


def test_lesson_preview_only_answers_a_post_with_csrf():
    client = logged_in(make_content_editor(), enforce_csrf_checks=True)
    url = reverse("admin:courses_lesson_preview")
    assert client.get(url).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert client.post(url, {"markdown": "# x"}).status_code == HTTPStatus.FORBIDDEN


def test_saving_a_lesson_without_a_body_is_refused(client_for_editor, module):
    lesson = Lesson.objects.get(module=module, title="Lesson 1.1")
    url = reverse("admin:courses_lesson_change", args=[lesson.pk])
    data = change_form_data(client_for_editor.get(url))
    data["markdown"] = "   "
    response = client_for_editor.post(url, data)
    assert response.status_code == HTTPStatus.OK
    assert "A lesson needs a body." in response.content.decode()
    lesson.refresh_from_db()
    assert lesson.markdown.startswith("## Part 1.1")


# --- the quiz editor ---------------------------------------------------------------------


def quiz_page(client, quiz: Activity):
    url = reverse("admin:courses_activity_change", args=[quiz.pk])
    return url, client.get(url)


def test_quiz_editor_shows_options_as_fields_and_the_correct_one_chosen(client_for_editor, module):
    quiz = Activity.objects.get(module=module, title="Quiz 1.1")
    _, response = quiz_page(client_for_editor, quiz)
    form = response.context["adminform"].form
    assert [form[f"option_{n}"].value() for n in range(1, 7)] == [
        "Alpha",
        "Beta",
        "Gamma",
        None,
        None,
        None,
    ]
    assert form["correct_option"].value() == 2
    html = response.content.decode()
    assert 'name="content"' not in html
    assert '"options"' not in html


def test_editing_a_quiz_saves_question_options_and_answer(client_for_editor, module):
    quiz = Activity.objects.get(module=module, title="Quiz 1.1")
    url, response = quiz_page(client_for_editor, quiz)
    data = change_form_data(response)
    data.update(question="Pick the fourth.", option_4="Delta", correct_option="4")
    assert client_for_editor.post(url, data).status_code == HTTPStatus.FOUND
    quiz.refresh_from_db()
    assert quiz.content == {
        "question": "Pick the fourth.",
        "options": ["Alpha", "Beta", "Gamma", "Delta"],
        "answer": 4,
    }
    assert quiz.is_correct(4)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"correct_option": "5"},
            "The right answer must be one of the quiz&#x27;s options (1-3); option 5 is empty.",
        ),
        ({"option_3": "", "option_4": "Delta"}, "Fill the options in order: option 3 is empty."),
        ({"option_3": "Alpha"}, "Two options say the same thing."),
        ({"option_2": ""}, "This field is required."),
        # Every option row removed in the editor: refused, never a 500.
        ({"option_1": "", "option_2": "", "option_3": ""}, "This field is required."),
        (
            {"correct_option": "9"},
            "Mark the right answer beside one of the options; 9 is not an option number.",
        ),
        ({"correct_option": ""}, "Mark the right answer: choose “Right answer” beside one option."),
    ],
)
def test_a_quiz_that_does_not_hold_together_is_refused(client_for_editor, module, changes, message):
    quiz = Activity.objects.get(module=module, title="Quiz 1.1")
    url, response = quiz_page(client_for_editor, quiz)
    data = {**change_form_data(response), **changes}
    response = client_for_editor.post(url, data)
    assert response.status_code == HTTPStatus.OK
    assert message in response.content.decode()
    quiz.refresh_from_db()
    assert quiz.content == {
        "question": "Question 1.1?",
        "options": ["Alpha", "Beta", "Gamma"],
        "answer": 2,
    }


def test_a_quiz_in_the_module_page_with_a_wrong_answer_is_refused(client_for_editor, module):
    url = module_change_url(module)
    data = change_form_data(client_for_editor.get(url))
    data["activities-0-correct_option"] = "6"
    response = client_for_editor.post(url, data)
    assert response.status_code == HTTPStatus.OK
    assert "option 6 is empty" in response.content.decode()


def test_module_of_an_item_is_fixed_once_it_exists(client_for_editor, module):
    quiz = Activity.objects.get(module=module, title="Quiz 1.1")
    other = make_course(modules=1).modules.get()
    url, response = quiz_page(client_for_editor, quiz)
    data = {**change_form_data(response), "module": other.pk}
    client_for_editor.post(url, data)
    quiz.refresh_from_db()
    assert quiz.module_id == module.pk


def test_view_on_site_opens_the_learner_page_of_a_draft_item_for_staff(client_for_editor, module):
    lesson = Lesson.objects.get(module=module, title="Lesson 1.2")
    quiz = Activity.objects.get(module=module, title="Quiz 1.1")
    for item, model in [(lesson, "lesson"), (quiz, "activity")]:
        page = client_for_editor.get(reverse(f"admin:courses_{model}_change", args=[item.pk]))
        site_link = re.search(r'href="([^"]+)" class="viewsitelink"', page.content.decode())[1]
        redirect = client_for_editor.get(site_link)
        assert redirect["Location"].endswith(item.get_absolute_url())
        learner_page = client_for_editor.get(item.get_absolute_url())
        assert learner_page.status_code == HTTPStatus.OK
        assert item.title in learner_page.content.decode()


def test_deleting_an_item_deletes_learners_progress_on_it_for_content_editors(module):
    """Progress on a deleted item goes with it, even for an editor who may not
    delete progress otherwise; the learner's counts stay right."""
    lesson = Lesson.objects.get(module=module, title="Lesson 1.1")
    learner = make_user()
    LessonCompletion.objects.create(user=learner, lesson=lesson)
    client = logged_in(make_content_editor())
    url = module_change_url(module)
    data = change_form_data(client.get(url))
    index = next(i for i in range(3) if data[f"lessons-{i}-lesson_id"] == lesson.pk)
    data[f"lessons-{index}-DELETE"] = "on"
    assert client.post(url, data).status_code == HTTPStatus.FOUND
    assert not Lesson.objects.filter(pk=lesson.pk).exists()
    assert not LessonCompletion.objects.filter(user=learner).exists()
    assert_counts_true(module.course)
    other = Lesson.objects.filter(module=module).first()
    LessonCompletion.objects.create(user=learner, lesson=other)
    delete_url = reverse("admin:courses_lesson_delete", args=[other.pk])
    confirmation = client.get(delete_url).content.decode()
    assert "Lesson completions: 1" in confirmation
    assert client.post(delete_url, {"post": "yes"}).status_code == HTTPStatus.FOUND
    assert not LessonCompletion.objects.exists()


def test_content_editors_cannot_delete_a_course_learners_are_enrolled_in(module):
    Enrollment.objects.create(user=make_user(), course=module.course)
    client = logged_in(make_content_editor())
    url = reverse("admin:courses_course_delete", args=[module.course.pk])
    response = client.get(url)
    assert "Cannot delete course" in response.content.decode()
    assert client.post(url, {"post": "yes"}).status_code == HTTPStatus.FORBIDDEN
    assert Course.objects.filter(pk=module.course.pk).exists()


def superuser():
    return logged_in(make_user(is_staff=True, is_superuser=True))


def test_bulk_deleting_modules_and_items_from_their_lists_renumbers_and_recounts(
    client_for_editor,
):
    course = make_course(modules=3, lessons=2, quizzes=1)
    first, second, third = course.modules.all()
    client_for_editor.post(
        reverse("admin:courses_module_changelist"),
        {"action": "delete_selected", "_selected_action": [first.pk], "post": "yes"},
    )
    assert [(m.pk, m.module_order) for m in course.modules.all()] == [(second.pk, 1), (third.pk, 2)]
    lessons = list(Lesson.objects.filter(module=second))
    client_for_editor.post(
        reverse("admin:courses_lesson_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [lesson.pk for lesson in lessons],
            "post": "yes",
        },
    )
    assert ordered_titles(second) == ["Quiz 2.1"]
    assert [item.display_order for item in module_items_from_db(second)] == [1]
    assert_counts_true(course)
    assert course.counts == {"modules": 2, "lessons": 2, "activities": 2}


def test_adding_a_module_on_its_own_page_puts_it_last(client_for_editor):
    course = make_course(modules=2)
    add_url = reverse("admin:courses_module_add")
    data = change_form_data(client_for_editor.get(add_url, {"course": course.pk}))
    assert data["course"] == str(course.pk)
    response = client_for_editor.post(add_url, {**data, "title": "Epilogue"})
    assert response.status_code == HTTPStatus.FOUND, response.context["errors"]
    assert [(m.title, m.module_order) for m in course.modules.all()][-1] == ("Epilogue", 3)
    assert_counts_true(course)


def test_editing_a_quiz_keeps_its_option_feedback_only_while_it_still_fits(
    client_for_editor, module
):
    quiz = Activity.objects.get(module=module, title="Quiz 1.1")
    quiz.set_quiz(
        question=quiz.question, options=quiz.options, answer=2,
        hint="Alphabet.", feedback=["No: first.", "Yes!", None],
    )  # fmt: skip
    quiz.save()
    url, response = quiz_page(client_for_editor, quiz)
    data = change_form_data(response)
    assert client_for_editor.post(url, {**data, "title": "Renamed"}).status_code == 302
    quiz.refresh_from_db()
    assert (quiz.title, quiz.feedback, quiz.hint) == (
        "Renamed",
        ["No: first.", "Yes!", ""],
        "Alphabet.",
    )
    # The right option changed: the feedback would tell the wrong learners they are right.
    _, response = quiz_page(client_for_editor, quiz)
    data = change_form_data(response)
    assert client_for_editor.post(url, {**data, "correct_option": "1"}).status_code == 302
    quiz.refresh_from_db()
    assert (quiz.answer, quiz.feedback, quiz.hint) == (1, [], "Alphabet.")


# --- the right answer, marked beside each option ------------------------------------------


def option_row(html: str, number: int, prefix: str = "") -> str:
    """The admin form row of option `number`, from its text box to the row's end."""
    start = html.index(f'name="{prefix}option_{number}"')
    return html[start : html.index('<div class="form-row', start)]


def test_each_option_has_its_right_answer_radio_beside_it_and_the_stored_one_is_checked(
    client_for_editor, module
):
    quiz = Activity.objects.get(module=module, title="Quiz 1.1")  # answer 2, Beta
    _, response = quiz_page(client_for_editor, quiz)
    html = response.content.decode()
    assert "field-correct_option" not in html  # no separate list of "Option 1-6"
    for number in range(1, 7):
        row = option_row(html, number)
        radio = re.search(r'<input type="radio" name="correct_option"[^>]*>', row).group()
        assert f'value="{number}"' in radio
        assert f'id="id_option_{number}_answer"' in radio
        assert (" checked" in radio) is (number == 2)
        assert f'<label class="athena-answer" for="id_option_{number}_answer">' in row
        assert f'Right answer<span class="athena-sr-only"> for option {number}</span>' in row
    assert html.count('type="radio"') == 6


def test_the_module_page_marks_each_inline_quizs_answer_beside_its_options(
    client_for_editor, module
):
    html = client_for_editor.get(module_change_url(module)).content.decode()
    row = option_row(html, 2, prefix="activities-0-")
    assert (
        'name="activities-0-correct_option" value="2" id="id_activities-0-option_2_answer" checked'
        in row
    )
    # The empty form "Add another quiz" copies: radios of its own group, none checked.
    template = option_row(html, 1, prefix="activities-__prefix__-")
    assert 'name="activities-__prefix__-correct_option" value="1"' in template
    assert " checked" not in template


def test_a_refused_quiz_keeps_the_radio_the_editor_chose(client_for_editor, module):
    quiz = Activity.objects.get(module=module, title="Quiz 1.1")
    url, response = quiz_page(client_for_editor, quiz)
    data = {**change_form_data(response), "correct_option": "3", "question": ""}
    response = client_for_editor.post(url, data)
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert 'value="3" id="id_option_3_answer" checked' in option_row(html, 3)
    assert " checked" not in option_row(html, 2)
    quiz.refresh_from_db()
    assert quiz.answer == 2


def test_marking_an_empty_option_right_shows_the_error_on_that_option(client_for_editor, module):
    quiz = Activity.objects.get(module=module, title="Quiz 1.1")
    url, response = quiz_page(client_for_editor, quiz)
    response = client_for_editor.post(url, {**change_form_data(response), "correct_option": "5"})
    form = response.context["adminform"].form
    assert form.errors["option_5"] == [
        "The right answer must be one of the quiz's options (1-3); option 5 is empty."
    ]
    quiz.refresh_from_db()
    assert quiz.answer == 2
