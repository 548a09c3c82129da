"""The learner-facing course pages under the `courses:` names they have always
had: the catalog (courses.views) and the pages of a course, which show and
record the learner's progress (enrollment.pages). Defined here, where both
can be imported: courses never imports enrollment."""

from django.urls import path

from courses.views import CatalogView
from enrollment import pages

app_name = "courses"

urlpatterns = [
    path("", pages.HomeView.as_view(), name="home"),
    path("courses/", CatalogView.as_view(), name="catalog"),
    path("courses/<int:course_id>/", pages.CourseDetailView.as_view(), name="course-detail"),
    path(
        "courses/<int:course_id>/modules/<int:module_id>/",
        pages.ModuleDetailView.as_view(),
        name="module-detail",
    ),
    path(
        "courses/<int:course_id>/modules/<int:module_id>/lessons/<int:lesson_id>/",
        pages.LessonDetailView.as_view(),
        name="lesson-detail",
    ),
    path(
        "courses/<int:course_id>/modules/<int:module_id>/quizzes/<int:activity_id>/",
        pages.ActivityDetailView.as_view(),
        name="activity-detail",
    ),
]
