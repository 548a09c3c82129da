from django.contrib import admin
from django.urls import include, path

from athena import views

urlpatterns = [
    path("", include("courses.urls")),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
]
