from django.urls import path

from courses import views

app_name = "courses"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("courses/<int:course_id>/", views.CourseDetailView.as_view(), name="course-detail"),
]
