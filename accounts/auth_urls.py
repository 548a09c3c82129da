"""Django's own auth views, templated in templates/registration/, under their
un-namespaced names (login, logout, password_change, password_reset, ...):
Athena's log-in and password reset forms first, then django.contrib.auth.urls
(athena/urls.py)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from accounts.forms import PasswordResetForm
from accounts.views import AthenaLoginView

urlpatterns = [
    path("login/", AthenaLoginView.as_view(), name="login"),
    path(
        "password_reset/",
        auth_views.PasswordResetView.as_view(form_class=PasswordResetForm),
        name="password_reset",
    ),
]
