"""What a member of staff may do to a complaint now, and doing it.

`available_actions(user, complaint)` is the one answer to "which buttons": the complaint page
renders exactly these, the tests assert on them, and the action view refuses anything else the
same way. Each action pairs a rule about the actor (from complaints.policies, raising
NotPermitted) with a rule about the complaint (django-fsm's can_proceed on the model's
transition, or a state check), and names the form whose `perform` calls the service.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed

from complaints import policies
from complaints.choices import RemedyState, State
from complaints.exceptions import NotPermitted
from complaints.models import Complaint

from . import forms

# --- Rules about the actor (each raises NotPermitted) -------------------------------------------------


def _pending_total(complaint: Complaint) -> Decimal:
    remedies = getattr(complaint, "console_remedies", None)
    if remedies is None:
        remedies = list(complaint.remedies.all())
    return sum((r.reference_value for r in remedies if r.state == RemedyState.PROPOSED), Decimal(0))


def live_total(remedies) -> Decimal:
    """What the live remedies of a decision are worth in the reference currency."""
    return sum((r.reference_value for r in remedies if r.is_live), Decimal(0))


def may_approve(user, complaint) -> None:
    policies.ensure_can_approve(user, complaint, _pending_total(complaint))


def may_return_for_rework(user, complaint) -> None:
    # The same rule complaint_return_for_rework applies.
    policies.ensure_staff_with(user, "complaints.approve_resolution", complaint)
    if user.pk == complaint.decider_id:
        raise NotPermitted(_("The proposer can't return their own resolution; ask a supervisor."))


def may_write(user, complaint) -> None:
    policies.ensure_staff_with(user, "complaints.add_message", complaint)


def may_declare_conflict(user, complaint) -> None:
    """Anyone who could act on the complaint may recuse themselves (not read-only roles)."""
    acting = ("complaints.work_complaint", "complaints.decide_appeal", "complaints.approve_resolution")
    if not user.is_active or not user.is_staff or not any(user.has_perm(p) for p in acting):
        raise NotPermitted(_("Only staff who act on complaints declare conflicts here."))
    if policies.is_conflicted(user, complaint):
        raise NotPermitted(_("You declared a conflict of interest on this complaint."))


def may_handle_failed_remedies(user, complaint) -> None:
    """A failed payout is a supervisor's decision: retry it or cancel it."""
    policies.ensure_staff_with(user, "complaints.approve_resolution", complaint)


# --- Rules about the complaint ------------------------------------------------------------------------


def can(transition: str, *, conditions: bool = True) -> Callable[[Complaint], bool]:
    def check(complaint: Complaint) -> bool:
        return can_proceed(getattr(complaint, transition), check_conditions=conditions)

    check.__name__ = f"can_{transition}"
    return check


def is_open(complaint: Complaint) -> bool:
    return complaint.is_open


def not_archived(complaint: Complaint) -> bool:
    return complaint.state != State.ARCHIVED


def has_remedies(*states) -> Callable[[Complaint], bool]:
    def check(complaint: Complaint) -> bool:
        remedies = getattr(complaint, "console_remedies", None)
        if remedies is None:
            remedies = list(complaint.remedies.all())
        return any(r.state in states for r in remedies)

    return check


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    form_class: type
    permits: Callable  # (user, complaint) -> None, raises NotPermitted
    applies: Callable  # (complaint) -> bool
    group: str = "transition"  # transition | handling | conversation | evidence | remedy | related
    style: str = ""
    check_version: bool = True
    bulk: bool = False
    help: str = ""

    def refusal(self, user, complaint) -> NotPermitted | None:
        try:
            self.permits(user, complaint)
        except NotPermitted as refused:
            return refused
        return None


TRANSITIONS = [
    Action("start_investigation", _("Start investigation"), forms.StartInvestigationForm, policies.ensure_can_work,
           can("start_investigation", conditions=False), style="primary", bulk=True,
           help=_("Classify it (category, priority, team) and hand it to a handler.")),
    Action("propose_resolution", _("Propose resolution"), forms.ProposeResolutionForm, policies.ensure_handler,
           can("propose_resolution"), style="primary",
           help=_("Above your approval limit, it goes to a supervisor for approval first.")),
    Action("approve_resolution", _("Approve resolution"), forms.ApproveForm, may_approve, can("approve_resolution"),
           style="primary", bulk=True),
    Action("return_for_rework", _("Return for rework"), forms.ReturnForReworkForm, may_return_for_rework,
           can("return_for_rework")),
    Action("request_information", _("Ask the customer for information"), forms.RequestInformationForm,
           policies.ensure_can_work, can("request_information"), bulk=True),
    Action("receive_information", _("Log the customer's answer"), forms.LogInformationForm, policies.ensure_can_work,
           can("receive_information"), help=_("For an answer given by phone, chat or at a branch.")),
    Action("decide_appeal", _("Decide the appeal"), forms.DecideAppealForm, policies.ensure_can_review_appeal,
           can("decide_appeal"), style="primary"),
    Action("reject_out_of_scope", _("Reject as out of scope"), forms.RejectOutOfScopeForm, policies.ensure_can_work,
           can("reject_out_of_scope"), style="danger", bulk=True),
    Action("merge", _("Merge into original (duplicate)"), forms.MergeForm, policies.ensure_can_work,
           can("close_as_duplicate"), style="danger", group="related"),
    Action("reopen", _("Reopen"), forms.ReopenForm, policies.ensure_can_reopen, can("reopen"), bulk=True),
]  # fmt: skip

OTHERS = [
    Action("assign", _("Assign"), forms.AssignForm, policies.ensure_can_work, is_open, group="handling", check_version=False),
    Action("transfer", _("Transfer to another team"), forms.TransferForm, policies.ensure_can_work, is_open, group="handling"),
    Action("declare_conflict", _("Declare a conflict of interest"), forms.ConflictForm, may_declare_conflict, not_archived,
           group="handling", check_version=False),
    Action("message", _("Reply or add a note"), forms.MessageForm, may_write, not_archived, group="conversation",
           check_version=False),
    Action("attach_evidence", _("Attach evidence"), forms.EvidenceForm, policies.ensure_can_work, is_open, group="evidence",
           check_version=False),
    Action("link", _("Link a related complaint"), forms.LinkForm, policies.ensure_can_work, not_archived, group="related",
           check_version=False),
    Action("remedy_execute", _("Record execution"), forms.RemedyExecuteForm, policies.ensure_can_work,
           has_remedies(RemedyState.ACCEPTED), group="remedy", check_version=False),
    Action("remedy_fail", _("Record failure"), forms.RemedyFailForm, policies.ensure_can_work,
           has_remedies(RemedyState.ACCEPTED), group="remedy", check_version=False),
    Action("remedy_retry", _("Retry"), forms.RemedyRetryForm, may_handle_failed_remedies,
           has_remedies(RemedyState.FAILED), group="remedy", check_version=False),
    Action("remedy_cancel", _("Cancel"), forms.RemedyCancelForm, may_handle_failed_remedies,
           has_remedies(RemedyState.FAILED), group="remedy", check_version=False),
]  # fmt: skip

BULK_ONLY = [
    Action("set_priority", _("Change priority"), forms.PriorityForm, policies.ensure_can_work, is_open, group="handling",
           check_version=False, bulk=True),
]  # fmt: skip

ACTIONS: dict[str, Action] = {action.name: action for action in TRANSITIONS + OTHERS + BULK_ONLY}


def available_actions(user, complaint: Complaint, *, include_bulk_only: bool = False) -> list[Action]:
    """The actions this user may take on this complaint now, in display order.

    Rules about the actor are asked once each (several actions share one), and the declared
    conflict they all look for is read once.
    """
    verdicts: dict[Callable, bool] = {}
    found = []
    with policies.conflicts_remembered():
        for action in TRANSITIONS + OTHERS + (BULK_ONLY if include_bulk_only else []):
            if not action.applies(complaint):
                continue
            if action.permits not in verdicts:
                verdicts[action.permits] = action.refusal(user, complaint) is None
            if verdicts[action.permits]:
                found.append(action)
    return found


def available_names(user, complaint: Complaint) -> list[str]:
    return [action.name for action in available_actions(user, complaint)]
