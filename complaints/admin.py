"""The agent console. Changes go through the services; nothing audited is editable here.

The complaint changelist is the queue (complaints/console/queues.py); the complaint page shows
the fields by lifecycle phase, the actions this person may take now (console/actions.py), the
conversation, evidence, remedies and related complaints. The few fields staff correct directly
are saved by an audited service that refuses a stale form.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import display_for_field, quote
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.template.defaultfilters import linebreaksbr
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.contrib.admin.templatetags.admin_list import result_headers
from simple_history.admin import SimpleHistoryAdmin

from accounts.models import User
from escalation.clocks import clock_regime_id
from escalation.queries import staff_clocks
from escalation.terms import TermsLoader

from .choices import PHASE_OF_STATE, SUBCATEGORIES, Category, Phase, Priority, State
from .console import actions as console_actions
from .console import queues
from .console import services as console_services
from .console import views as console_views
from .exceptions import ActionRefused
from .models import (
    AuditChain,
    AuditEvent,
    CannedResponse,
    Complaint,
    ComplaintIdentifier,
    ComplaintLink,
    HelpArticle,
    Notification,
)


class ReadOnlyAdminMixin:
    """For records that are evidence of what happened: nobody adds, edits or deletes them here,
    superusers included."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- The complaint page's form ----------------------------------------------------------------------

PHASE_ORDER = list(Phase)
FIELDSETS = {
    Phase.INTAKE: ["reference", "customer", "filed_by", "represented_person", "channel", "category", "subcategory",
                   "summary", "description", "desired_outcome", "occurred_on", "disputed_amount", "disputed_asset",
                   "disputed_reference_value", "funds_at_risk", "language", "received_at"],
    Phase.TRIAGE: ["state", "priority", "team", "assignee", "acknowledged_at"],
    Phase.INVESTIGATION: ["investigation_started_at", "information_requested_at", "return_state", "root_cause"],
    Phase.RESOLUTION: ["outcome", "liability", "reasons", "recourse", "decider", "approver", "decided_at",
                       "disputed_at", "resolved_at"],
    Phase.APPEAL: ["appealed_at", "appeal_reviewer", "appeal_outcome", "appeal_decided_at", "external_recourse"],
    Phase.ARCHIVE: ["closure_reason", "duplicate_of", "closed_at", "reopened_at", "archived_at", "legal_hold"],
}  # fmt: skip
ALL_FIELDS = [name for names in FIELDSETS.values() for name in names]


def phases_shown(complaint: Complaint) -> list[Phase]:
    """The phases a complaint has reached; a later phase's fields mean nothing yet."""
    reached = PHASE_ORDER.index(PHASE_OF_STATE[State(complaint.state)])
    shown = [phase for phase in PHASE_ORDER if PHASE_ORDER.index(phase) <= reached]
    if Phase.APPEAL in shown and complaint.appealed_at is None:
        shown.remove(Phase.APPEAL)
    if Phase.RESOLUTION in shown and complaint.decided_at is None and complaint.decider_id is None:
        shown.remove(Phase.RESOLUTION)
    if Phase.RESOLUTION not in shown and complaint.decider_id is not None:
        shown.insert(PHASE_ORDER.index(Phase.RESOLUTION), Phase.RESOLUTION)  # a proposal waiting for approval
    return shown


def editable_fields(complaint: Complaint) -> list[str]:
    """What staff correct directly, by phase; everything else changes through an action."""
    if not complaint.is_open:
        return []
    fields = ["summary", "subcategory"]
    if complaint.priority:  # set at triage (start the investigation); corrected here after that
        fields.append("priority")
    if PHASE_ORDER.index(complaint.phase) >= PHASE_ORDER.index(Phase.INVESTIGATION):
        fields.append("root_cause")
    return fields


class ComplaintForm(forms.ModelForm):
    """Carries the version the page was rendered from; a save from a stale page is refused."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Complaint
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expected_version"].initial = self.instance.version
        if "subcategory" in self.fields:
            choices = SUBCATEGORIES.get(self.instance.category, [])
            self.fields["subcategory"] = forms.ChoiceField(
                choices=[("", "—"), *choices], required=False, label=gettext_lazy("Subcategory")
            )
        if "priority" in self.fields:
            self.fields["priority"].required = True

    def clean(self):
        data = super().clean()
        if data.get("expected_version") != self.instance.version:
            raise forms.ValidationError(console_services.STALE_MESSAGE, code="stale")
        return data


def _bulk(name: str, description):
    def run(model_admin, request, queryset):
        return console_views.bulk_action(model_admin, request, queryset, name)

    run.__name__ = f"bulk_{name}"
    return admin.action(description=description)(run)


STAFF_ON_A_COMPLAINT = ("filed_by", "assignee", "decider", "approver", "appeal_reviewer")


def _with_staff(complaint: Complaint) -> Complaint:
    """Fill in the staff named on the complaint with one query by primary key. Joined into the
    complaint's own query instead, five more joins made PostgreSQL spend 7-30 ms planning it."""
    ids = {getattr(complaint, f"{field}_id") for field in STAFF_ON_A_COMPLAINT} - {None}
    people = User.objects.in_bulk(ids) if ids else {}
    for field in STAFF_ON_A_COMPLAINT:
        setattr(complaint, field, people.get(getattr(complaint, f"{field}_id")))
    return complaint


@admin.register(Complaint)
class ComplaintAdmin(SimpleHistoryAdmin):
    form = ComplaintForm
    change_form_template = "admin/complaints/complaint/change_form.html"
    change_list_template = "admin/complaints/complaint/change_list.html"
    object_history_template = "admin/complaints/complaint/object_history.html"
    object_history_list_template = "admin/complaints/complaint/object_history_list.html"
    list_display = ["reference", "customer", "category", "priority", "state_badge", "team", "assignee", "age",
                    "deadline"]  # fmt: skip
    list_display_links = ["reference"]
    list_filter = [
        queues.StateFilter, queues.PhaseFilter, queues.AssigneeFilter, queues.DeadlineFilter, queues.ApprovalFilter,
        queues.RemedyFilter, "category", "channel", "priority", "team",
    ]  # fmt: skip
    # Not joined: PostgreSQL would join every match of a search before sorting and cutting the
    # page. The page's people and teams come in by prefetch (get_queryset), one query each.
    list_select_related = ()
    list_per_page = 50
    sortable_by = ["age"]
    search_fields = ["reference"]  # shows the box; queues.search does the searching
    search_help_text = gettext_lazy(
        "Reference, customer e-mail, exchange UID, order ID or transaction hash (exact), or words of the summary."
    )
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = queues.CappedCountPaginator
    actions = [
        _bulk("assign", gettext_lazy("Assign to a team or agent…")),
        _bulk("set_priority", gettext_lazy("Change priority…")),
        _bulk("start_investigation", gettext_lazy("Start the investigation…")),
        _bulk("request_information", gettext_lazy("Ask the customers for information…")),
        _bulk("reject_out_of_scope", gettext_lazy("Reject as out of scope…")),
        _bulk("approve_resolution", gettext_lazy("Approve the resolutions…")),
        _bulk("reopen", gettext_lazy("Reopen…")),
    ]

    # --- permissions -------------------------------------------------------------------------------

    def has_add_permission(self, request, obj=None):
        return False  # intake is its own view: a complaint starts at `received` through complaint_file

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("complaints.view_complaint")

    def has_change_permission(self, request, obj=None):
        if not request.user.has_perm("complaints.change_complaint"):
            return False
        return obj is None or bool(editable_fields(obj))

    def get_actions(self, request):
        if not request.user.has_perm("complaints.work_complaint"):
            return {}
        return super().get_actions(request)

    # --- the queue -----------------------------------------------------------------------------------

    def get_queryset(self, request):
        queryset = super().get_queryset(request).prefetch_related("customer", "team", "assignee")
        return queues.annotate_next_deadline(queryset)

    def get_changelist(self, request, **kwargs):
        return queues.QueueChangeList

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        cap = queues.SEARCH_COUNT_CAP if request.GET.get("q") else queues.COUNT_CAP
        return self.paginator(queryset, per_page, orphans, allow_empty_first_page, cap=cap)

    def get_search_results(self, request, queryset, search_term):
        return queues.search(queryset, search_term), False

    @admin.display(description=gettext_lazy("state"))
    def state_badge(self, obj):
        return format_html('<span class="badge state-{}">{}</span>', obj.state, obj.get_state_display())

    @admin.display(description=gettext_lazy("age"), ordering="received_at")
    def age(self, obj):
        return short_age(timezone.now() - obj.received_at)

    @admin.display(description=gettext_lazy("next deadline"))
    def deadline(self, obj):
        due = queues.next_deadline(obj)
        if due is None:
            return "—"
        status = queues.deadline_status(due, queues.next_at_risk_at(obj))
        return format_html('<span class="deadline deadline-{}" title="{}">{}</span>', status, status.replace("_", " "),
                           timezone.localtime(due).strftime("%Y-%m-%d"))  # fmt: skip

    def changelist_view(self, request, extra_context=None):
        saved = queues.saved_queues(request.user)
        current = next((queue for queue in saved if queue.params == request.GET.dict()), None)
        extra = {"saved_queues": saved, "current_queue": current, "title": current.label if current else _("Complaints"),
                 "can_register": request.user.has_perm("complaints.add_complaint")}  # fmt: skip
        response = super().changelist_view(request, {**extra, **(extra_context or {})})
        context = getattr(response, "context_data", None)
        if context and "cl" in context:
            context["queue_headers"] = list(result_headers(context["cl"]))
            context["queue_rows"] = queue_rows(context["cl"].result_list, with_checkbox=bool(context.get("action_form")))
        return response

    # --- the complaint page --------------------------------------------------------------------------

    def get_object(self, request, object_id, from_field=None):
        queryset = self.get_queryset(request).prefetch_related(None)  # the queue's prefetches; joined here instead
        # The clock row is joined already (the next deadline); selected too, it gives the clocks their regime.
        queryset = queryset.select_related("customer__customer_profile", "team", "duplicate_of", "clock")
        try:
            complaint = queryset.get(pk=int(object_id))
        except (Complaint.DoesNotExist, ValueError):
            return None
        return _with_staff(complaint)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["summary"]})]
        sets = [(phase.label, {"fields": list(FIELDSETS[phase])}) for phase in phases_shown(obj)]
        if self.has_change_permission(request, obj):
            sets[0][1]["fields"].insert(0, "expected_version")
        return sets

    def get_readonly_fields(self, request, obj=None):
        editable = editable_fields(obj) if obj is not None and self.has_change_permission(request, obj) else []
        return [name for name in ALL_FIELDS if name not in editable]

    def save_model(self, request, obj, form, change):
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name in console_services.EDITABLE_FIELDS}
        try:
            request.console_changed = console_services.complaint_edit(
                complaint=obj, actor=request.user, version=form.cleaned_data["expected_version"], changes=changes
            )
        except ActionRefused as error:
            request.console_refusal = error.message
        except forms.ValidationError as error:
            request.console_refusal = " ".join(error.messages)

    def save_related(self, request, form, formsets, change):
        pass  # nothing related is saved from this form

    def log_change(self, request, obj, message):
        if getattr(request, "console_refusal", None) or not getattr(request, "console_changed", None):
            return None  # nothing changed: no admin log entry claiming otherwise
        return super().log_change(request, obj, message)

    def response_change(self, request, obj):
        refusal = getattr(request, "console_refusal", None)
        if refusal:
            messages.error(request, refusal)
        elif getattr(request, "console_changed", None):
            messages.success(request, _("Saved: %(fields)s.") % {"fields": ", ".join(request.console_changed)})
        else:
            messages.info(request, _("Nothing to save: no field changed."))
        return HttpResponseRedirect(reverse("admin:complaints_complaint_change", args=[obj.pk]))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(console_context(request, obj))
            context["record_fieldsets"] = record_fieldsets(context["adminform"], obj, self.get_empty_value_display())
            context.update(title=obj.reference, subtitle=None, show_save_and_continue=False)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def history_view(self, request, object_id, extra_context=None):
        extra = {}
        if request.user.has_perm("complaints.view_auditevent"):
            extra["audit_events"] = (
                AuditEvent.objects.filter(complaint_id=object_id).select_related("actor").order_by("seq")
            )
        return super().history_view(request, object_id, {**extra, **(extra_context or {})})

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("register/", wrap(lambda request: console_views.intake(request, self)), name="complaints_complaint_register"),
            path("<int:pk>/act/<slug:name>/", wrap(lambda request, pk, name: console_views.action_form(request, self, pk, name)),
                 name="complaints_complaint_act"),  # fmt: skip
            *super().get_urls(),
        ]


QUEUE_ROW = (
    '<tr>{}<th class="field-reference"><a href="{}">{}</a></th><td class="field-customer">{}</td>'
    '<td class="field-category">{}</td><td class="field-priority">{}</td><td class="field-state_badge">{}</td>'
    '<td class="field-team">{}</td><td class="field-assignee">{}</td><td class="field-age">{}</td>'
    '<td class="field-deadline">{}</td></tr>'
)
CHECKBOX = ('<td class="action-checkbox"><input type="checkbox" name="_selected_action" value="{}" class="action-select" '
            'aria-label="{}"></td>')  # fmt: skip


def queue_rows(complaints, *, with_checkbox: bool) -> list[str]:
    """The queue's rows, one format_html each. The admin's generic cell rendering (a lookup and
    a widget template per cell) was half the time of a 50-row page; the columns are
    ComplaintAdmin.list_display, in the same order, so the admin's headers and sorting still fit."""
    change = reverse("admin:complaints_complaint_change", args=[0]).replace("/0/", "/{}/")
    now = timezone.now()
    # get_FOO_display hashes every lazy choice label per call; translate each label once instead.
    category, state, priority = ({code: str(label) for code, label in choices.choices} for choices in (Category, State, Priority))
    rows = []
    for c in complaints:
        due = queues.next_deadline(c)
        deadline = "—" if due is None else format_html(
            '<span class="deadline deadline-{}">{}</span>', queues.deadline_status(due, queues.next_at_risk_at(c), now),
            timezone.localtime(due).strftime("%Y-%m-%d"),
        )  # fmt: skip
        checkbox = format_html(CHECKBOX, c.pk, c.reference) if with_checkbox else ""
        rows.append(format_html(
            QUEUE_ROW, checkbox, change.format(c.pk), c.reference, c.customer, category.get(c.category, c.category),
            priority.get(c.priority, "—"), format_html('<span class="badge state-{}">{}</span>', c.state, state.get(c.state, c.state)),
            c.team or "—", c.assignee or "—", short_age(now - c.received_at), deadline,
        ))  # fmt: skip
    return rows


FIELDSET = ('<fieldset class="module aligned {}" aria-labelledby="fieldset-0-{}-heading">'
            '<h2 id="fieldset-0-{}-heading" class="fieldset-heading">{}</h2>{}</fieldset>')  # fmt: skip
FIELD_ROW = '<div class="form-row{}{} field-{}">{}<div><div class="flex-container{}">{}{}</div>{}</div></div>'
HELP = '<div class="help"{}><div>{}</div></div>'
READONLY_ROW = ('<div class="form-row field-{}"><div><div class="flex-container"><label>{}{}</label>'
                '<div class="readonly">{}</div></div>{}</div></div>')  # fmt: skip


def readonly_row(complaint: Complaint, name: str, label_suffix: str, empty: str) -> str:
    """A read-only field as the admin shows it (AdminReadonlyField: label, contents, help),
    for the complaint's own fields: a related object links to its admin page."""
    field = complaint._meta.get_field(name)
    value = getattr(complaint, name)
    if field.is_relation and value is not None:
        meta = field.related_model._meta
        try:
            url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[quote(value.pk)])
            value = format_html('<a href="{}">{}</a>', url, value)
        except NoReverseMatch:
            value = str(value)
    else:
        value = display_for_field(value, field, empty)
    help_text = format_html(HELP, "", mark_safe(field.help_text)) if field.help_text else ""  # the model's: trusted
    return format_html(READONLY_ROW, name, capfirst(field.verbose_name), label_suffix, linebreaksbr(value), help_text)


def editable_row(line) -> str:
    """A field of the form, as the admin's includes/fieldset.html renders one field a line."""
    (field,) = line
    bound = field.field
    help_text = format_html(HELP, format_html(' id="{}_helptext"', bound.id_for_label), mark_safe(bound.help_text)) if bound.help_text else ""
    errors = line.errors()
    label_and_value = (bound, field.label_tag()) if field.is_checkbox else (field.label_tag(), bound)
    return format_html(FIELD_ROW, " errors" if errors else "", "" if line.has_visible_field else " hidden", bound.name, errors,
                       " checkbox-row" if field.is_checkbox else "", *label_and_value, help_text)  # fmt: skip


def record_fieldsets(adminform, complaint: Complaint, empty: str) -> list[str]:
    """The record's fieldsets (one field a line, as FIELDSETS has them), one format_html per
    field: through the admin's templates and its read-only field helper, the eighty read-only
    fields of a page cost ~20 ms. The values are shown as the admin shows them."""
    fieldsets = []
    for index, fieldset in enumerate(adminform):
        form = fieldset.form
        rows = [
            readonly_row(complaint, name, form.label_suffix, empty) if name in fieldset.readonly_fields
            else editable_row(helpers.Fieldline(form, name, fieldset.readonly_fields, fieldset.model_admin))
            for name in fieldset.fields
        ]  # fmt: skip
        fieldsets.append(format_html(FIELDSET, fieldset.classes, index, index, fieldset.name, mark_safe("".join(rows))))
    return fieldsets


def short_age(delta) -> str:
    if delta.days >= 1:
        return _("%(n)d d") % {"n": delta.days}
    hours = delta.seconds // 3600
    return _("%(n)d h") % {"n": hours} if hours else _("%(n)d min") % {"n": delta.seconds // 60}


def console_context(request, complaint: Complaint) -> dict:
    """Everything the complaint page shows besides its fields. Each list is one query, however
    long the conversation: the page's query count does not grow with it. No action form is
    built: each action is a button to its form's own page (console_views.action_form)."""
    user = request.user
    complaint.console_remedies = list(complaint.remedies.select_related("proposed_by", "approved_by"))
    available = console_actions.available_actions(user, complaint)
    names = {action.name for action in available}
    identifiers = list(complaint.identifiers.all())
    links = list(ComplaintLink.objects.filter(complaint=complaint).select_related("related"))
    linked = {link.related_id for link in links}
    suggestions = []
    if identifiers:
        suggestions = list(
            Complaint.objects.filter(identifiers__value__in=[i.value for i in identifiers])
            .exclude(pk=complaint.pk)
            .exclude(pk__in=linked)
            .distinct()
            .only("pk", "reference", "summary", "state", "customer_id")[:10]
        )
    canned = []
    if "message" in names:
        canned = list(
            CannedResponse.objects.filter(Q(category=complaint.category) | Q(category=""), is_active=True,
                                          language=complaint.language)  # fmt: skip
        )
    subcategories = dict(SUBCATEGORIES.get(complaint.category, []))
    terms = TermsLoader()
    return {
        "console": {
            "actions": [action for action in available if action.group in {"transition", "handling"}],
            "available": names,
            "timeline": complaint.messages.select_related("author").order_by("created_at", "id"),
            "evidence": complaint.evidence.select_related("uploaded_by").order_by("uploaded_at", "id"),
            "outbox": complaint.notifications.defer("body_text", "body_html").order_by("created_at", "id"),
            "remedies": complaint.console_remedies,
            "identifiers": identifiers,
            "links": links,
            "suggestions": suggestions,
            "canned": [(response, fill_canned(response.body, complaint)) for response in canned],
            "clocks": staff_clocks(complaint, loader=terms),
            "regime": regime_name(complaint, terms),
            "can_see_history": user.has_perm("complaints.view_historicalcomplaint"),
            "subcategory": subcategories.get(complaint.subcategory, complaint.subcategory),
            "proposed_total": console_actions.live_total(complaint.console_remedies),
        }
    }


def regime_name(complaint: Complaint, terms: TermsLoader) -> str:
    """The name of the regulatory regime the complaint got at intake (its clock row's), from
    the configuration the clocks were computed with."""
    regime = terms.config.regimes.get(clock_regime_id(complaint))
    return regime.name if regime is not None else ""


def fill_canned(body: str, complaint: Complaint) -> str:
    """Canned responses may name {reference} and {customer}; filled in before insertion."""
    customer = complaint.customer.get_full_name() or complaint.customer.email
    return body.replace("{reference}", complaint.reference).replace("{customer}", customer)


# --- Supporting records ------------------------------------------------------------------------------


@admin.register(CannedResponse)
class CannedResponseAdmin(admin.ModelAdmin):
    list_display = ["title", "category", "language", "is_active"]
    list_filter = ["is_active", "category", "language"]
    search_fields = ["title", "body"]
    fieldsets = [(None, {
        "fields": ["title", "category", "language", "body", "is_active"],
        "description": gettext_lazy("{reference} and {customer} in the body are filled in when an agent inserts it."),
    })]  # fmt: skip


@admin.register(HelpArticle)
class HelpArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "category", "language", "position", "is_published"]
    list_filter = ["is_published", "category", "language"]
    search_fields = ["title", "body"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["complaint", "seq", "at", "actor", "action", "from_state", "to_state"]
    list_filter = ["action"]
    list_select_related = ["complaint", "actor"]
    search_fields = ["=complaint__reference"]
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = queues.CappedCountPaginator
    readonly_fields = ["chain", "complaint", "seq", "at", "actor", "action", "from_state", "to_state", "data",
                       "prev_hash", "hash"]  # fmt: skip


@admin.register(AuditChain)
class AuditChainAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "head_seq", "head_hash"]
    show_full_result_count = False
    paginator = queues.CappedCountPaginator


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["complaint", "kind", "to_email", "language", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "kind", "language"]
    list_select_related = ["complaint"]
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = queues.CappedCountPaginator


@admin.register(ComplaintIdentifier)
class ComplaintIdentifierAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: identifiers are recorded at filing (normalised) and searched from the queue."""

    list_display = ["value", "kind", "network", "complaint"]
    list_select_related = ["complaint"]
    search_fields = ["=value"]
    show_full_result_count = False
    paginator = queues.CappedCountPaginator

    def has_module_permission(self, request):
        return False  # reached from a complaint, not the index
