from django.urls import path

from generation import views

app_name = "generation"

urlpatterns = [
    path("", views.generation_new, name="new"),
    path("requests/", views.job_list, name="job-list"),
    path("requests/<int:job_id>/", views.job_detail, name="job-detail"),
    path("requests/<int:job_id>/status/", views.job_status, name="job-status"),
    path("requests/<int:job_id>/retry/", views.job_retry, name="job-retry"),
    path("requests/<int:job_id>/plan/", views.job_plan, name="job-plan"),
    path("requests/<int:job_id>/cancel/", views.job_cancel, name="job-cancel"),
    path("courses/<int:course_id>/changes/", views.rewrite_new, name="rewrite-new"),
    path("changes/<int:rewrite_id>/undo/", views.rewrite_undo, name="rewrite-undo"),
    path("changes/<int:rewrite_id>/status/", views.rewrite_status, name="rewrite-status"),
]
