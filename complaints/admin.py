"""The agent console. Changes go through the services; nothing audited is editable here."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import AuditChain, AuditEvent, Complaint, ComplaintIdentifier, Evidence, Message, Notification, Remedy


class ReadOnlyAdminMixin:
    """For records that are evidence of what happened: nobody adds, edits or deletes them here,
    superusers included."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0
    show_change_link = False


class IdentifierInline(ReadOnlyInline):
    model = ComplaintIdentifier
    fields = ["kind", "network", "value"]


class MessageInline(ReadOnlyInline):
    model = Message
    fields = ["created_at", "author", "visibility", "kind", "channel", "body"]
    readonly_fields = fields


class EvidenceInline(ReadOnlyInline):
    model = Evidence
    fields = ["original_name", "content_type", "size", "sha256", "uploaded_by", "uploaded_at"]
    readonly_fields = fields


class RemedyInline(ReadOnlyInline):
    model = Remedy
    fields = ["kind", "amount", "asset", "reference_value", "state", "proposed_by", "approved_by", "ledger_reference"]
    readonly_fields = fields


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["reference", "customer", "category", "priority", "state", "team", "assignee", "received_at"]
    list_filter = ["state", "category", "channel", "priority", "team"]
    list_select_related = ["customer", "team", "assignee"]
    search_fields = ["=reference", "=customer__email", "=identifiers__value"]
    show_full_result_count = False
    date_hierarchy = "received_at"
    inlines = [IdentifierInline, MessageInline, EvidenceInline, RemedyInline]
    fieldsets = [
        ("Intake", {"fields": ["reference", "customer", "filed_by", "channel", "category", "subcategory", "summary",
                               "description", "desired_outcome", "occurred_on", "disputed_amount", "disputed_asset",
                               "disputed_reference_value", "funds_at_risk", "language", "received_at"]}),
        ("Triage", {"fields": ["state", "priority", "team", "assignee"]}),
        ("Resolution", {"fields": ["outcome", "liability", "reasons", "recourse", "root_cause", "decider", "approver",
                                   "decided_at", "resolved_at"]}),
        ("Appeal", {"fields": ["appealed_at", "appeal_reviewer", "appeal_outcome", "external_recourse"]}),
        ("Archive", {"fields": ["closure_reason", "duplicate_of", "closed_at", "archived_at", "legal_hold"]}),
    ]

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("complaints.view_complaint")

    def get_readonly_fields(self, request, obj=None):
        return [field for fieldset in self.fieldsets for field in fieldset[1]["fields"]]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["complaint", "seq", "at", "actor", "action", "from_state", "to_state"]
    list_filter = ["action"]
    list_select_related = ["complaint", "actor"]
    search_fields = ["=complaint__reference"]
    show_full_result_count = False
    readonly_fields = ["chain", "complaint", "seq", "at", "actor", "action", "from_state", "to_state", "data",
                       "prev_hash", "hash"]


@admin.register(AuditChain)
class AuditChainAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "head_seq", "head_hash"]
    show_full_result_count = False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["complaint", "kind", "to_email", "language", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "kind", "language"]
    list_select_related = ["complaint"]
    show_full_result_count = False
