"""The channels in the agent console: the inbound e-mail log with its quarantine, and the
integrations allowed to use the intake API (created and revoked here; the token shown once)."""

import secrets

from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from complaints.admin import ReadOnlyAdminMixin
from complaints.console.queues import CappedCountPaginator

from .models import InboundEmail, Integration, token_digest


@admin.register(InboundEmail)
class InboundEmailAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only for everyone: what came in and what the desk did with it. A quarantined
    message keeps its raw text here, so nothing that arrives is ever silently dropped."""

    list_display = ["received_at", "outcome", "reason", "sender", "subject", "complaint"]
    list_filter = ["outcome", "reason"]
    list_select_related = ["complaint"]
    search_fields = ["=sender", "=message_id", "=complaint__reference"]
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = CappedCountPaginator
    fields = ["message_id", "received_at", "outcome", "reason", "sender", "subject", "complaint", "added_message", "notes",
              "raw_size", "raw_text", "erased_at"]  # fmt: skip
    readonly_fields = fields

    @admin.display(description=gettext_lazy("raw message"))
    def raw_text(self, obj):
        if not obj.raw:
            return "—"
        return format_html("<pre class='raw-email'>{}</pre>", bytes(obj.raw).decode("utf-8", errors="replace"))


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    list_display = ["name", "channel", "token_prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["channel"]
    show_full_result_count = False
    fields = ["name", "channel", "token_prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["token_prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, never deleted: the complaints it filed still name it

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "channel"] if obj is not None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if not change:
            token = "rdi_" + secrets.token_urlsafe(32)
            obj.token_digest, obj.token_prefix = token_digest(token), token[:12]
            request.new_integration_token = token
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        """The token is shown on this one page, never stored (not even in a message cookie)."""
        token = getattr(request, "new_integration_token", None)
        if token is None:
            return super().response_add(request, obj, post_url_continue)
        context = {**self.admin_site.each_context(request), "integration": obj, "token": token,
                   "title": _("Integration created")}  # fmt: skip
        return TemplateResponse(request, "admin/channels/integration_token.html", context)

    @admin.action(description=gettext_lazy("Revoke the selected integrations' tokens"), permissions=["change"])
    def revoke(self, request, queryset):
        revoked = 0
        for integration in queryset.filter(revoked_at__isnull=True):
            integration.revoked_at = timezone.now()
            integration.save(update_fields=["revoked_at"])
            revoked += 1
        self.message_user(request, ngettext("%(n)d token revoked.", "%(n)d tokens revoked.", revoked) % {"n": revoked})
