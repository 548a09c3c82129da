from django.contrib import admin
from django.urls import include, path

from accounts.urls import auth_urlpatterns
from athena import views

urlpatterns = [
    path("", include("courses.urls")),
    path("", include("enrollment.urls")),
    path("accounts/", include(auth_urlpatterns)),
    path("accounts/", include("django.contrib.auth.urls")),
    path("accounts/", include("accounts.urls")),
    path("build/", include("generation.urls")),
    path("notifications/", include("notifications.urls")),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
]
