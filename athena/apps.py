from django.apps import AppConfig


class AthenaConfig(AppConfig):
    """The project's glue: settings, middleware, the page cache, and the
    version counters that tell every process what changed (athena.versions)."""

    name = "athena"
    verbose_name = "Athena"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from athena import checks  # noqa: F401  (registers the system checks)
