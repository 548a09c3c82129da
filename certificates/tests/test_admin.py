"""Staff find certificates by code, learner or course, and revoke them with a reason."""

from http import HTTPStatus

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from certificates.models import Certificate
from certificates.services import certificate_issue
from tests.factories import logged_in, make_course, make_user

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:certificates_certificate_changelist")


@pytest.fixture
def certificates():
    course = make_course(topic="Revocable course", modules=1)
    return [
        certificate_issue(user=make_user(username=f"holder{number}"), course=course)[0]
        for number in range(3)
    ]


@pytest.fixture
def staff():
    return logged_in(make_user(is_staff=True, is_superuser=True))


def test_staff_find_a_certificate_by_code_user_or_course(staff, certificates):
    first = certificates[0]
    page = staff.get(CHANGELIST, {"q": first.code}).content.decode()
    assert "holder0" in page
    assert "holder1" not in page
    page = staff.get(CHANGELIST, {"q": "holder2"}).content.decode()
    assert "holder2" in page
    assert "holder0" not in page
    page = staff.get(CHANGELIST, {"q": "Revocable"}).content.decode()
    assert all(f"holder{number}" in page for number in range(3))


def test_revoking_asks_for_a_reason_then_revokes_the_selected(staff, certificates):
    chosen = [str(certificates[0].pk), str(certificates[1].pk)]
    asked = staff.post(CHANGELIST, {"action": "revoke", ACTION_CHECKBOX_NAME: chosen})
    assert asked.status_code == HTTPStatus.OK
    assert "Revoke these certificates?" in asked.content.decode()
    assert not Certificate.objects.exclude(revoked_at=None).exists()
    # No reason: asked again.
    again = staff.post(
        CHANGELIST, {"action": "revoke", ACTION_CHECKBOX_NAME: chosen, "apply": "Revoke"}
    )
    assert again.status_code == HTTPStatus.OK
    assert "This field is required" in again.content.decode()
    done = staff.post(
        CHANGELIST,
        {
            "action": "revoke",
            ACTION_CHECKBOX_NAME: chosen,
            "apply": "Revoke",
            "reason": "Issued by mistake",
        },
    )
    assert done.status_code == HTTPStatus.FOUND
    revoked = Certificate.objects.exclude(revoked_at=None)
    assert sorted(str(pk) for pk in revoked.values_list("pk", flat=True)) == sorted(chosen)
    assert {c.revoke_reason for c in revoked} == {"Issued by mistake"}
    assert all(c.revoked_by.is_superuser for c in revoked)


def test_staff_without_the_change_permission_cannot_revoke(certificates):
    from django.contrib.auth.models import Permission

    viewer = make_user(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_certificate"))
    client = logged_in(viewer)
    assert client.get(CHANGELIST).status_code == HTTPStatus.OK
    client.post(
        CHANGELIST,
        {
            "action": "revoke",
            ACTION_CHECKBOX_NAME: [str(certificates[0].pk)],
            "apply": "Revoke",
            "reason": "No",
        },
    )
    assert not Certificate.objects.exclude(revoked_at=None).exists()


def test_a_certificate_cannot_be_added_or_edited_in_the_admin(staff, certificates):
    assert staff.get(reverse("admin:certificates_certificate_add")).status_code == 403
    url = reverse("admin:certificates_certificate_change", args=[certificates[0].pk])
    response = staff.get(url)
    assert response.status_code == HTTPStatus.OK
    assert 'name="learner_name"' not in response.content.decode()
