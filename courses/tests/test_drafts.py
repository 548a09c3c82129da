"""Drafts are for those who may edit them: Support staff, like learners, see and
enroll in published courses only."""

from http import HTTPStatus

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from courses.models import Course
from enrollment.models import Enrollment
from tests.factories import logged_in, make_content_editor, make_course, make_user

pytestmark = pytest.mark.django_db


def make_support():
    user = make_user(is_staff=True)
    user.groups.add(Group.objects.get(name="Support"))
    return user


@pytest.mark.parametrize(
    "make_viewer",
    [make_support, lambda: make_user(is_staff=True), make_user],
    ids=["support", "staff without permissions", "learner"],
)
def test_who_may_not_edit_courses_neither_sees_nor_enrolls_in_drafts(make_viewer):
    draft = make_course(topic="Secret draft", publish=False)
    viewer = make_viewer()
    client = logged_in(viewer)
    assert client.get(draft.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND
    assert client.get(draft.modules.first().get_absolute_url()).status_code == HTTPStatus.NOT_FOUND
    assert "Secret draft" not in client.get(reverse("courses:catalog")).content.decode()
    response = client.post(reverse("enrollment:enroll", args=[draft.pk]))
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert not Enrollment.objects.exists()
    assert list(Course.objects.visible_to(viewer)) == []


@pytest.mark.parametrize(
    "make_viewer",
    [make_content_editor, lambda: make_user(is_staff=True, is_superuser=True)],
    ids=["content editor", "superuser"],
)
def test_who_may_edit_courses_previews_drafts(make_viewer):
    draft = make_course(topic="Secret draft", publish=False)
    client = logged_in(make_viewer())
    assert client.get(draft.get_absolute_url()).status_code == HTTPStatus.OK
