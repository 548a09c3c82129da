from django.contrib import admin
from django.urls import include, path

from accounts.urls import auth_urlpatterns
from athena import views

# Say whose admin this is, on every admin page and in its tab titles.
admin.site.site_header = "Athena administration"
admin.site.site_title = "Athena admin"
admin.site.index_title = "Athena administration"

urlpatterns = [
    path("", include("courses.urls")),
    path("", include("enrollment.urls")),
    path("accounts/", include(auth_urlpatterns)),
    path("accounts/", include("django.contrib.auth.urls")),
    path("accounts/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
]
