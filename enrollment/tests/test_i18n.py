"""The learner's own pages in German and Arabic: the words Athena says are
translated, the course's own (its topic) never."""

import pytest
from django.urls import reverse

from certificates.tests.helpers import answer, mark_done
from enrollment.services import enrollment_create
from tests.factories import course_items, logged_in, make_course, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def course():
    return make_course(topic="Statistics for beginners", modules=1, lessons=1, quizzes=1)


@pytest.fixture
def learner(course):
    user = make_user()
    enrollment_create(user=user, course=course)
    return user


def test_the_dashboard_speaks_german_and_arabic(learner, course):
    client = logged_in(learner)
    german = client.get(reverse("enrollment:dashboard"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Meine Kurse" in german
    assert "In Bearbeitung" in german
    assert "Fortschritt in Statistics for beginners" in german  # the topic as written
    assert "0 von 2 erledigt" in german
    assert "zuletzt geöffnet gerade eben" in german
    arabic = client.get(reverse("enrollment:dashboard"), HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert "<h1>دوراتي</h1>" in arabic
    assert "قيد التقدّم" in arabic
    assert "Statistics for beginners" in arabic
    assert "In progress" not in arabic


def test_a_wrong_first_answer_is_reviewed_in_german(learner, course):
    client = logged_in(learner)
    lesson, quiz = course_items(course)
    mark_done(client, lesson)
    answer(client, quiz, learner, right=False)
    results = client.get(
        reverse("enrollment:course-results", args=[course.pk]), HTTP_ACCEPT_LANGUAGE="de"
    ).content.decode()
    assert "Deine Quizergebnisse" in results
    assert "Noch nicht bestanden" in results
    assert "Wiederhole, was du verpasst hast" in results
    review = client.get(reverse("enrollment:review"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Gerade ist nichts fällig." in review
    assert "Die nächste Frage kommt morgen wieder." in review
