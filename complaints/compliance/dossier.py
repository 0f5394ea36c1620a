"""A complaint's dossier: every stage reconstituted, as MiCA's record-keeping rules ask.

The timeline of its audit chain (who, when, from which state to which, and why: the change
reason of the history row that transition wrote), every field change with what stood before
(consecutive simple-history rows diffed), every message including internal notes, evidence
with its sha256, remedies and their history, deadlines and extensions, legal holds, and
whether the chain verifies against the seals.

Each section is one query, so the page's query count does not grow with the complaint. The
same sections feed the page (as lists) and the exports (streamed with iterator()).
"""

from collections import defaultdict, deque
from collections.abc import Iterator
import dataclasses
from dataclasses import dataclass
from datetime import datetime

from complaints.audit import verify_chains
from complaints.models import AuditChain, AuditEvent, Complaint, Remedy

from .models import Erasure, LegalHold, Seal, SealedHead

NOISE = {"version", "updated_at"}
CHUNK = 2000


@dataclass
class Entry:
    section: str
    at: datetime | None
    actor: str = ""
    action: str = ""
    subject: str = ""
    field: str = ""
    before: str = ""
    after: str = ""
    detail: dict = dataclasses.field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "section": self.section, "at": self.at.isoformat() if self.at else None, "actor": self.actor,
            "action": self.action, "subject": self.subject, "field": self.field, "before": self.before,
            "after": self.after, "detail": self.detail,
        }  # fmt: skip


def _rows(queryset, stream: bool):
    return queryset.iterator(chunk_size=CHUNK) if stream else queryset


def _who(user) -> str:
    return user.email if user is not None else "system"


def _text(value) -> str:
    return "" if value is None else str(value)


# --- Timeline: the audit chain, with the reason of each transition -----------------------------------


def _reasons_by_action(complaint: Complaint, stream: bool) -> dict[str, deque]:
    """Each transition saves the complaint once, with the change reason "action: why"."""
    reasons = defaultdict(deque)
    rows = complaint.history.order_by("history_date", "history_id").values_list("history_change_reason", flat=True)
    for reason in _rows(rows, stream):
        action, _sep, why = (reason or "").partition(": ")
        reasons[action].append(why)
    return reasons


def timeline(complaint: Complaint, *, stream=False) -> Iterator[Entry]:
    reasons = _reasons_by_action(complaint, stream)
    events = AuditEvent.objects.filter(complaint=complaint).select_related("actor").order_by("seq")
    for event in _rows(events, stream):
        transition = event.from_state != event.to_state and bool(event.to_state)
        why = reasons[event.action].popleft() if transition and reasons[event.action] else ""
        yield Entry(
            "timeline", event.at, _who(event.actor), event.action, f"#{event.seq}", "state",
            event.from_state, event.to_state, {"reason": why, "data": event.data, "hash": event.hash},
        )  # fmt: skip


# --- Field changes: consecutive history rows, diffed ------------------------------------------------


def _diff_entries(section: str, subject: str, previous, row) -> Iterator[Entry]:
    who, reason = _who(row.history_user), row.history_change_reason or ""
    if previous is None:
        changes = [(f.attname, "", getattr(row, f.attname)) for f in row.instance_type._meta.concrete_fields]
        changes = [(name, old, new) for name, old, new in changes if new not in (None, "", False) and name not in NOISE]
    else:
        delta = row.diff_against(previous)
        changes = [(change.field, change.old, change.new) for change in delta.changes if change.field not in NOISE]
    for name, old, new in changes:
        yield Entry(section, row.history_date, who, reason or row.get_history_type_display(), subject, name, _text(old), _text(new))


def _field_changes(queryset, section: str, subject_of, stream: bool) -> Iterator[Entry]:
    previous_by_object = {}
    for row in _rows(queryset.select_related("history_user").order_by("id", "history_date", "history_id"), stream):
        yield from _diff_entries(section, subject_of(row), previous_by_object.get(row.id), row)
        previous_by_object[row.id] = row


def field_changes(complaint: Complaint, *, stream=False) -> Iterator[Entry]:
    return _field_changes(complaint.history.all(), "change", lambda row: complaint.reference, stream)


def remedy_changes(complaint: Complaint, *, stream=False) -> Iterator[Entry]:
    rows = Remedy.history.filter(complaint_id=complaint.pk)
    return _field_changes(rows, "remedy_change", lambda row: f"remedy {row.id}", stream)


# --- Conversation, evidence, remedies --------------------------------------------------------------------


def messages(complaint: Complaint, *, stream=False) -> Iterator[Entry]:
    for message in _rows(complaint.messages.select_related("author").order_by("created_at", "id"), stream):
        yield Entry(
            "message", message.created_at, _who(message.author), message.kind, f"message {message.pk}",
            detail={"visibility": message.visibility, "channel": message.channel, "body": message.body},
        )  # fmt: skip


def evidence(complaint: Complaint, *, stream=False) -> Iterator[Entry]:
    for item in _rows(complaint.evidence.select_related("uploaded_by").order_by("uploaded_at", "id"), stream):
        yield Entry(
            "evidence", item.uploaded_at, _who(item.uploaded_by), item.purpose, f"evidence {item.pk}",
            detail={"name": item.original_name, "sha256": item.sha256, "size": item.size, "content_type": item.content_type,
                    "message": item.message_id, "id": item.pk},
        )  # fmt: skip


def remedies(complaint: Complaint, *, stream=False) -> Iterator[Entry]:
    rows = complaint.remedies.select_related("proposed_by", "approved_by").order_by("created_at", "id")
    for remedy in _rows(rows, stream):
        yield Entry(
            "remedy", remedy.created_at, _who(remedy.proposed_by), remedy.state, f"remedy {remedy.pk}",
            detail={"kind": remedy.kind, "amount": _text(remedy.amount), "asset": remedy.asset,
                    "reference_value": _text(remedy.reference_value), "approved_by": _who(remedy.approved_by) if remedy.approved_by_id else "",
                    "from_appeal": remedy.from_appeal, "ledger_reference": remedy.ledger_reference, "details": remedy.details},
        )  # fmt: skip


# --- Deadlines, holds, erasure -----------------------------------------------------------------------------


DEADLINE_FIELDS = ["acknowledgement_due_at", "decision_due_at", "first_response_due_at", "resolution_due_at", "archive_at"]


def deadlines(complaint: Complaint, *, stream=False) -> Iterator[Entry]:
    from escalation.models import ClockPause, ComplaintClock, DeadlineExtension

    clock = ComplaintClock.objects.filter(pk=complaint.pk).select_related("regime").first()
    if clock is not None:
        due = {name: _text(getattr(clock, name)) for name in DEADLINE_FIELDS}
        yield Entry("deadline", clock.updated_at, subject=clock.regime.name if clock.regime else "", detail=due)
    extensions = DeadlineExtension.objects.filter(complaint=complaint).select_related("extended_by").order_by("created_at", "id")
    for extension in _rows(extensions, stream):
        yield Entry(
            "extension", extension.created_at, _who(extension.extended_by), "extend", extension.clock, "due_at",
            _text(extension.previous_due_at), _text(extension.new_due_at), {"reason": extension.reason},
        )  # fmt: skip
    for pause in _rows(ClockPause.objects.filter(complaint=complaint).order_by("started_at"), stream):
        yield Entry("pause", pause.started_at, action="sla_paused", detail={"ended_at": _text(pause.ended_at)})


def holds(complaint: Complaint, *, stream=False) -> Iterator[Entry]:
    rows = LegalHold.objects.covering(complaint).select_related("placed_by", "lifted_by").order_by("placed_at")
    for hold in _rows(rows, stream):
        yield Entry(
            "legal_hold", hold.placed_at, _who(hold.placed_by), "placed", "complaint" if hold.complaint_id else "customer",
            detail={"reason": hold.reason, "lifted_at": _text(hold.lifted_at),
                    "lifted_by": _who(hold.lifted_by) if hold.lifted_by_id else "", "lift_reason": hold.lift_reason},
        )  # fmt: skip
    erasure = Erasure.objects.filter(complaint=complaint).first()
    if erasure is not None:
        yield Entry("erasure", erasure.erased_at, _who(None), "personal_data_erased", detail=erasure.counts)


SECTIONS = (timeline, field_changes, messages, evidence, remedies, remedy_changes, deadlines, holds)


def entries(complaint: Complaint, *, stream=True) -> Iterator[Entry]:
    """Every entry of the dossier, section by section (for the exports)."""
    for section in SECTIONS:
        yield from section(complaint, stream=stream)


# --- The chain's status ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainStatus:
    verified: bool
    problem: str
    head_seq: int
    sealed_seq: int
    seal: Seal | None


def chain_status(complaint: Complaint) -> ChainStatus:
    """This complaint's chain recomputed, checked against the seals that covered it."""
    from .seals import GRACE, coverage

    chain = AuditChain.objects.filter(complaint=complaint).first()
    if chain is None:
        return ChainStatus(False, "no audit chain", 0, 0, None)
    latest = Seal.objects.order_by("-seq").first()
    covered_before = latest.sealed_at - GRACE if latest else None
    problem = next(verify_chains(chain_ids=[chain.pk], coverage=coverage([chain.pk], covered_before)), None)
    sealed = SealedHead.objects.filter(chain_id=chain.pk).select_related("seal").order_by("-head_seq").first()
    return ChainStatus(
        problem is None, str(problem or ""), chain.head_seq, sealed.head_seq if sealed else 0, sealed.seal if sealed else None
    )


@dataclass
class Dossier:
    complaint: Complaint
    sections: dict[str, list[Entry]]
    chain: ChainStatus


def dossier_build(complaint: Complaint) -> Dossier:
    sections = {section.__name__: list(section(complaint, stream=False)) for section in SECTIONS}
    return Dossier(complaint=complaint, sections=sections, chain=chain_status(complaint))
