"""The complaint changelist as a queue: filters, saved queues, search and a capped count.

With a million complaints nothing on this path may count or scan the whole table: the count
is capped (COUNT over a LIMIT), there are no facet counts, every saved queue reads the newest
first from an index that matches it (see Complaint.Meta.indexes), identifiers are found
exactly through ComplaintIdentifier, and summary text through a trigram index on PostgreSQL.
"""

import re
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import DecimalField, Exists, OuterRef, Q, Subquery, Sum, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from accounts.models import ConflictOfInterest, CustomerProfile
from complaints.choices import PHASE_OF_STATE, Phase, RemedyState, State
from complaints.identifiers import normalise_tx_hash
from complaints.models import OPEN_STATE_VALUES, Complaint, ComplaintIdentifier, Remedy
from escalation import queries as escalation_queries

COUNT_CAP = 10_000
# A common word matches a tenth of the table: counting 10,000 of its matches walks 100,000 rows.
SEARCH_COUNT_CAP = 1_000
REFERENCE = re.compile(r"^CMP-\d{4}-\d{7}$", re.IGNORECASE)
MIN_TEXT_SEARCH = 3
TEXT_IDS_LIMIT = 1_000


class CappedCountPaginator(Paginator):
    """Counts at most `cap` + 1 rows (an index range scan), never the whole queue."""

    capped = False

    def __init__(self, *args, cap: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.cap = cap or COUNT_CAP

    @cached_property
    def count(self):
        # Unordered: any cap + 1 matches will do, and PostgreSQL may then pick the cheapest scan
        # (the page itself is read newest first).
        found = self.object_list.order_by()[: self.cap + 1].count()
        self.capped = found > self.cap
        return min(found, self.cap)


class QueueChangeList(ChangeList):
    """The changelist reading the first page before counting: when it isn't full its length is
    the count, so a narrow search (a reference, a hash, a rare word) costs one query, not two."""

    def get_results(self, request):
        if self.page_num != 1 or self.show_all:
            return super().get_results(request)
        head = list(self.queryset[: self.list_per_page + 1])
        paginator = self.model_admin.get_paginator(request, self.queryset, self.list_per_page)
        if len(head) <= self.list_per_page:
            paginator.__dict__["count"] = len(head)  # the cached_property, known without a query
        count = paginator.count
        self.result_count, self.full_result_count, self.show_full_result_count = count, None, False
        self.show_admin_actions = True
        self.result_list, self.paginator = head[: self.list_per_page], paginator
        self.can_show_all, self.multi_page = count <= self.list_max_show_all, count > self.list_per_page


# --- Deadlines --------------------------------------------------------------------------------------
# The next deadline is the nearest running due time of the complaint's clock row
# (escalation.ComplaintClock, kept by escalation.services.clocks_recompute): annotated with a JOIN
# on the queue, and "at risk" from the SLA policy's at-risk point rather than a fixed window.


def annotate_next_deadline(queryset, now=None):
    """Annotate next_deadline, next_at_risk_at, deadline_breached and deadline_at_risk."""
    return escalation_queries.with_next_deadline(queryset, now)


def filter_by_deadline(queryset, status: str, now=None):
    return escalation_queries.filter_by_deadline(queryset, status, now)


def _clock(complaint):
    try:
        return complaint.clock
    except ObjectDoesNotExist:  # never filed through the services: no clock row
        return None


def next_deadline(complaint):
    """The nearest running due time: the queue's annotation, else the complaint's clock row."""
    if hasattr(complaint, "next_deadline"):
        return complaint.next_deadline
    clock = _clock(complaint)
    return clock.next_due_at if clock else None


def next_at_risk_at(complaint):
    if hasattr(complaint, "next_at_risk_at"):
        return complaint.next_at_risk_at
    clock = _clock(complaint)
    return clock.next_at_risk_at if clock else None


def deadline_status(due, at_risk_at=None, now=None) -> str:
    return escalation_queries.deadline_status(due, at_risk_at, now)


# --- Filters ----------------------------------------------------------------------------------------


class StateFilter(admin.SimpleListFilter):
    """Open complaints by default (the working queue); any one state, or all of them."""

    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("all", _("All, closed included")), *State.choices]

    def choices(self, changelist):
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": _("Open"),
        }
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            # A search or a phase looks everywhere: a closed case is found by its reference.
            if request.GET.get("q") or request.GET.get("phase"):
                return queryset
            return queryset.filter(state__in=OPEN_STATE_VALUES)
        if value in State.values:
            return queryset.filter(state=value)
        return queryset


class PhaseFilter(admin.SimpleListFilter):
    title = _("lifecycle phase")
    parameter_name = "phase"

    def lookups(self, request, model_admin):
        return Phase.choices

    def queryset(self, request, queryset):
        states = [state.value for state, phase in PHASE_OF_STATE.items() if phase == self.value()]
        return queryset.filter(state__in=states) if states else queryset


def team_of(user):
    profile = getattr(user, "staff_profile", None)
    return profile.team_id if profile else None


class AssigneeFilter(admin.SimpleListFilter):
    title = _("assignee")
    parameter_name = "assignee"

    def lookups(self, request, model_admin):
        return [("me", _("Me")), ("team", _("My team")), ("unassigned", _("Unassigned"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "me":
            return queryset.filter(assignee=request.user)
        if value == "team":
            team = team_of(request.user)
            return queryset.filter(team_id=team) if team else queryset.none()
        if value == "unassigned":
            return queryset.filter(assignee__isnull=True)
        return queryset


class DeadlineFilter(admin.SimpleListFilter):
    title = _("deadline")
    parameter_name = "deadline"

    def lookups(self, request, model_admin):
        return [("at_risk", _("At risk")), ("breached", _("Breached"))]

    def queryset(self, request, queryset):
        if self.value() in {"at_risk", "breached"}:
            return filter_by_deadline(queryset, self.value(), timezone.now())
        return queryset


def awaiting_approval_of(queryset, user):
    """Resolutions waiting for a second person that this user may approve: their limit covers
    the total, they did not propose it, and they declared no conflict."""
    if not user.has_perm("complaints.approve_resolution"):
        return queryset.none()
    pending = (
        Remedy.objects.filter(complaint=OuterRef("pk"), state=RemedyState.PROPOSED)
        .order_by()
        .values("complaint")
        .annotate(total=Sum("reference_value"))
        .values("total")
    )
    amount = DecimalField(max_digits=38, decimal_places=18)
    conflicts = ConflictOfInterest.objects.filter(staff=user)
    return (
        queryset.filter(state=State.AWAITING_APPROVAL)
        .annotate(pending_total=Coalesce(Subquery(pending, output_field=amount), Value(Decimal(0)), output_field=amount))
        .filter(pending_total__lte=user.approval_limit)
        .exclude(decider=user)
        .exclude(Exists(conflicts.filter(complaint=OuterRef("pk"))))
        .exclude(customer_id__in=conflicts.filter(customer__isnull=False).values("customer_id"))
    )


class ApprovalFilter(admin.SimpleListFilter):
    title = _("approval")
    parameter_name = "approval"

    def lookups(self, request, model_admin):
        # Always offered, so ?approval=mine filters (to nothing) for someone who can't approve
        # rather than being ignored.
        return [("mine", _("Awaiting my approval"))]

    def queryset(self, request, queryset):
        return awaiting_approval_of(queryset, request.user) if self.value() == "mine" else queryset


class RemedyFilter(admin.SimpleListFilter):
    title = _("remedies")
    parameter_name = "remedy"

    def lookups(self, request, model_admin):
        return [("failed", _("A remedy failed"))]

    def queryset(self, request, queryset):
        if self.value() == "failed":
            failed = Remedy.objects.filter(complaint=OuterRef("pk"), state=RemedyState.FAILED)
            return queryset.filter(Exists(failed))
        return queryset


# --- Search -----------------------------------------------------------------------------------------


def _tx_hash(term: str) -> str | None:
    try:
        return normalise_tx_hash(term)
    except ValidationError:
        return None


def search(queryset, term: str):
    """Reference, customer e-mail, exchange UID, order ID and transaction hash match exactly;
    anything else also searches summaries. Identifier and UID matches are looked up first (small
    indexed queries) so the final query is one OR of indexed conditions."""
    term = term.strip()
    if not term:
        return queryset
    if REFERENCE.match(term):
        return queryset.filter(reference=term.upper())
    if "@" in term:
        return queryset.filter(customer__email=term.lower())
    tx_hash = _tx_hash(term)
    values = {term, tx_hash} - {None}
    complaint_ids = list(ComplaintIdentifier.objects.filter(value__in=values).values_list("complaint_id", flat=True)[:COUNT_CAP])
    if tx_hash:
        return queryset.filter(_one_of(complaint_ids))
    customers = list(CustomerProfile.objects.filter(exchange_uid=term).values_list("user_id", flat=True))
    matches = Q(customer_id__in=customers)
    if len(term) >= MIN_TEXT_SEARCH:
        # PostgreSQL can't tell a rare word from a common one well: misjudged, a rare word walks
        # the received_at index through 100,000 rows looking for a page of matches. So the
        # trigram index is asked first (unordered, bounded); a rare word's matches become a list
        # of ids, which the planner sizes exactly. A common word is searched in place, where
        # walking newest first finds a page at once.
        hits = list(Complaint.objects.filter(summary__icontains=term).order_by().values_list("pk", flat=True)[: TEXT_IDS_LIMIT + 1])
        if len(hits) > TEXT_IDS_LIMIT:
            matches |= Q(summary__icontains=term)
        else:
            complaint_ids += hits
    return queryset.filter(matches | _one_of(complaint_ids))


def _one_of(ids: list[int]) -> Q:
    """pk IN ids. On PostgreSQL as one array parameter: a list of a thousand placeholders cost
    more to build and parse than the search itself."""
    if ids and connection.vendor == "postgresql":
        return Q(pk__in=RawSQL("SELECT unnest(%s::bigint[])", (list(ids),)))
    return Q(pk__in=ids)


# --- Saved queues -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SavedQueue:
    key: str
    label: str
    params: dict
    help: str

    @property
    def url(self) -> str:
        return f"{reverse('admin:complaints_complaint_changelist')}?{urlencode(self.params)}"


def saved_queues(user) -> list[SavedQueue]:
    """One-click queues for the admin index and the top of the changelist."""
    queues = []
    if user.has_perm("complaints.work_complaint"):
        queues.append(SavedQueue("mine", _("My queue"), {"assignee": "me"}, _("Open complaints assigned to you")))
        if team_of(user):
            queues.append(SavedQueue("team", _("My team"), {"assignee": "team"}, _("Open complaints of your team")))
        queues.append(SavedQueue("unassigned", _("Unassigned"), {"assignee": "unassigned"}, _("Open complaints nobody handles yet")))
    if user.has_perm("complaints.approve_resolution"):
        queues.append(SavedQueue("approval", _("Awaiting my approval"), {"approval": "mine"},
                                 _("Resolutions above the proposer's limit that yours covers")))  # fmt: skip
        queues.append(SavedQueue("failed", _("Failed remedies"), {"remedy": "failed"}, _("Payouts that failed and need a decision")))
    if user.has_perm("complaints.decide_appeal"):
        queues.append(SavedQueue("appeals", _("Appeals"), {"state": State.APPEALED}, _("Appeals waiting for a decision")))
    if user.has_perm("complaints.view_complaint"):
        queues.append(SavedQueue("breached", _("Deadline breached"), {"deadline": "breached"}, _("Open complaints past a deadline: the legal decision date or a service target")))
    return queues
