"""The learner's notifications: the list, mark one read, mark all read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from notifications.models import Notification
from notifications.selectors import notification_unread_count
from notifications.services import notification_mark_read, notifications_mark_all_read

# The newest notifications shown; older ones stay in the database.
PAGE_SIZE = 50


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    notifications = list(Notification.objects.for_user(request.user)[:PAGE_SIZE])
    # The bell's count, not the page shown: unread ones older than the newest
    # PAGE_SIZE still need "Mark all as read". Counted once, for the bell too.
    unread = notification_unread_count(user_id=request.user.pk)
    return render(
        request,
        "notifications/notification_list.html",
        {
            "notifications": notifications,
            "has_unread": unread > 0,
            "limit": PAGE_SIZE,
            "unread_notification_count": unread,
        },
    )


@login_required
@require_POST
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark one notification read; with `open`, go on to what it links to."""
    notification = get_object_or_404(
        Notification.objects.for_user(request.user), pk=notification_id
    )
    notification_mark_read(user=request.user, notification_id=notification.pk)
    if "open" in request.POST and url_has_allowed_host_and_scheme(
        notification.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(notification.url)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    changed = notifications_mark_all_read(user=request.user)
    if changed:
        messages.success(request, _("All notifications are marked read."))
    return redirect("notifications:list")
