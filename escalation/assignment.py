"""Who gets a complaint: the least-loaded available person, never someone conflicted.

Load is the number of open complaints a person is assigned. Available means active staff,
not out of office, holding the permission the work needs (roles may be granted differently
per site, so permissions are checked, not group names). Appeals go to an appeals reviewer who
neither decided nor approved the case; when nobody is eligible the appeal waits, unassigned,
in the supervisors' queue.
"""

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ConflictOfInterest, Team, User
from complaints import policies
from complaints.audit import audit_append
from complaints.choices import State
from complaints.exceptions import NotPermitted, WrongState
from complaints.models import OPEN_STATE_VALUES, AuditEvent, Complaint

from .models import SupervisorQueueItem

WORK = "complaints.work_complaint"
SUPERVISE = "complaints.approve_resolution"
REVIEW = "complaints.decide_appeal"
# The audited steps whose actor decided or approved the case: none of them may review its appeal.
DECIDING_ACTIONS = ("propose_resolution", "submit_for_approval", "approve_resolution", "reject_out_of_scope", "close_as_duplicate")


def _permission(name: str) -> Permission:
    app_label, codename = name.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def holders(permission: str):
    """Active staff holding a permission through a role or directly (superusers only if so)."""
    perm = _permission(permission)
    through_role = Group.permissions.through.objects.filter(permission=perm, group__user=OuterRef("pk"))
    direct = User.user_permissions.through.objects.filter(permission=perm, user=OuterRef("pk"))
    return User.objects.filter(Exists(through_role) | Exists(direct), is_active=True, is_staff=True)


def loads(user_ids) -> dict[int, int]:
    """Open complaints assigned to each of these people: one grouped index-only count."""
    counted = (
        Complaint.objects.filter(assignee_id__in=list(user_ids), state__in=OPEN_STATE_VALUES)
        .order_by().values_list("assignee_id").annotate(n=Count("pk"))
    )  # fmt: skip
    return dict(counted)


def available(users, complaint: Complaint):
    conflicted = ConflictOfInterest.objects.filter(
        Q(complaint_id=complaint.pk) | Q(customer_id=complaint.customer_id), staff=OuterRef("pk")
    )
    return users.exclude(staff_profile__out_of_office=True).exclude(Exists(conflicted))


def least_loaded(users, complaint: Complaint, *, exclude=()) -> User | None:
    """The available user with the fewest open complaints (the longest-serving on a tie).
    Candidates first, then their loads: a correlated count per candidate would let one
    heavily loaded person skew the plan."""
    candidates = list(available(users, complaint).exclude(pk__in=[pk for pk in exclude if pk]).order_by("pk")[:500])
    if not candidates:
        return None
    load = loads(user.pk for user in candidates)
    return min(candidates, key=lambda user: (load.get(user.pk, 0), user.pk))


def team_member_for(complaint: Complaint, team: Team) -> User | None:
    return least_loaded(holders(WORK).filter(staff_profile__team=team), complaint)


def supervisor_for(complaint: Complaint) -> User | None:
    """Tier two: a supervisor of the complaint's team if one is free, else any supervisor."""
    supervisors = holders(SUPERVISE)
    if complaint.team_id:
        chosen = least_loaded(supervisors.filter(staff_profile__team_id=complaint.team_id), complaint)
        if chosen:
            return chosen
    return least_loaded(supervisors, complaint)


# --- Appeals ----------------------------------------------------------------------------------------------


def deciders_of(complaint: Complaint) -> set[int]:
    """Everyone who decided or approved any decision on the case, as its audit chain shows."""
    ids = {complaint.decider_id, complaint.approver_id}
    ids |= set(AuditEvent.objects.filter(complaint=complaint, action__in=DECIDING_ACTIONS).values_list("actor_id", flat=True))
    ids |= set(complaint.remedies.exclude(approved_by=None).values_list("approved_by", flat=True))
    return ids - {None}


def appeal_reviewer_refusal(complaint: Complaint, user) -> str | None:
    """Why this person may not review the complaint's appeal, or None when they may."""
    if user is None or not user.is_active or not user.is_staff or not user.has_perm(REVIEW):
        return _("Only an appeals reviewer can be given an appeal.")
    if user.pk in deciders_of(complaint):
        return _("An appeal must be reviewed by someone who neither decided nor approved the case.")
    if policies.is_conflicted(user, complaint):
        return _("%(name)s declared a conflict of interest on this complaint.") % {"name": user}
    return None


def appeal_reviewer_for(complaint: Complaint) -> User | None:
    reviewers = holders(REVIEW)
    team = Team.objects.filter(code=Team.Code.APPEALS).first()
    exclude = deciders_of(complaint)
    if team is not None:
        chosen = least_loaded(reviewers.filter(staff_profile__team=team), complaint, exclude=exclude)
        if chosen:
            return chosen
    return least_loaded(reviewers, complaint, exclude=exclude)


def in_appeal(complaint: Complaint) -> bool:
    return complaint.state == State.APPEALED or (
        complaint.state == State.AWAITING_CUSTOMER and complaint.return_state == State.APPEALED
    )


def route_appeal(complaint: Complaint) -> dict:
    """Send an appeal to the appeals team and its least-loaded eligible reviewer; with nobody
    eligible, leave it unassigned in the supervisors' queue. Sets the fields on the instance
    (the appeal transition saves them) and returns what the audit event records."""
    team = Team.objects.filter(code=Team.Code.APPEALS).first()
    reviewer = appeal_reviewer_for(complaint)
    complaint.team = team or complaint.team
    complaint.assignee = reviewer
    if reviewer is None:
        queue_add(complaint, SupervisorQueueItem.Reason.APPEAL_UNASSIGNED)
    return {"routed_to": reviewer.pk if reviewer else None, "team": complaint.team_id, "supervisor_queue": reviewer is None}


# --- The supervisors' queue -----------------------------------------------------------------------------------


def queue_add(complaint: Complaint, reason: str) -> SupervisorQueueItem:
    item = SupervisorQueueItem.objects.filter(complaint=complaint, reason=reason, resolved_at__isnull=True).first()
    return item or SupervisorQueueItem.objects.create(complaint=complaint, reason=reason)


def queue_resolve(complaint: Complaint, reasons, actor=None) -> int:
    return SupervisorQueueItem.objects.filter(complaint=complaint, reason__in=reasons, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolved_by=actor
    )


# --- Services ----------------------------------------------------------------------------------------------------


def _assign(complaint: Complaint, assignee, actor, reason: str, data: dict) -> None:
    before = {"assignee": complaint.assignee_id, "team": complaint.team_id}
    complaint.assignee = assignee
    complaint._change_reason, complaint._history_user = reason[:100], actor
    complaint.save()
    audit_append(
        complaint=complaint, actor=actor, action="assign",
        data={"before": before, "after": {"assignee": complaint.assignee_id, "team": complaint.team_id}, **data},
    )  # fmt: skip


@transaction.atomic
def complaint_assign_least_loaded(*, complaint: Complaint, actor=None) -> Complaint:
    """Give the complaint to the least-loaded available member of its team (for an appeal, to
    an eligible appeals reviewer). Staff may ask for it; the system does it on its own."""
    from complaints import services
    from .services import clocks_recompute

    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if actor is not None:
        policies.ensure_can_work(actor, complaint)
    if not complaint.is_open:
        raise WrongState(_("A closed complaint can't be reassigned."))
    if in_appeal(complaint):
        chosen = appeal_reviewer_for(complaint)
    elif complaint.team_id is None:
        raise ValidationError({"team": _("Choose the complaint's team first.")})
    else:
        chosen = team_member_for(complaint, complaint.team)
    if chosen is None:
        raise WrongState(_("Nobody in the team is available: everyone is out of office, conflicted or lacks the role."))
    if actor is not None:
        return services.complaint_assign(complaint=complaint, actor=actor, assignee=chosen)
    _assign(complaint, chosen, None, "assign: least loaded", {"auto": True})
    clocks_recompute(complaint)
    return complaint


def _team_loads(team: Team) -> list[tuple[int, User]]:
    members = list(holders(WORK).filter(staff_profile__team=team).exclude(staff_profile__out_of_office=True).order_by("pk"))
    load = loads(member.pk for member in members)
    return sorted(((load.get(member.pk, 0), member) for member in members), key=lambda pair: (pair[0], pair[1].pk))


def _movable(team: Team, assignee_ids):
    return (
        Complaint.objects.filter(team=team, assignee_id__in=assignee_ids, state__in=OPEN_STATE_VALUES)
        .exclude(state__in=[State.APPEALED, State.AWAITING_APPROVAL])
        .order_by("-received_at", "-pk")
    )


@transaction.atomic
def team_rebalance(*, team: Team, actor, limit: int = 100) -> list[tuple[int, int | None, int]]:
    """A supervisor evens out a team's load: complaints of members out of office go to those
    present, then from the busiest to the least busy until no one has two more than another.
    Each move is an ordinary audited assignment. Returns (complaint, from, to) for each move."""
    from complaints import services

    if actor is None or not actor.is_active or not actor.has_perm(SUPERVISE):
        raise NotPermitted(_("Only a supervisor can rebalance a team."))
    moves = []
    away = list(holders(WORK).filter(staff_profile__team=team, staff_profile__out_of_office=True).values_list("pk", flat=True))
    for complaint in _movable(team, away)[:limit]:
        target = team_member_for(complaint, team)
        if target is not None:
            moves.append((complaint.pk, complaint.assignee_id, target.pk))
            services.complaint_assign(complaint=complaint, actor=actor, assignee=target)
    while len(moves) < limit:
        ranked = _team_loads(team)
        if len(ranked) < 2 or ranked[-1][0] - ranked[0][0] <= 1:
            break
        busiest, idlest = ranked[-1][1], ranked[0][1]
        movable = [c for c in _movable(team, [busiest.pk])[:20] if not policies.is_conflicted(idlest, c)]
        if not movable:
            break
        moves.append((movable[0].pk, busiest.pk, idlest.pk))
        services.complaint_assign(complaint=movable[0], actor=actor, assignee=idlest)
    return moves
