from django.urls import path, register_converter

from certificates import views


class CodeConverter:
    """A verification code as `secrets.token_urlsafe` writes them: anything
    else (a NUL byte, a slash) is not found before the database is asked."""

    regex = "[A-Za-z0-9_-]{1,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(CodeConverter, "certificate_code")

app_name = "certificates"

urlpatterns = [
    path(
        "courses/<int:course_id>/certificate/",
        views.certificate_detail,
        name="certificate-detail",
    ),
    path(
        "courses/<int:course_id>/certificate/pdf/",
        views.certificate_download,
        name="certificate-download",
    ),
    path("certificates/<certificate_code:code>/", views.certificate_verify, name="verify"),
]
