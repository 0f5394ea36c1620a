"""Who may act on a complaint. Each rule is written once here and called by the services.

django-fsm checks `permission=` only when asked, so the actor rules live here and every
service calls them before it touches the row. Each raises NotPermitted with a sentence a
person can act on.
"""

from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.models import ConflictOfInterest

from .choices import State
from .exceptions import NotPermitted


# Set by conflicts_remembered(): (staff, complaint, customer) -> whether a conflict is declared.
_remembered: ContextVar[dict | None] = ContextVar("remembered_conflicts", default=None)


def is_conflicted(user, complaint) -> bool:
    remembered = _remembered.get()
    key = (user.pk, complaint.pk, complaint.customer_id)
    if remembered is not None and key in remembered:
        return remembered[key]
    found = ConflictOfInterest.objects.filter(
        Q(complaint_id=complaint.pk) | Q(customer_id=complaint.customer_id), staff=user
    ).exists()
    if remembered is not None:
        remembered[key] = found
    return found


@contextmanager
def conflicts_remembered():
    """Within, each person's conflict on a complaint is read once, however many rules ask.
    For deciding which actions to offer; the services run their checks outside it, under
    the complaint's row lock."""
    token = _remembered.set({})
    try:
        yield
    finally:
        _remembered.reset(token)


def is_the_customer(actor, complaint) -> bool:
    """Whether the complaint's own customer is acting (their rules differ from staff's)."""
    return actor is not None and actor.pk == complaint.customer_id


def ensure_customer_or_worker(actor, complaint) -> bool:
    """The customer, or staff who may work the complaint; True when it is the customer."""
    if is_the_customer(actor, complaint):
        ensure_customer(actor, complaint)
        return True
    ensure_can_work(actor, complaint)
    return False


def ensure_system(actor) -> None:
    if actor is not None:
        raise NotPermitted(_("Only the system takes this step; it runs on its own when due."))


def ensure_customer(actor, complaint) -> None:
    if actor is None or not actor.is_active or actor.pk != complaint.customer_id:
        raise NotPermitted(_("Only the customer who filed this complaint can do this, signed in."))


def ensure_staff_with(actor, permission: str, complaint) -> None:
    if actor is None or not actor.is_active or not actor.is_staff:
        raise NotPermitted(_("Only a member of staff can do this."))
    if not actor.has_perm(permission):
        raise NotPermitted(_("Your role does not allow this action."))
    if is_conflicted(actor, complaint):
        raise NotPermitted(_("You declared a conflict of interest on this complaint."))


def ensure_can_work(actor, complaint) -> None:
    """Agents, specialists and supervisors work complaints; an appeals reviewer works an
    appeal, including logging the customer's answer while the appeal awaits them."""
    in_appeal = complaint.state == State.APPEALED or (
        complaint.state == State.AWAITING_CUSTOMER and complaint.return_state == State.APPEALED
    )
    if in_appeal and actor is not None and actor.has_perm("complaints.decide_appeal"):
        ensure_can_review_appeal(actor, complaint)
        return
    ensure_staff_with(actor, "complaints.work_complaint", complaint)


def ensure_handler(actor, complaint) -> None:
    ensure_can_work(actor, complaint)
    if complaint.assignee_id != actor.pk:
        raise NotPermitted(_("Only the complaint's handler (its assignee) can do this."))


def ensure_can_approve(actor, complaint, total: Decimal) -> None:
    ensure_staff_with(actor, "complaints.approve_resolution", complaint)
    if actor.pk == complaint.decider_id:
        raise NotPermitted(_("The person who proposed a resolution cannot approve it."))
    if total > actor.approval_limit:
        raise NotPermitted(
            _("These remedies total %(total)s, above your approval limit of %(limit)s.")
            % {"total": f"{total:,.2f}", "limit": f"{actor.approval_limit:,.2f}"}
        )


def ensure_can_review_appeal(actor, complaint) -> None:
    ensure_staff_with(actor, "complaints.decide_appeal", complaint)
    if actor.pk in {complaint.decider_id, complaint.approver_id}:
        raise NotPermitted(_("An appeal must be decided by someone who neither decided nor approved the case."))


def ensure_can_reopen(actor, complaint) -> None:
    ensure_staff_with(actor, "complaints.reopen_complaint", complaint)
