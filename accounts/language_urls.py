from django.urls import path

from accounts import language

urlpatterns = [
    path("", language.language_choose, name="language"),
    path("set/", language.language_set, name="set-language"),
]
