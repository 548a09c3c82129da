"""Certificates in the admin: found by code, learner or course, and revoked
(with a reason) by staff allowed to change them. Nothing else about one is
edited: it says what was true when it was issued."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from certificates.models import Certificate
from certificates.services import certificates_revoke


class RevokeForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=1000,
        label=gettext_lazy("Reason"),
        help_text=gettext_lazy(
            "Kept with the certificate and shown to its learner; the public page "
            "says only that it was revoked, and when."
        ),
    )


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "learner_name",
        "user",
        "course_title",
        "issued_at",
        "revoked_at",
        "public_page",
    ]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "issued_at"]
    search_fields = [
        "=code",
        "user__username",
        "user__email",
        "learner_name",
        "course_title",
        "course__topic",
    ]
    list_select_related = ["user"]
    date_hierarchy = "issued_at"
    actions = ["revoke"]
    fields = [
        "code",
        "user",
        "learner_name",
        "course",
        "course_title",
        "minutes_label",
        "issued_at",
        "revoked_at",
        "revoked_by",
        "revoke_reason",
        "public_page",
    ]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=gettext_lazy("public page"))
    def public_page(self, certificate: Certificate) -> str:
        return format_html('<a href="{}">{}</a>', certificate.get_absolute_url(), _("Open"))

    @admin.action(
        description=gettext_lazy("Revoke the selected certificates…"), permissions=["change"]
    )
    def revoke(
        self, request: HttpRequest, queryset: QuerySet[Certificate]
    ) -> TemplateResponse | None:
        """Ask for a reason, then revoke; the ones revoked already are left as they were."""
        form = RevokeForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            count = certificates_revoke(
                certificates=queryset, by=request.user, reason=form.cleaned_data["reason"]
            )
            self.message_user(
                request,
                ngettext("Revoked %(count)d certificate.", "Revoked %(count)d certificates.", count)
                % {"count": count},
                messages.SUCCESS,
            )
            return None
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Revoke certificates"),
            "form": form,
            "certificates": queryset.select_related("user"),
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "select_across": request.POST.get("select_across", "0"),
        }
        return TemplateResponse(request, "admin/certificates/certificate/revoke.html", context)
