from django.urls import path

from courses import views

app_name = "courses"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("courses/", views.CatalogView.as_view(), name="catalog"),
    path("courses/<int:course_id>/", views.CourseDetailView.as_view(), name="course-detail"),
    path(
        "courses/<int:course_id>/modules/<int:module_id>/",
        views.ModuleDetailView.as_view(),
        name="module-detail",
    ),
    path(
        "courses/<int:course_id>/modules/<int:module_id>/lessons/<int:lesson_id>/",
        views.LessonDetailView.as_view(),
        name="lesson-detail",
    ),
    path(
        "courses/<int:course_id>/modules/<int:module_id>/quizzes/<int:activity_id>/",
        views.ActivityDetailView.as_view(),
        name="activity-detail",
    ),
]
