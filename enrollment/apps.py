from django.apps import AppConfig


class EnrollmentConfig(AppConfig):
    name = "enrollment"
    verbose_name = "Enrollment and progress"

    def ready(self) -> None:
        from enrollment import signals  # noqa: F401  (connects the receivers)
