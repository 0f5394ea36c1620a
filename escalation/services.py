"""Deadlines and escalation: the services.

`clocks_recompute` is the hook the complaint services call (every transition, message,
assignment and remedy step) with the complaint row locked: it keeps the pauses of the SLA
clock and rewrites the complaint's row of due times. The other functions are business
actions like complaints.services': keyword-only, atomic, each checking its actor, locking the
complaint, appending its audit event and queueing its notices after commit.
"""

from datetime import date, datetime
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import Team
from complaints import policies, rows
from complaints.audit import audit_append, digest
from complaints.choices import AppealOutcome, Channel, Priority, RemedyState, State
from complaints.exceptions import WrongState
from complaints.models import Complaint, Notification
from complaints.notifications import customer_language, notification_queue

from . import assignment
from .calendar import end_of_day
from .clocks import Facts, Intake, clocks_of, compute, extension_limit, load_facts
from .models import ClockKind, ClockPause, ComplaintClock, DeadlineExtension, EscalationRule, FreezeRequest, SupervisorQueueItem
from .notifications import DEEMED_ACCEPTANCE, ESCALATION_ALERT, SECURITY_PAGE, staff_notice_queue
from .terms import TermsLoader

# A customer signed in (portal, app) or an authenticated integration: their freeze request
# goes out at once. Anything else (e-mail, phone, social media…) waits for staff to confirm.
VERIFIED_CHANNELS = {Channel.WEB, Channel.IN_APP, Channel.API}
PRIORITY_UP = {Priority.P4: Priority.P3, Priority.P3: Priority.P2, Priority.P2: Priority.P1, Priority.P1: Priority.P1, "": Priority.P2}


def _lock(complaint: Complaint) -> Complaint:
    return Complaint.objects.select_for_update().get(pk=complaint.pk)


# --- Recomputing the clocks ----------------------------------------------------------------------------------


def _track_pause(complaint: Complaint, now: datetime, pauses=None) -> tuple[tuple, datetime | None]:
    """Open a pause when the complaint starts waiting on the customer; close it when it stops.
    Returns every pause as (start, end) and when the current one began (None: not paused).
    `pauses`: the complaint's pause rows, when the caller already knows them."""
    if pauses is None:
        pauses = ClockPause.objects.filter(complaint=complaint).order_by("started_at")
    pauses = list(pauses)
    open_pause = next((pause for pause in pauses if pause.ended_at is None), None)
    waiting = complaint.state == State.AWAITING_CUSTOMER
    if waiting and open_pause is None:
        started = min(complaint.information_requested_at or now, now)
        if pauses:
            started = max(started, pauses[-1].ended_at)
        open_pause = ClockPause.objects.create(complaint=complaint, started_at=started)
        pauses.append(open_pause)
    elif not waiting and open_pause is not None:
        open_pause.ended_at = max(now, open_pause.started_at)
        open_pause.save(update_fields=["ended_at"])
        open_pause = None
    return tuple((pause.started_at, pause.ended_at) for pause in pauses), (open_pause.started_at if open_pause else None)


def clocks_recompute(
    complaint: Complaint, *, loader: TermsLoader | None = None, intake: Intake | None = None
) -> ComplaintClock:
    """Rewrite the complaint's due times from its current row. The caller holds its lock.

    The regime is chosen once, the first time (at intake), and kept; the SLA policy follows
    the complaint's current priority, category and channel. About nine small queries, with
    the configuration cached per process (escalation.terms). With `intake` (the complaint is
    being filed in this transaction) only the clock row's INSERT: there is nothing to read."""
    now = timezone.now()
    loader = intake.loader if intake else (loader or TermsLoader())
    pauses, paused_at = _track_pause(complaint, now, () if intake else None)
    clock, created = _clock_row(complaint, loader, intake)
    sla, regime = loader.sla(complaint), loader.regulatory(complaint, clock.regime_id)
    # A complaint being filed has no messages, extensions or remedies yet: the facts are empty.
    facts = Facts(pauses=pauses) if intake else load_facts(complaint, pauses)
    for column, value in compute(complaint, sla, regime, facts).row().items():
        setattr(clock, column, value)
    clock.sla_policy_id, clock.regime_rule_id, clock.sla_paused_at = sla.policy_id, regime.rule_id, paused_at
    clock.revision += 1
    clock.updated_at = now
    if created:
        rows.insert(clock)
    else:
        clock.save()
    complaint.clock = clock
    _settle_queue(complaint)
    return clock


def _clock_row(complaint: Complaint, loader: TermsLoader, intake: Intake | None) -> tuple[ComplaintClock, bool]:
    """The complaint's clock row and whether it is new; a new row gets the regime for good."""
    clock = None if intake else ComplaintClock.objects.filter(pk=complaint.pk).first()
    if clock is not None:
        return clock, False
    regime = intake.regime if intake else loader.regime_at_intake(complaint)
    return ComplaintClock(complaint=complaint, regime=regime), True


def _settle_queue(complaint: Complaint) -> None:
    """An appeal waiting for a reviewer leaves the supervisors' queue once it has one; a
    breach waiting for tier two, once a supervisor handles it."""
    if complaint.assignee_id is None:
        return
    waiting = set(SupervisorQueueItem.objects.filter(complaint=complaint, resolved_at__isnull=True).values_list("reason", flat=True))
    if not waiting:
        return
    settled = []
    if SupervisorQueueItem.Reason.APPEAL_UNASSIGNED in waiting and assignment.in_appeal(complaint):
        settled.append(SupervisorQueueItem.Reason.APPEAL_UNASSIGNED)
    if SupervisorQueueItem.Reason.NO_SUPERVISOR in waiting and complaint.assignee.has_perm(assignment.SUPERVISE):
        settled.append(SupervisorQueueItem.Reason.NO_SUPERVISOR)
    if settled:
        assignment.queue_resolve(complaint, settled)


# --- Deadline extension -----------------------------------------------------------------------------------------


def _checked_new_date(complaint: Complaint, new_due, terms) -> datetime:
    if isinstance(new_due, datetime):
        return new_due
    if isinstance(new_due, date):
        return end_of_day(terms.spec, new_due)
    raise ValidationError({"new_due_at": _("Give the new date for the decision.")})


@transaction.atomic
def deadline_extend(*, complaint: Complaint, actor, new_due_at: date | datetime, reason: str) -> DeadlineExtension:
    """Move the regulatory decision date, with the reason the customer is given (MiCA: tell
    the complainant why and when to expect the decision). Never earlier, never past the
    regime's limit, and only while the decision is still to be communicated."""
    complaint = _lock(complaint)
    policies.ensure_can_work(actor, complaint)
    if not complaint.is_open or complaint.decided_at is not None:
        raise WrongState(_("The decision has been communicated, so its deadline can't be extended."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Tell the customer why the decision will take longer.")})
    clock_row = ComplaintClock.objects.filter(pk=complaint.pk).first()
    terms = TermsLoader().regulatory(complaint, clock_row.regime_id if clock_row else None)
    current = clocks_of(complaint).clocks[ClockKind.DECISION].due_at
    new_due = _checked_new_date(complaint, new_due_at, terms)
    _ensure_extension_allowed(complaint, terms, current, new_due)
    extension = DeadlineExtension.objects.create(
        complaint=complaint, previous_due_at=current, new_due_at=new_due, reason=reason, extended_by=actor
    )
    notice = notification_queue(
        complaint=complaint, kind=Notification.Kind.DEADLINE_EXTENSION,
        context={"extension": extension, "previous_due": current, "new_due": new_due, "regime_name": terms.name},
    )  # fmt: skip
    audit_append(
        complaint=complaint, actor=actor, action="deadline_extended",
        data={"extension": extension.pk, "clock": ClockKind.DECISION, "previous_due_at": current, "new_due_at": new_due,
              "reason_sha256": digest(reason), "notification": notice.pk},
    )  # fmt: skip
    clocks_recompute(complaint)
    return extension


def _when(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "DATE_FORMAT")


def _ensure_extension_allowed(complaint, terms, current: datetime, new_due: datetime) -> None:
    if new_due <= timezone.now() or new_due <= current:
        raise ValidationError({"new_due_at": _("The new date must be later than the current deadline, %(date)s.") % {"date": _when(current)}})
    limit = extension_limit(complaint.received_at, terms)
    if limit is not None and new_due > limit:
        raise ValidationError(
            {"new_due_at": _("Under %(regime)s the decision can't come later than %(date)s.") % {"regime": terms.name, "date": _when(limit)}}
        )


# --- Reminders and the automatic steps ------------------------------------------------------------------------


@transaction.atomic
def complaint_send_reminder(*, complaint: Complaint, actor=None) -> Notification:
    """Remind the customer: to answer a request for information before the complaint closes
    for lack of a response, or to answer a proposed resolution before it is deemed accepted."""
    policies.ensure_system(actor)
    complaint = _lock(complaint)
    if complaint.state == State.AWAITING_CUSTOMER:
        if complaint.information_reminder_sent_at is not None:
            raise WrongState(_("The customer has already been reminded."))
        complaint.information_reminder_sent_at = timezone.now()
        complaint._change_reason, complaint._history_user = "reminder", None
        complaint.save()
        about, answer_by = "information", compute(complaint, *_terms(complaint), load_facts(complaint)).no_response_close_at
    elif complaint.state == State.RESOLUTION_PROPOSED:
        about, answer_by = "acceptance", complaint.deemed_acceptance_at
    else:
        raise WrongState(_("Only a complaint waiting on the customer's answer gets a reminder."))
    notice = notification_queue(complaint=complaint, kind=Notification.Kind.REMINDER, context={"about": about, "answer_by": answer_by})
    audit_append(complaint=complaint, actor=None, action="reminder_sent", data={"about": about, "notification": notice.pk})
    clocks_recompute(complaint)
    return notice


def _terms(complaint: Complaint):
    loader = TermsLoader()
    clock_row = ComplaintClock.objects.filter(pk=complaint.pk).first()
    return loader.sla(complaint), loader.regulatory(complaint, clock_row.regime_id if clock_row else None)


@transaction.atomic
def complaint_deem_accepted(*, complaint: Complaint) -> Complaint:
    """The acceptance period ended with no answer: accepted, and the customer told so."""
    from complaints.services import complaint_accept_resolution

    complaint = complaint_accept_resolution(complaint=complaint, actor=None)
    remedies = list(complaint.remedies.filter(state__in=[RemedyState.ACCEPTED, RemedyState.EXECUTED]))
    notification_queue(complaint=complaint, kind=DEEMED_ACCEPTANCE, context={"remedies": remedies})
    return complaint


# --- Escalation rules ----------------------------------------------------------------------------------------------


def _to_tier_two(complaint: Complaint, clock: ComplaintClock) -> dict:
    """Hand the complaint to the least-loaded available supervisor. A supervisor already
    handling it keeps it; an appeal stays with its independent reviewer (a supervisor may have
    approved the decision under appeal) and goes to the supervisors' queue instead."""
    clock.tier = 2
    clock.save(update_fields=["tier"])
    if complaint.assignee_id and complaint.assignee.has_perm(assignment.SUPERVISE):
        return {"tier": 2}
    supervisor = None if assignment.in_appeal(complaint) else assignment.supervisor_for(complaint)
    if supervisor is None:
        assignment.queue_add(complaint, SupervisorQueueItem.Reason.NO_SUPERVISOR)
        return {"tier": 2, "supervisor_queue": True}
    complaint.assignee = supervisor
    return {"tier": 2}


def _alert_recipients(complaint: Complaint, rule: EscalationRule, handler) -> list:
    people = []
    if rule.notify_assignee:
        people += [handler] if handler else list(assignment.available(assignment.holders(assignment.SUPERVISE), complaint)[:20])
    if rule.notify_supervisors:
        people += list(assignment.available(assignment.holders(assignment.SUPERVISE), complaint)[:20])
    if rule.move_to_tier_two and complaint.assignee_id and complaint.assignee != handler:
        people.append(complaint.assignee)
    return people


@transaction.atomic
def complaint_escalate(*, complaint: Complaint, rule: EscalationRule, due_at: datetime, firing_id: int | None = None) -> Complaint:
    """Apply an escalation rule that came due: notify, raise the priority, hand the complaint
    to tier two, as the rule says, with one history row and one audit event."""
    complaint = _lock(complaint)
    clock = ComplaintClock.objects.get(pk=complaint.pk)
    handler, before = complaint.assignee, {"priority": complaint.priority, "assignee": complaint.assignee_id}
    data = {"rule": rule.pk, "firing": firing_id, "clock": rule.clock, "trigger": rule.trigger, "due_at": due_at}
    if rule.raise_priority:
        complaint.priority = PRIORITY_UP[complaint.priority]
    if rule.move_to_tier_two and complaint.is_open:
        data.update(_to_tier_two(complaint, clock))
    after = {"priority": complaint.priority, "assignee": complaint.assignee_id}
    if after != before:
        complaint._change_reason, complaint._history_user = f"escalation: {rule.name}"[:100], None
        complaint.save()
        data.update(before=before, after=after)
    notices = staff_notice_queue(
        complaint=complaint, recipients=_alert_recipients(complaint, rule, handler), kind=ESCALATION_ALERT,
        context={"rule": rule, "clock_label": ClockKind(rule.clock).label, "due_at": due_at, "before": before, "after": after,
                 "at_risk": rule.trigger == EscalationRule.Trigger.AT_RISK},
    )  # fmt: skip
    data["notified"] = sorted(n.recipient_id for n in notices)
    audit_append(complaint=complaint, actor=None, action="escalate", data=data)
    clocks_recompute(complaint)
    return complaint


# --- Account security: page the team, ask the exchange to freeze --------------------------------------------


def security_fast_path(complaint: Complaint) -> FreezeRequest:
    """A P1 account-security complaint with funds at risk (complaints.services' fast path):
    record the freeze request — sent at once from a verified channel, otherwise held for
    staff to confirm — and page the security team. Runs inside the filing's transaction."""
    from .tasks import send_freeze_request

    verified = complaint.channel in VERIFIED_CHANNELS
    status = FreezeRequest.Status.PENDING if verified else FreezeRequest.Status.AWAITING_CONFIRMATION
    freeze = FreezeRequest.objects.create(complaint=complaint, channel=complaint.channel, verified_channel=verified, status=status)
    audit_append(
        complaint=complaint, actor=None, action="freeze_requested",
        data={"freeze_request": freeze.pk, "verified_channel": verified, "status": status},
    )  # fmt: skip
    if verified:
        transaction.on_commit(partial(send_freeze_request.delay, freeze.pk))
    notices = staff_notice_queue(complaint=complaint, recipients=_security_team(complaint), kind=SECURITY_PAGE, context={"freeze": freeze})
    audit_append(complaint=complaint, actor=None, action="security_paged", data={"notified": sorted(n.recipient_id for n in notices)})
    return freeze


def _security_team(complaint: Complaint) -> list:
    """Everyone present in the security team; the supervisors if nobody is."""
    team = Team.objects.filter(code=Team.Code.SECURITY).first()
    people = []
    if team is not None:
        members = assignment.holders(assignment.WORK).filter(staff_profile__team=team)
        people = list(members.exclude(staff_profile__out_of_office=True)[:50])
    return people or list(assignment.available(assignment.holders(assignment.SUPERVISE), complaint)[:20])


def security_handler_for(complaint: Complaint):
    team = Team.objects.filter(code=Team.Code.SECURITY).first()
    return assignment.team_member_for(complaint, team) if team else None


def _locked_freeze(freeze: FreezeRequest) -> tuple[Complaint, FreezeRequest]:
    complaint = _lock(freeze.complaint)
    return complaint, FreezeRequest.objects.select_for_update().get(pk=freeze.pk)


@transaction.atomic
def freeze_request_confirm(*, freeze_request: FreezeRequest, actor) -> FreezeRequest:
    """Staff confirm a freeze request that came through an unverified channel; it is sent."""
    from .tasks import send_freeze_request

    complaint, freeze = _locked_freeze(freeze_request)
    policies.ensure_can_work(actor, complaint)
    if freeze.status != FreezeRequest.Status.AWAITING_CONFIRMATION:
        raise WrongState(_("This freeze request is not waiting for confirmation."))
    freeze.status, freeze.confirmed_by, freeze.confirmed_at = FreezeRequest.Status.PENDING, actor, timezone.now()
    freeze.updated_at = freeze.confirmed_at
    freeze.save()
    audit_append(complaint=complaint, actor=actor, action="freeze_confirmed", data={"freeze_request": freeze.pk})
    transaction.on_commit(partial(send_freeze_request.delay, freeze.pk))
    return freeze


@transaction.atomic
def freeze_request_reject(*, freeze_request: FreezeRequest, actor, reason: str) -> FreezeRequest:
    """Staff decide a freeze request from an unverified channel must not go out."""
    complaint, freeze = _locked_freeze(freeze_request)
    policies.ensure_can_work(actor, complaint)
    if freeze.status != FreezeRequest.Status.AWAITING_CONFIRMATION:
        raise WrongState(_("This freeze request is not waiting for confirmation."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the freeze request is not sent.")})
    freeze.status, freeze.confirmed_by, freeze.confirmed_at = FreezeRequest.Status.REJECTED, actor, timezone.now()
    freeze.updated_at = freeze.confirmed_at
    freeze.save()
    audit_append(complaint=complaint, actor=actor, action="freeze_rejected", data={"freeze_request": freeze.pk, "reason_sha256": digest(reason)})
    return freeze


# --- Appeal decisions with an external referral -------------------------------------------------------------


def _referral_text(referrals, remedies) -> str:
    lines = [
        _("%(kind)s: %(body)s (%(date)s)") % {"kind": r.get_kind_display(), "body": r.body, "date": r.date.isoformat()}
        + (_(", reference %(reference)s") % {"reference": r.reference} if r.reference else "")
        for r in referrals
    ]
    if remedies:
        lines.append(_("Remedies available to you: %(remedies)s") % {"remedies": "; ".join(str(r) for r in remedies)})
    return "\n".join(lines)


@transaction.atomic
def appeal_decide(*, complaint: Complaint, actor, outcome: str, reasons: str, referrals, remedies=()) -> Complaint:
    """Decide an appeal and record where the customer may go next.

    `referrals` are unsaved ExternalReferral rows (kind, body, date, reference). They are
    validated, saved and audited, and written into the decision's external recourse together
    with the remedies the customer now has, so the decision the customer reads names both.
    complaints.services.complaint_decide_appeal checks the reviewer (never the decider or the
    approver, never someone conflicted)."""
    from complaints.services import complaint_decide_appeal

    referrals = list(referrals)
    if not referrals:
        raise ValidationError({"referrals": _("Name at least one external body the customer can turn to.")})
    for referral in referrals:
        referral.complaint, referral.recorded_by = complaint, actor
        referral.full_clean(exclude=["complaint", "recorded_by"])
    kept = list(complaint.remedies.exclude(state__in=[RemedyState.CANCELLED, RemedyState.FAILED]))
    with translation.override(customer_language(complaint)):  # the customer reads it
        text = _referral_text(referrals, kept if outcome != AppealOutcome.CHANGED else [])
    complaint = complaint_decide_appeal(
        complaint=complaint, actor=actor, outcome=outcome, reasons=reasons, external_recourse=text, remedies=remedies
    )
    for referral in referrals:
        referral.save()
        audit_append(
            complaint=complaint, actor=actor, action="external_referral",
            data={"referral": referral.pk, "kind": referral.kind, "body_sha256": digest(referral.body),
                  "date": referral.date.isoformat(), "reference_sha256": digest(referral.reference)},
        )  # fmt: skip
    return complaint
