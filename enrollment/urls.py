from django.urls import path

from enrollment import views

app_name = "enrollment"

urlpatterns = [
    path("my/", views.dashboard, name="dashboard"),
    path("my/review/", views.review, name="review"),
    path("courses/<int:course_id>/enroll/", views.enroll, name="enroll"),
    path("courses/<int:course_id>/unenroll/", views.unenroll, name="unenroll"),
    path("courses/<int:course_id>/resume/", views.resume, name="resume"),
    path("courses/<int:course_id>/next-up/", views.next_up, name="next-up"),
    path("courses/<int:course_id>/results/", views.course_results, name="course-results"),
    path("courses/<int:course_id>/rate/", views.rate, name="rate"),
    path("courses/<int:course_id>/review/", views.review, name="course-review"),
    path("courses/<int:course_id>/report-problem/", views.report_problem, name="report-problem"),
    path(
        "courses/<int:course_id>/modules/<int:module_id>/lessons/<int:lesson_id>/done/",
        views.lesson_done,
        name="lesson-done",
    ),
]
