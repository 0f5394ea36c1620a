"""Deadlines and escalation in the console.

Calendars, SLA policies, regimes and escalation rules are edited here (every change goes on
the system audit chain, and the open complaints' clocks are recomputed in the background).
What happened to complaints — firings, extensions, freeze requests, referrals — is read-only:
freeze requests are confirmed or rejected through their service, never by editing the row.
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints.admin import ReadOnlyAdminMixin
from complaints.exceptions import ActionRefused

from . import services
from .models import (
    BusinessCalendar,
    ComplaintClock,
    DeadlineExtension,
    EscalationRule,
    ExternalReferral,
    Firing,
    FreezeRequest,
    Holiday,
    Regime,
    RegimeRule,
    SlaPolicy,
    SupervisorQueueItem,
    WorkingHours,
)


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 0


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ["name", "time_zone", "is_default"]
    inlines = [WorkingHoursInline, HolidayInline]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ["name", "priority", "category", "channel", "time_basis", "first_response_hours",
                    "next_update_hours", "resolution_hours", "at_risk_percent", "is_active"]  # fmt: skip
    list_filter = ["is_active", "priority", "time_basis"]
    list_select_related = ["calendar"]


class RegimeRuleInline(admin.StackedInline):
    model = RegimeRule
    extra = 0

    def get_queryset(self, request):
        # Each rule's title (RegimeRule.__str__) names its regime: one query, not one per rule.
        return super().get_queryset(request).select_related("regime")


@admin.register(Regime)
class RegimeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "decision_amount", "decision_unit", "is_default", "is_active"]
    inlines = [RegimeRuleInline]


@admin.register(EscalationRule)
class EscalationRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "clock", "trigger", "delay", "priority", "notify_assignee", "notify_supervisors",
                    "move_to_tier_two", "raise_priority", "is_active"]  # fmt: skip
    list_filter = ["is_active", "clock", "trigger"]


@admin.register(ComplaintClock)
class ComplaintClockAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["complaint", "regime", "sla_policy", "tier", "next_due_at", "next_at_risk_at", "next_check_at"]
    list_select_related = ["complaint", "regime", "sla_policy"]
    search_fields = ["complaint__reference"]


@admin.register(Firing)
class FiringAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["complaint", "key", "rule", "due_at", "status", "claimed_at", "finished_at", "attempts"]
    list_filter = ["status", "key"]
    list_select_related = ["complaint", "rule"]
    search_fields = ["complaint__reference"]


@admin.register(DeadlineExtension)
class DeadlineExtensionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["complaint", "clock", "previous_due_at", "new_due_at", "extended_by", "created_at"]
    list_select_related = ["complaint", "extended_by"]
    search_fields = ["complaint__reference"]


@admin.register(ExternalReferral)
class ExternalReferralAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["complaint", "kind", "body", "date", "reference", "recorded_by"]
    list_select_related = ["complaint", "recorded_by"]
    search_fields = ["complaint__reference"]


@admin.register(SupervisorQueueItem)
class SupervisorQueueItemAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["complaint", "reason", "created_at", "resolved_at"]
    list_filter = ["reason", ("resolved_at", admin.EmptyFieldListFilter)]
    list_select_related = ["complaint"]


@admin.register(FreezeRequest)
class FreezeRequestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["complaint", "channel", "verified_channel", "status", "requested_at", "confirmed_by", "sent_at", "attempts"]
    list_filter = ["status", "verified_channel"]
    list_select_related = ["complaint", "confirmed_by"]
    search_fields = ["complaint__reference"]
    actions = ["confirm"]

    @admin.action(description=gettext_lazy("Confirm and send the selected freeze requests"))
    def confirm(self, request, queryset):
        sent = 0
        for freeze in queryset.select_related("complaint"):
            try:
                services.freeze_request_confirm(freeze_request=freeze, actor=request.user)
                sent += 1
            except (ActionRefused, ValidationError) as refused:
                self.message_user(request, f"{freeze.complaint}: {refused}", messages.ERROR)
        if sent:
            self.message_user(request, _("%(count)d freeze requests confirmed and queued to send.") % {"count": sent})
