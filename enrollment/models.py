"""Who learns what: the `user_courses` table of ../shared/seed/DATABASE_SCHEMA.md."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from courses.models import Course


class Enrollment(models.Model):
    enrollment_id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments"
    )
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrollments")
    enrolled_at = models.DateTimeField(default=timezone.now)
    last_accessed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "user_courses"
        ordering = ["-last_accessed_at", "-enrollment_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "course"], name="user_courses_unique_user_course"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-last_accessed_at"], name="user_courses_recent_idx"),
            models.Index(fields=["course", "enrolled_at"], name="user_courses_course_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.course}"
