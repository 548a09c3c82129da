from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from athena import views

# Say whose admin this is, on every admin page and in its tab titles.
admin.site.site_header = _("Athena administration")
admin.site.site_title = _("Athena admin")
admin.site.index_title = _("Athena administration")

urlpatterns = [
    path("", include("enrollment.course_urls")),
    path("", include("enrollment.urls")),
    path("language/", include("accounts.language_urls")),
    path("accounts/", include("accounts.auth_urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("accounts/", include("accounts.urls")),
    path("build/", include("generation.urls")),
    path("notifications/", include("notifications.urls")),
    path("", include("certificates.urls")),
    path("admin/", admin.site.urls),
    # Answered by athena.middleware.HealthCheckMiddleware whatever the Host
    # header; named here for reverse().
    path("healthz", views.healthz_ready, name="healthz"),
    path("healthz/live", views.healthz_live, name="healthz-live"),
    path("healthz/ready", views.healthz_ready, name="healthz-ready"),
    # Through the full middleware stack (and so subject to the host check).
    path("healthz/trivial", views.healthz_trivial, name="healthz-trivial"),
]

handler500 = "athena.views.server_error"
