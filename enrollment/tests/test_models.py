import pytest
from django.db import IntegrityError, transaction

from enrollment.models import Enrollment
from tests.factories import make_course, make_user

pytestmark = pytest.mark.django_db


def test_a_user_enrolls_in_a_course_once():
    user, course = make_user(), make_course()
    Enrollment.objects.create(user=user, course=course)
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrollment.objects.create(user=user, course=course)
    assert Enrollment.objects.filter(user=user, course=course).count() == 1


def test_deleting_a_user_deletes_their_enrollments():
    user, course = make_user(), make_course()
    Enrollment.objects.create(user=user, course=course)
    user.delete()
    assert not Enrollment.objects.exists()
