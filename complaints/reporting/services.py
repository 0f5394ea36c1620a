"""Root-cause tags, incidents and the actions across an incident's complaints.

Linking and tagging lock the complaint and append an audit event to its chain (ids only).
The actions across an incident call the complaint services once per complaint, each in its
own transaction, so every complaint gets its own policy check, history, audit event and
notification, and one refusal does not stop the others.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from complaints import policies, services
from complaints.audit import audit_append
from complaints.exceptions import ActionRefused, NotPermitted
from complaints.models import Complaint

from .models import DecisionRootCause, Incident, IncidentLink, RootCause

# Complaints about the same category and asset within this window of an incident's start are
# suggested for it.
SUGGESTION_WINDOW = timedelta(days=3)


def _lock(complaint: Complaint) -> Complaint:
    return Complaint.objects.select_for_update().get(pk=complaint.pk)


# --- Root causes --------------------------------------------------------------------------------------


@transaction.atomic
def decision_tag_root_causes(*, complaint: Complaint, actor, root_causes) -> list[int]:
    """Record the root causes of a complaint's decision (replacing earlier tags). Called right
    after the decision service, in the same transaction, by whoever took the decision."""
    complaint = _lock(complaint)
    policies.ensure_can_work(actor, complaint)
    chosen = sorted({cause.pk for cause in root_causes})
    if RootCause.objects.filter(pk__in=chosen, is_active=False).exists():
        raise ValidationError({"root_causes": _("Choose root causes that are in use.")})
    current = set(DecisionRootCause.objects.filter(complaint=complaint).values_list("root_cause_id", flat=True))
    if current == set(chosen):
        return chosen
    DecisionRootCause.objects.filter(complaint=complaint).exclude(root_cause_id__in=chosen).delete()
    DecisionRootCause.objects.bulk_create(
        [DecisionRootCause(complaint=complaint, root_cause_id=pk, tagged_by=actor) for pk in chosen if pk not in current]
    )
    audit_append(complaint=complaint, actor=actor, action="tag_root_causes", data={"root_causes": chosen})
    return chosen


# --- Incidents ------------------------------------------------------------------------------------------


@transaction.atomic
def incident_link(*, incident: Incident, complaint: Complaint, actor) -> bool:
    """Link a complaint to an incident. False when it already was."""
    complaint = _lock(complaint)
    policies.ensure_staff_with(actor, "reporting.add_incidentlink", complaint)
    _link, created = IncidentLink.objects.get_or_create(incident=incident, complaint=complaint, defaults={"linked_by": actor})
    if created:
        audit_append(complaint=complaint, actor=actor, action="incident_link", data={"incident": incident.pk})
    return created


@transaction.atomic
def incident_unlink(*, incident: Incident, complaint: Complaint, actor) -> bool:
    complaint = _lock(complaint)
    policies.ensure_staff_with(actor, "reporting.delete_incidentlink", complaint)
    deleted, _rows = IncidentLink.objects.filter(incident=incident, complaint=complaint).delete()
    if deleted:
        audit_append(complaint=complaint, actor=actor, action="incident_unlink", data={"incident": incident.pk})
    return bool(deleted)


def incident_suggestions(incident: Incident, limit: int = 50):
    """Open complaints not yet linked that share the incident's category (and asset, when it
    names one) and were received within the window around its start or during it."""
    since = incident.started_at - SUGGESTION_WINDOW
    until = (incident.ended_at or incident.started_at) + SUGGESTION_WINDOW
    found = Complaint.objects.open().filter(received_at__gte=since, received_at__lte=until)
    if incident.category:
        found = found.filter(category=incident.category)
    if incident.asset:
        found = found.filter(disputed_asset__iexact=incident.asset)
    return found.exclude(incident_links__incident=incident).order_by("received_at", "id")[:limit]


def incident_suggest_for(complaint: Complaint):
    """Incidents a complaint may belong to: same category (and asset when the incident names
    one), open or ended within the window of its receipt."""
    received = complaint.received_at
    found = Incident.objects.filter(category=complaint.category, started_at__lte=received + SUGGESTION_WINDOW)
    found = found.exclude(ended_at__lt=received - SUGGESTION_WINDOW).exclude(links__complaint=complaint)
    return [incident for incident in found if not incident.asset or incident.asset.upper() == complaint.disputed_asset.upper()]


# --- Across an incident ---------------------------------------------------------------------------------


@dataclass
class BulkResult:
    done: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def _ensure_can_act(actor) -> None:
    if actor is None or not actor.is_staff or not actor.has_perm("reporting.act_on_incident"):
        raise NotPermitted(_("Your role does not allow acting across an incident."))


def _each_linked(incident: Incident, actor, step) -> BulkResult:
    _ensure_can_act(actor)
    result = BulkResult()
    for complaint in Complaint.objects.filter(incident_links__incident=incident).order_by("received_at", "id"):
        try:
            with transaction.atomic():
                step(complaint)
            result.done.append(complaint.reference)
        except ActionRefused as refused:
            result.refused.append(f"{complaint.reference}: {refused.message}")
        except ValidationError as invalid:
            result.refused.append(f"{complaint.reference}: {' '.join(invalid.messages)}")
    return result


def incident_message_all(*, incident: Incident, actor, body: str, internal: bool = False) -> BulkResult:
    """The same message on every linked complaint (complaint_add_message for each)."""
    if not (body or "").strip():
        raise ValidationError({"body": _("Write a message.")})
    return _each_linked(
        incident, actor,
        lambda complaint: services.complaint_add_message(complaint=complaint, actor=actor, body=body, internal=internal),
    )  # fmt: skip


def incident_propose_same_remedy(*, incident: Incident, actor, decision: services.Decision, root_causes=()) -> BulkResult:
    """Propose the same resolution on every linked complaint the actor handles
    (complaint_propose_resolution for each), tagged with the same root causes."""

    def propose(complaint):
        services.complaint_propose_resolution(complaint=complaint, actor=actor, decision=decision)
        if root_causes:
            decision_tag_root_causes(complaint=complaint, actor=actor, root_causes=root_causes)

    return _each_linked(incident, actor, propose)
