from django.urls import path

from courses import views

app_name = "courses"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("courses/", views.catalog, name="catalog"),
    path("courses/<int:course_id>/", views.CourseDetailView.as_view(), name="course-detail"),
    path(
        "courses/<int:course_id>/modules/<int:module_id>/",
        views.module_detail,
        name="module-detail",
    ),
    path(
        "courses/<int:course_id>/modules/<int:module_id>/lessons/<int:lesson_id>/",
        views.lesson_detail,
        name="lesson-detail",
    ),
    path(
        "courses/<int:course_id>/modules/<int:module_id>/quizzes/<int:activity_id>/",
        views.activity_detail,
        name="activity-detail",
    ),
]
