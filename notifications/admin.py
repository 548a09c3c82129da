from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from notifications.models import Notification
from notifications.services import notifications_changed


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["message", "user", "created_at", "read_at"]
    list_filter = [("read_at", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["message", "user__username", "user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    date_hierarchy = "created_at"

    # Writes here go round the services: tell what they would.
    def save_model(self, request: HttpRequest, obj: Notification, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        notifications_changed(user_id=obj.user_id)

    def delete_model(self, request: HttpRequest, obj: Notification) -> None:
        super().delete_model(request, obj)
        notifications_changed(user_id=obj.user_id)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        user_ids = set(queryset.values_list("user_id", flat=True))
        super().delete_queryset(request, queryset)
        for user_id in user_ids:
            notifications_changed(user_id=user_id)
