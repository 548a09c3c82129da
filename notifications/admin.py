from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from athena.learnerpages import LearnerRowsAdminMixin
from notifications.models import Notification
from notifications.services import notifications_changed


@admin.register(Notification)
class NotificationAdmin(LearnerRowsAdminMixin, admin.ModelAdmin):
    list_display = ["message", "user", "created_at", "read_at"]
    list_filter = [("read_at", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["message", "user__username", "user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    date_hierarchy = "created_at"

    # Writes here go round the services: tell what they would, for the learner
    # the notification was for before an edit too.
    def learner_rows_changed(self, user_id: Any) -> None:
        notifications_changed(user_id=user_id)

    def save_model(self, request: HttpRequest, obj: Notification, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        previous = form.initial.get("user") if change else None
        for user_id in {obj.user_id, previous} - {None}:
            self.learner_rows_changed(user_id)
