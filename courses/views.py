"""Learner-facing pages."""

from __future__ import annotations

from django.db.models import QuerySet
from django.views.generic import DetailView, ListView

from courses.models import Course


class HomeView(ListView):
    template_name = "courses/home.html"
    context_object_name = "courses"
    paginate_by = 24

    def get_queryset(self) -> QuerySet[Course]:
        return Course.objects.published()


class CourseDetailView(DetailView):
    template_name = "courses/course_detail.html"
    pk_url_kwarg = "course_id"
    context_object_name = "course"

    def get_queryset(self) -> QuerySet[Course]:
        return Course.objects.visible_to(self.request.user).with_outline()
