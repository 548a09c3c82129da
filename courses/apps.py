from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = "Course content"

    def ready(self) -> None:
        from courses import checks  # noqa: F401 - registers the system checks
