from django.urls import path

from certificates import views

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
    path("certificates/<str:code>/", views.certificate_verify, name="verify"),
]
