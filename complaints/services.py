"""The one door: every change to a complaint goes through a function in this module.

Each transition's service checks the actor (policies.py), locks the complaint row, checks
the conditions and inputs with a sentence a person can act on, calls the model's transition,
saves (one history row), appends the audit event, and queues side effects to run after
commit. The admin, the portal, the tasks, e-mail intake and the API all call these.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import TransitionNotAllowed, can_proceed

from accounts.models import ConflictOfInterest, Team

from . import policies, rows
from .audit import Entry, audit_append, digest, open_chain_with
from .choices import (
    INFORMATIONAL_REMEDIES,
    MONETARY_REMEDIES,
    SUBCATEGORIES,
    AppealOutcome,
    Category,
    Channel,
    ClosureReason,
    IdentifierKind,
    InformationItem,
    Liability,
    MessageKind,
    Outcome,
    Priority,
    RemedyKind,
    RemedyState,
    State,
    Visibility,
)
from .evidence import check_upload
from .exceptions import NotPermitted, WrongState
from .history import Snapshot, differences, history_rows, tracked_values
from .identifiers import normalise_order_id, normalise_tx_hash
from .models import (
    AuditChain,
    Complaint,
    ComplaintIdentifier,
    ComplaintLink,
    Evidence,
    Message,
    Notification,
    ReferenceCounter,
    Remedy,
    SatisfactionRating,
)
from .notifications import notification_queue

ACTION_LABELS = {
    "acknowledge": gettext_lazy("acknowledged"),
    "request_information": gettext_lazy("asked for information"),
    "receive_information": gettext_lazy("given the information asked for"),
    "close_for_no_response": gettext_lazy("closed for lack of a response"),
    "reject_out_of_scope": gettext_lazy("rejected as out of scope"),
    "close_as_duplicate": gettext_lazy("closed as a duplicate"),
    "start_investigation": gettext_lazy("put under investigation"),
    "propose_resolution": gettext_lazy("given a proposed resolution"),
    "submit_for_approval": gettext_lazy("submitted for approval"),
    "approve_resolution": gettext_lazy("approved"),
    "return_for_rework": gettext_lazy("returned for rework"),
    "accept_resolution": gettext_lazy("accepted"),
    "dispute_resolution": gettext_lazy("disputed"),
    "appeal": gettext_lazy("appealed"),
    "decide_appeal": gettext_lazy("given an appeal decision"),
    "withdraw": gettext_lazy("withdrawn"),
    "close": gettext_lazy("closed"),
    "reopen": gettext_lazy("reopened"),
    "archive": gettext_lazy("archived"),
}

REMEDY_STEP_LABELS = {
    "execute": gettext_lazy("recorded as executed"),
    "fail": gettext_lazy("recorded as failed"),
    "retry": gettext_lazy("retried"),
    "cancel": gettext_lazy("cancelled"),
}

_LIVE_PROPOSALS = [RemedyState.PROPOSED, RemedyState.APPROVED]
_UNSETTLED = [RemedyState.PROPOSED, RemedyState.APPROVED, RemedyState.ACCEPTED, RemedyState.FAILED]


@dataclass(frozen=True)
class RemedyInput:
    kind: str
    amount: Decimal | None = None
    asset: str = ""
    reference_value: Decimal = Decimal(0)
    details: str = ""


# --- Small shared steps ----------------------------------------------------------------------------


def _lock(complaint: Complaint) -> Complaint:
    return Complaint.objects.select_for_update().get(pk=complaint.pk)


def _text(field: str, value, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: message})
    return text


def _choice(field: str, value, choices, message: str) -> str:
    if value not in choices.values:
        raise ValidationError({field: message})
    return value


def _when(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "DATE_FORMAT")


def _transition(complaint: Complaint, actor, action: str, *, data=None, reason: str = "", **kwargs):
    """Call the transition, save once (one history row) and append its audit event."""
    from_state = complaint.state
    _check_and_call(complaint, action, **kwargs)
    # history_change_reason is varchar(100): PostgreSQL refuses a longer reason (the full text is in a message).
    complaint._change_reason = (f"{action}: {reason}" if reason else action)[:100]
    complaint._history_user = actor
    complaint.save()
    event = audit_append(
        complaint=complaint, actor=actor, action=action, from_state=from_state, to_state=complaint.state, data=data or {},
    )  # fmt: skip
    _recompute_clocks(complaint)
    return event


def _check_and_call(complaint: Complaint, action: str, **kwargs) -> None:
    """Run the transition method (in memory), or say in words why the complaint can't take it."""
    method = getattr(complaint, action)
    if not can_proceed(method, check_conditions=False):
        raise WrongState(
            _("This complaint is %(state)s, so it can't be %(action)s now.")
            % {"state": complaint.get_state_display().lower(), "action": ACTION_LABELS[action]}
        )
    try:
        method(**kwargs)
    except TransitionNotAllowed as refused:
        raise WrongState(_("The conditions for this step are not met.")) from refused


def _recompute_clocks(complaint: Complaint, intake=None) -> None:
    """Every transition, message, assignment and remedy step rewrites the complaint's due times."""
    from escalation.services import clocks_recompute

    clocks_recompute(complaint, intake=intake)


def _post(complaint, author, body: str, *, kind=MessageKind.COMMENT, visibility=Visibility.PUBLIC,
          channel=Channel.WEB) -> Message:  # fmt: skip
    message = Message(
        complaint=complaint, author=author, body=body, kind=kind, visibility=visibility, channel=channel
    )
    message._history_user = author
    message._change_reason = kind
    message.save()
    return message


def _save_remedy(remedy: Remedy, actor, reason: str) -> None:
    remedy._history_user = actor
    remedy._change_reason = reason
    remedy.save()


def _move_remedies(complaint, states, step: str, actor, **kwargs) -> list[int]:
    moved = []
    for remedy in complaint.remedies.filter(state__in=states):
        getattr(remedy, step)(**kwargs)
        _save_remedy(remedy, actor, step)
        moved.append(remedy.pk)
    return moved


def _accept_remedies(complaint, states, actor) -> list[int]:
    """Move remedies to execution; those the decision itself delivers are executed at once."""
    accepted = _move_remedies(complaint, states, "accept", actor)
    for remedy in complaint.remedies.filter(pk__in=accepted, kind__in=INFORMATIONAL_REMEDIES):
        remedy.execute(ledger_reference="")
        _save_remedy(remedy, actor, "delivered with the decision")
    return accepted


def _message_data(message: Message) -> dict:
    return {"message": message.pk, "body_sha256": digest(message.body)}


# --- Remedies ------------------------------------------------------------------------------------


def _decimal(field: str, value, *, required: bool) -> Decimal | None:
    if value in (None, ""):
        if required:
            raise ValidationError({field: _("An amount is required for this remedy.")})
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation as error:
        raise ValidationError({field: _("“%(value)s” is not a number.") % {"value": value}}) from error
    sign, digits, exponent = amount.as_tuple()
    if not amount.is_finite() or amount < 0 or -exponent > 18 or len(digits) + exponent > 20:
        raise ValidationError({field: _("Enter a positive amount with at most 18 decimal places.")})
    return amount


def _checked_remedy(item: RemedyInput) -> RemedyInput:
    kind = _choice("remedies", item.kind, RemedyKind, _("“%(kind)s” is not a remedy.") % {"kind": item.kind})
    monetary = kind in MONETARY_REMEDIES
    amount = _decimal("remedies", item.amount, required=monetary)
    if monetary and not amount:
        raise ValidationError({"remedies": _("A %(kind)s needs an amount above zero.") % {"kind": RemedyKind(kind).label}})
    if not monetary and amount is not None:
        raise ValidationError({"remedies": _("A %(kind)s has no amount.") % {"kind": RemedyKind(kind).label}})
    asset = (item.asset or "").strip().upper()
    if monetary and not asset:
        raise ValidationError({"remedies": _("Name the asset the %(kind)s is paid in.") % {"kind": RemedyKind(kind).label}})
    value = _decimal("remedies", item.reference_value, required=False) or Decimal(0)
    return RemedyInput(kind=kind, amount=amount, asset=asset, reference_value=value, details=item.details.strip())


def checked_remedies(remedies) -> list[RemedyInput]:
    checked = [_checked_remedy(item) for item in remedies]
    if not checked:
        raise ValidationError({"remedies": _("Name at least one remedy (an explanation counts).")})
    return checked


def remedies_total(remedies) -> Decimal:
    """What approval limits compare against: the whole resolution, so splitting a payout
    into small remedies can't slip under a limit."""
    return sum((item.reference_value for item in remedies), Decimal(0))


def _create_remedies(complaint, actor, remedies, *, from_appeal=False) -> list[Remedy]:
    created = []
    for item in remedies:
        remedy = Remedy(
            complaint=complaint, kind=item.kind, amount=item.amount, asset=item.asset,
            reference_value=item.reference_value, details=item.details, proposed_by=actor,
            from_appeal=from_appeal,
        )  # fmt: skip
        _save_remedy(remedy, actor, "proposed")
        created.append(remedy)
    return created


# --- Intake -------------------------------------------------------------------------------------------


def _next_reference(year: int) -> str:
    """CMP-YYYY-NNNNNNN, never repeated under concurrent intake.

    PostgreSQL hands out numbers from a per-year sequence (no lock held for the transaction);
    elsewhere a counter row is locked (SQLite serialises writers anyway).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(%s)", [f"complaint_reference_{year}"])
            number = cursor.fetchone()[0]
    else:
        counter, _created = ReferenceCounter.objects.select_for_update().get_or_create(year=year)
        counter.last += 1
        counter.save(update_fields=["last"])
        number = counter.last
    return f"CMP-{year}-{number:07d}"


@dataclass(frozen=True)
class Filing:
    """What a customer (or an agent on their behalf) tells us when filing."""

    category: str
    summary: str
    description: str
    subcategory: str = ""
    desired_outcome: str = ""
    occurred_on: date | None = None
    order_ids: tuple[str, ...] = ()
    tx_hashes: tuple[str, ...] = ()
    tx_network: str = ""
    disputed_amount: Decimal | str | None = None
    disputed_asset: str = ""
    disputed_reference_value: Decimal | str | None = None
    funds_at_risk: bool = False
    channel: str = Channel.WEB
    language: str = ""
    represented_person: str = ""


def _checked_identifiers(filing: Filing) -> list[tuple[str, str, str]]:
    identifiers, errors = [], []
    for value in filter(None, (v.strip() for v in filing.order_ids)):
        try:
            identifiers.append((IdentifierKind.ORDER_ID, "", normalise_order_id(value)))
        except ValidationError as error:
            errors.extend(error.messages)
    for value in filter(None, (v.strip() for v in filing.tx_hashes)):
        try:
            identifiers.append((IdentifierKind.TX_HASH, filing.tx_network.upper(), normalise_tx_hash(value, filing.tx_network)))
        except ValidationError as error:
            errors.extend(error.messages)
    if errors:
        raise ValidationError({"identifiers": errors})
    return list(dict.fromkeys(identifiers))


def _checked_filing(filing: Filing) -> dict:
    category = _choice("category", filing.category, Category, _("Choose a category."))
    subcategories = {code for code, _label in SUBCATEGORIES.get(category, [])}
    if filing.subcategory and filing.subcategory not in subcategories:
        raise ValidationError({"subcategory": _("Choose a subcategory of the category you picked.")})
    summary = _text("summary", filing.summary, _("Give your complaint a short summary."))
    if len(summary) > 200:
        raise ValidationError({"summary": _("Keep the summary under 200 characters.")})
    amount = _decimal("disputed_amount", filing.disputed_amount, required=False)
    asset = filing.disputed_asset.strip().upper()
    if amount is not None and not asset:
        raise ValidationError({"disputed_asset": _("Name the asset of the disputed amount.")})
    if filing.occurred_on and filing.occurred_on > timezone.localdate():
        raise ValidationError({"occurred_on": _("The date it happened can't be in the future.")})
    return {
        "category": category,
        "subcategory": filing.subcategory,
        "summary": summary,
        "description": _text("description", filing.description, _("Describe what happened.")),
        "desired_outcome": filing.desired_outcome.strip(),
        "occurred_on": filing.occurred_on,
        "disputed_amount": amount,
        "disputed_asset": asset,
        "disputed_reference_value": _decimal("disputed_reference_value", filing.disputed_reference_value, required=False),
        "funds_at_risk": bool(filing.funds_at_risk),
        "channel": _choice("channel", filing.channel, Channel, _("Choose the channel the complaint came by.")),
        "represented_person": filing.represented_person.strip()[:200],
    }


def _ensure_can_file(customer, filed_by) -> None:
    if customer is None or customer.is_staff or not customer.is_active:
        raise NotPermitted(_("A complaint is filed for an active customer account."))
    if filed_by is not None and filed_by.is_staff and not filed_by.has_perm("complaints.add_complaint"):
        raise NotPermitted(_("Your role does not allow registering complaints for customers."))


def complaint_file(
    *, customer, filing: Filing, evidence_files=(), filed_by=None, intake_key: str | None = None,
    power_of_attorney=None,
) -> Complaint:  # fmt: skip
    """Record a complaint at `received`, issue its reference and acknowledge it at once.

    Everything is checked before anything is written, so bad input saves nothing. The same
    intake_key (a form token, an API Idempotency-Key) files once and returns that complaint.
    A representative filing for someone else must attach their power of attorney.
    """
    try:
        return _file(customer, filing, evidence_files, filed_by, intake_key, power_of_attorney)
    except IntegrityError:
        # The complaint's INSERT is the filing's first write, so a concurrent submit of the same
        # key that won leaves nothing of ours behind; the rolled-back transaction needed no
        # savepoint of its own (a nested call gets atomic's savepoint anyway).
        if not intake_key or not Complaint.objects.filter(intake_key=intake_key).exists():
            raise
        return _already_filed(customer, intake_key)


@transaction.atomic
def _file(customer, filing: Filing, evidence_files, filed_by, intake_key, power_of_attorney) -> Complaint:
    _ensure_can_file(customer, filed_by)
    fields = _checked_filing(filing)
    identifiers = _checked_identifiers(filing)
    checked_files = [(upload, check_upload(upload), Evidence.Purpose.EVIDENCE) for upload in evidence_files]
    if fields["represented_person"]:
        if power_of_attorney is None:
            raise ValidationError({"power_of_attorney": _("Attach the power of attorney that lets you act for this person.")})
        checked_files.append((power_of_attorney, check_upload(power_of_attorney), Evidence.Purpose.POWER_OF_ATTORNEY))
    complaint = _new_complaint(customer, filed_by, filing, fields, intake_key)
    as_filed = tracked_values(complaint)
    _check_and_call(complaint, "acknowledge")  # in memory: the row is written once, at `triage`
    _insert(complaint)  # a double submit's second INSERT fails on intake_key: see complaint_file
    filed = Snapshot(complaint.received_at, filed_by or customer, "file", differences(complaint, as_filed), created=True)
    uploader = filed_by or customer
    evidence_ids = [
        _store_evidence(complaint, upload, checked, uploader, purpose=purpose).pk
        for upload, checked, purpose in checked_files
    ]
    # Everything else the filing writes only writes: on PostgreSQL it goes as one statement.
    with rows.together(Notification, AuditChain):
        if identifiers:
            rows.insert(*(ComplaintIdentifier(complaint=complaint, kind=kind, network=network, value=value) for kind, network, value in identifiers))
        _record_filing(complaint, filed, uploader, identifiers, evidence_ids)
    if complaint.category == Category.ACCOUNT_SECURITY and complaint.funds_at_risk:
        complaint = _security_fast_path(complaint)
    return complaint


def _new_complaint(customer, filed_by, filing: Filing, fields: dict, intake_key) -> Complaint:
    profile = getattr(customer, "customer_profile", None)
    now = timezone.now()
    return Complaint(
        customer=customer, filed_by=filed_by, received_at=now, updated_at=now, reference=_next_reference(now.year),
        language=filing.language or (profile.language if profile else settings.LANGUAGE_CODE),
        intake_key=intake_key or None, **fields,
    )  # fmt: skip


def _insert(complaint: Complaint) -> None:
    """INSERT the new complaint, once, at `triage`; its two history rows are written together."""
    complaint.version += 1  # as if saved at `received` and again at `triage`
    rows.insert(complaint)


def _already_filed(customer, intake_key: str) -> Complaint:
    existing = Complaint.objects.get(intake_key=intake_key)
    if existing.customer_id != customer.pk:
        raise ValidationError({"intake_key": _("This submission key belongs to another complaint.")})
    return existing


def _record_filing(complaint: Complaint, filed: Snapshot, uploader, identifiers, evidence_ids) -> None:
    """What filing and acknowledging write besides the complaint: the acknowledgement in the outbox,
    the two history rows (`received`, then `triage`), the audit chain opened with both events, and
    the clock row. Each table is written once, as if `file` and `acknowledge` had each saved."""
    from escalation.clocks import Intake

    intake = Intake.of(complaint)
    notification = _acknowledgement_queue(complaint, intake.first_response_due_at(complaint), intake.decision_due_at(complaint))
    history_rows(complaint, [filed, Snapshot(complaint.acknowledged_at, None, "acknowledge")])
    filing = Entry(
        "file", complaint.received_at, uploader, to_state=State.RECEIVED,
        data={"channel": complaint.channel, "category": complaint.category, "identifiers": len(identifiers),
              "evidence": evidence_ids, "description_sha256": digest(complaint.description)},
    )  # fmt: skip
    acknowledgement = Entry(
        "acknowledge", complaint.acknowledged_at, None, from_state=State.RECEIVED, to_state=complaint.state,
        data={"notification": notification.pk},
    )  # fmt: skip
    open_chain_with(complaint, [filing, acknowledgement])
    _recompute_clocks(complaint, intake)


def _acknowledgement_queue(complaint: Complaint, first_response_due, decision_due) -> Notification:
    """The acknowledgement e-mail, with the deadlines the desk commits to."""
    return notification_queue(
        complaint=complaint, kind=Notification.Kind.ACKNOWLEDGEMENT,
        context={"first_response_due": first_response_due, "decision_due": decision_due}, render_when_sent=True,
    )  # fmt: skip


@transaction.atomic
def complaint_acknowledge(*, complaint: Complaint, actor=None) -> Complaint:
    from escalation.clocks import decision_due_at, first_response_due_at

    policies.ensure_system(actor)
    complaint = _lock(complaint)
    notification = _acknowledgement_queue(complaint, first_response_due_at(complaint), decision_due_at(complaint))
    _transition(complaint, None, "acknowledge", data={"notification": notification.pk})
    return complaint


def _security_fast_path(complaint: Complaint) -> Complaint:
    """Funds at risk on a hacked account: P1, straight to the security team, no triage wait."""
    from escalation.services import security_fast_path, security_handler_for

    complaint.priority = Priority.P1
    complaint.team = Team.objects.get(code=Team.Code.SECURITY)
    complaint.assignee = security_handler_for(complaint)  # the least-loaded member present, if any
    _transition(
        complaint, None, "start_investigation",
        data={"priority": "P1", "team": complaint.team_id, "assignee": complaint.assignee_id, "fast_path": True},
    )  # fmt: skip
    security_fast_path(complaint)  # pages the security team and records the account-freeze request
    return complaint


def _store_evidence(complaint, upload, checked, uploader, message=None, purpose=Evidence.Purpose.EVIDENCE) -> Evidence:
    evidence = Evidence(
        complaint=complaint, message=message, original_name=checked.original_name, purpose=purpose,
        content_type=checked.type.content_type, extension=checked.type.extension,
        size=checked.size, sha256=checked.sha256, uploaded_by=uploader,
    )  # fmt: skip
    evidence.file.save(checked.type.extension, upload, save=False)
    evidence._history_user = uploader
    evidence._change_reason = "uploaded"
    evidence.save()
    return evidence


@transaction.atomic
def evidence_attach(
    *, complaint: Complaint, actor, upload, message: Message | None = None, purpose=Evidence.Purpose.EVIDENCE
) -> Evidence:
    """The customer, or staff who may work the complaint, attach a file to an open complaint."""
    complaint = _lock(complaint)
    policies.ensure_customer_or_worker(actor, complaint)
    if not complaint.is_open:
        raise WrongState(_("Evidence can't be added to a closed complaint."))
    checked = check_upload(upload)
    purpose = _choice("purpose", purpose, Evidence.Purpose, _("Choose what this file is."))
    evidence = _store_evidence(complaint, upload, checked, actor, message, purpose=purpose)
    audit_append(
        complaint=complaint, actor=actor, action="evidence_added",
        data={"evidence": evidence.pk, "sha256": evidence.sha256, "content_type": evidence.content_type, "size": evidence.size},
    )  # fmt: skip
    return evidence


# --- Triage and investigation -------------------------------------------------------------------------


def _asked_for_what_we_hold(complaint: Complaint, items) -> list[str]:
    held = set()
    profile = getattr(complaint.customer, "customer_profile", None)
    if profile and profile.verified:
        held.add(InformationItem.IDENTITY_DOCUMENT)
    kinds = set(complaint.identifiers.values_list("kind", flat=True))
    held.update({IdentifierKind.ORDER_ID: InformationItem.ORDER_ID, IdentifierKind.TX_HASH: InformationItem.TX_HASH}[k] for k in kinds)
    return [InformationItem(item).label for item in items if item in held]


@transaction.atomic
def complaint_request_information(*, complaint: Complaint, actor, message: str, items=()) -> Complaint:
    complaint = _lock(complaint)
    policies.ensure_can_work(actor, complaint)
    body = _text("message", message, _("Tell the customer what you need from them."))
    for item in items:
        _choice("items", item, InformationItem, _("“%(item)s” is not something we can ask for.") % {"item": item})
    held = _asked_for_what_we_hold(complaint, items)
    if held:
        raise ValidationError({"items": _("The exchange already holds this: %(items)s. Don't ask the customer for it.") % {"items": ", ".join(map(str, held))}})
    posted = _post(complaint, actor, body, kind=MessageKind.INFORMATION_REQUEST)
    _transition(complaint, actor, "request_information", data={**_message_data(posted), "items": sorted(items)})
    notification_queue(complaint=complaint, kind=Notification.Kind.INFORMATION_REQUEST, context={"message": posted})
    return complaint


@transaction.atomic
def complaint_receive_information(*, complaint: Complaint, actor, message: str, channel: str = "") -> Complaint:
    """The customer answers (portal, API, e-mail with its reply token), or staff log a phone answer."""
    complaint = _lock(complaint)
    by_customer = policies.ensure_customer_or_worker(actor, complaint)
    channel = channel or (Channel.WEB if by_customer else Channel.PHONE)
    body = _text("message", message, _("Write the answer to the request for information."))
    posted = _post(complaint, actor, body, kind=MessageKind.INFORMATION_REPLY, channel=channel)
    _transition(complaint, actor, "receive_information", data=_message_data(posted))
    return complaint


@transaction.atomic
def complaint_close_for_no_response(*, complaint: Complaint, actor=None) -> Complaint:
    policies.ensure_system(actor)
    complaint = _lock(complaint)
    if complaint.state == State.AWAITING_CUSTOMER and not complaint.no_response_period_over():
        raise WrongState(_("The customer still has time to answer, or has not yet been reminded."))
    _transition(complaint, actor, "close_for_no_response")
    notification_queue(complaint=complaint, kind=Notification.Kind.CLOSURE)
    return complaint


@transaction.atomic
def complaint_reject_out_of_scope(*, complaint: Complaint, actor, reasons: str, referral: str) -> Complaint:
    complaint = _lock(complaint)
    policies.ensure_can_work(actor, complaint)
    reasons = _text("reasons", reasons, _("Explain why this is not a complaint the exchange can decide."))
    referral = _text("referral", referral, _("Tell the customer where to go instead."))
    _transition(
        complaint, actor, "reject_out_of_scope", decider=actor, reasons=reasons, referral=referral,
        data={"reasons_sha256": digest(reasons), "referral_sha256": digest(referral)},
    )  # fmt: skip
    _post(complaint, actor, f"{reasons}\n\n{referral}", kind=MessageKind.DECISION)
    notification_queue(complaint=complaint, kind=Notification.Kind.CLOSURE)
    return complaint


@transaction.atomic
def complaint_close_as_duplicate(*, complaint: Complaint, actor, original: Complaint) -> Complaint:
    complaint = _lock(complaint)
    policies.ensure_can_work(actor, complaint)
    if original is None or original.pk == complaint.pk:
        raise ValidationError({"original": _("Name the original complaint this one repeats.")})
    if original.customer_id != complaint.customer_id:
        raise ValidationError({"original": _("A duplicate must be of the same customer's complaint.")})
    if original.duplicate_of_id:
        raise ValidationError({"original": _("%(ref)s is itself a duplicate; link to its original.") % {"ref": original.reference}})
    _transition(complaint, actor, "close_as_duplicate", original=original, data={"original": original.pk})
    notification_queue(complaint=complaint, kind=Notification.Kind.CLOSURE, context={"original": original})
    return complaint


@transaction.atomic
def complaint_start_investigation(
    *, complaint: Complaint, actor, priority: str, team: Team, category: str = "", subcategory: str = "", assignee=None
) -> Complaint:
    complaint = _lock(complaint)
    policies.ensure_can_work(actor, complaint)
    complaint.priority = _choice("priority", priority, Priority, _("Choose a priority."))
    if team is None:
        raise ValidationError({"team": _("Choose the team that will investigate.")})
    complaint.team = team
    if category:
        complaint.category = _choice("category", category, Category, _("Choose a category."))
        complaint.subcategory = subcategory
    if assignee is not None:
        _ensure_assignable(complaint, assignee)
        complaint.assignee = assignee
    _transition(
        complaint, actor, "start_investigation",
        data={"priority": complaint.priority, "team": team.pk, "category": complaint.category,
              "assignee": complaint.assignee_id},
    )  # fmt: skip
    return complaint


def _ensure_assignable(complaint: Complaint, assignee) -> None:
    from escalation.assignment import appeal_reviewer_refusal, in_appeal

    if in_appeal(complaint):  # an appeal goes only to a reviewer who took no part in the decision
        refusal = appeal_reviewer_refusal(complaint, assignee)
        if refusal:
            raise ValidationError({"assignee": refusal})
        return
    if not assignee.is_active or not assignee.is_staff or not assignee.has_perm("complaints.work_complaint"):
        raise ValidationError({"assignee": _("%(name)s can't handle complaints.") % {"name": assignee}})
    if policies.is_conflicted(assignee, complaint):
        raise ValidationError({"assignee": _("%(name)s declared a conflict of interest on this complaint.") % {"name": assignee}})


@transaction.atomic
def complaint_assign(*, complaint: Complaint, actor, assignee, team: Team | None = None) -> Complaint:
    complaint = _lock(complaint)
    policies.ensure_can_work(actor, complaint)
    if not complaint.is_open:
        raise WrongState(_("A closed complaint can't be reassigned."))
    if assignee is not None:
        _ensure_assignable(complaint, assignee)
    before = {"assignee": complaint.assignee_id, "team": complaint.team_id}
    complaint.assignee = assignee
    complaint.team = team or complaint.team
    complaint._change_reason, complaint._history_user = "assign", actor
    complaint.save()
    audit_append(
        complaint=complaint, actor=actor, action="assign",
        data={"before": before, "after": {"assignee": complaint.assignee_id, "team": complaint.team_id}},
    )  # fmt: skip
    _recompute_clocks(complaint)
    return complaint


# --- Resolution --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    outcome: str
    liability: str
    reasons: str
    recourse: str
    remedies: tuple[RemedyInput, ...]


def _checked_decision(decision: Decision) -> tuple[dict, list[RemedyInput]]:
    fields = {
        "outcome": _choice("outcome", decision.outcome, Outcome, _("Choose an outcome: upheld, partly upheld or not upheld.")),
        "liability": _choice("liability", decision.liability, Liability, _("Say who was at fault.")),
        "reasons": _text("reasons", decision.reasons, _("Give reasons that address every point the customer raised.")),
        "recourse": _text("recourse", decision.recourse, _("Tell the customer what recourse is open to them.")),
    }
    return fields, checked_remedies(decision.remedies)


def _decision_data(fields: dict, remedies: list[Remedy]) -> dict:
    return {
        "outcome": fields["outcome"], "liability": fields["liability"],
        "reasons_sha256": digest(fields["reasons"]), "recourse_sha256": digest(fields["recourse"]),
        "remedies": [remedy.pk for remedy in remedies], "total": remedies_total(remedies),
    }  # fmt: skip


@transaction.atomic
def complaint_propose_resolution(*, complaint: Complaint, actor, decision: Decision) -> Complaint:
    complaint = _lock(complaint)
    policies.ensure_handler(actor, complaint)
    fields, remedies = _checked_decision(decision)
    total = remedies_total(remedies)
    if total > actor.approval_limit:
        raise NotPermitted(
            _("These remedies total %(total)s, above your limit of %(limit)s: submit them for approval.")
            % {"total": f"{total:,.2f}", "limit": f"{actor.approval_limit:,.2f}"}
        )
    _move_remedies(complaint, _LIVE_PROPOSALS, "cancel", actor)
    created = _create_remedies(complaint, actor, remedies)
    _transition(complaint, actor, "propose_resolution", decider=actor, **fields, data=_decision_data(fields, created))
    _post(complaint, actor, fields["reasons"], kind=MessageKind.DECISION)
    notification_queue(complaint=complaint, kind=Notification.Kind.RESOLUTION_PROPOSED, context={"remedies": created})
    return complaint


@transaction.atomic
def complaint_submit_for_approval(*, complaint: Complaint, actor, decision: Decision) -> Complaint:
    complaint = _lock(complaint)
    policies.ensure_handler(actor, complaint)
    fields, remedies = _checked_decision(decision)
    if remedies_total(remedies) <= actor.approval_limit:
        raise WrongState(_("These remedies are within your own limit: propose the resolution directly."))
    _move_remedies(complaint, _LIVE_PROPOSALS, "cancel", actor)
    created = _create_remedies(complaint, actor, remedies)
    _transition(complaint, actor, "submit_for_approval", decider=actor, **fields, data=_decision_data(fields, created))
    return complaint


@transaction.atomic
def complaint_approve_resolution(*, complaint: Complaint, actor) -> Complaint:
    complaint = _lock(complaint)
    pending = list(complaint.remedies.filter(state=RemedyState.PROPOSED))
    policies.ensure_can_approve(actor, complaint, remedies_total(pending))
    approved = _move_remedies(complaint, [RemedyState.PROPOSED], "approve", actor, approver=actor)
    _transition(complaint, actor, "approve_resolution", approver=actor, data={"remedies": approved})
    _post(complaint, complaint.decider, complaint.reasons, kind=MessageKind.DECISION)
    notification_queue(complaint=complaint, kind=Notification.Kind.RESOLUTION_PROPOSED, context={"remedies": pending})
    return complaint


@transaction.atomic
def complaint_return_for_rework(*, complaint: Complaint, actor, reason: str) -> Complaint:
    complaint = _lock(complaint)
    policies.ensure_staff_with(actor, "complaints.approve_resolution", complaint)
    if actor.pk == complaint.decider_id:
        raise NotPermitted(_("The proposer can't return their own resolution; ask a supervisor."))
    reason = _text("reason", reason, _("Say what must be reworked."))
    cancelled = _move_remedies(complaint, _LIVE_PROPOSALS, "cancel", actor)
    note = _post(complaint, actor, reason, kind=MessageKind.REWORK, visibility=Visibility.INTERNAL)
    _transition(complaint, actor, "return_for_rework", reason=reason, data={**_message_data(note), "cancelled": cancelled})
    return complaint


@transaction.atomic
def complaint_accept_resolution(*, complaint: Complaint, actor) -> Complaint:
    """The customer accepts, signed in; or the system deems it accepted when the period ends."""
    complaint = _lock(complaint)
    if actor is None:
        deemed_at = complaint.deemed_acceptance_at
        if complaint.state == State.RESOLUTION_PROPOSED and (deemed_at is None or timezone.now() < deemed_at):
            until = _when(deemed_at) if deemed_at else _("the end of the acceptance period")
            raise WrongState(_("The customer has until %(date)s to answer.") % {"date": until})
    else:
        policies.ensure_customer(actor, complaint)
    accepted = _accept_remedies(complaint, _LIVE_PROPOSALS, actor)
    _transition(complaint, actor, "accept_resolution", data={"remedies": accepted, "deemed": actor is None})
    return complaint


@transaction.atomic
def complaint_dispute_resolution(*, complaint: Complaint, actor, reason: str) -> Complaint:
    complaint = _lock(complaint)
    policies.ensure_customer(actor, complaint)
    if complaint.state == State.RESOLUTION_PROPOSED and not complaint.not_yet_disputed():
        raise WrongState(_("You have already asked for one re-review. You can now accept the decision or appeal it."))
    reason = _text("reason", reason, _("Tell us what you disagree with."))
    posted = _post(complaint, actor, reason, kind=MessageKind.DISPUTE)
    _transition(complaint, actor, "dispute_resolution", data=_message_data(posted))
    return complaint


# --- Appeal -------------------------------------------------------------------------------------------


def _ensure_appealable(complaint: Complaint) -> None:
    if complaint.state not in {State.RESOLUTION_PROPOSED, State.RESOLVED, State.CLOSED}:
        return  # _transition names the wrong state
    if not complaint.not_yet_appealed():
        raise WrongState(_("This complaint has already been appealed once; the appeal decision names the bodies you can turn to next."))
    if not complaint.closure_allows_appeal():
        raise WrongState(_("A complaint closed as %(reason)s can't be appealed.") % {"reason": complaint.get_closure_reason_display().lower()})
    if not complaint.within_appeal_window():
        raise WrongState(_("The appeal window closed on %(date)s.") % {"date": _when(complaint.appeal_window_ends_at)})


@transaction.atomic
def complaint_appeal(*, complaint: Complaint, actor, grounds: str) -> Complaint:
    complaint = _lock(complaint)
    from escalation.assignment import route_appeal

    policies.ensure_customer(actor, complaint)
    _ensure_appealable(complaint)
    grounds = _text("grounds", grounds, _("Give the grounds of your appeal."))
    posted = _post(complaint, actor, grounds, kind=MessageKind.APPEAL_GROUNDS)
    routing = route_appeal(complaint)  # appeals team, an eligible reviewer or the supervisors' queue
    _transition(complaint, actor, "appeal", data={**_message_data(posted), **routing})
    return complaint


@transaction.atomic
def complaint_decide_appeal(
    *, complaint: Complaint, actor, outcome: str, reasons: str, external_recourse: str, remedies=()
) -> Complaint:
    complaint = _lock(complaint)
    policies.ensure_can_review_appeal(actor, complaint)
    outcome = _choice("outcome", outcome, AppealOutcome, _("Choose: decision confirmed, changed or partly changed."))
    reasons = _text("reasons", reasons, _("Give the reasons for the appeal decision."))
    external = _text("external_recourse", external_recourse, _("Name the external bodies the customer can still turn to (ADR, arbitration, ombudsman, court)."))
    new_remedies = [_checked_remedy(item) for item in remedies]
    if outcome == AppealOutcome.CHANGED and not new_remedies:
        raise ValidationError({"remedies": _("A changed decision needs the new remedies.")})
    # A confirmed or partly changed decision keeps the remedies it offered; a changed one
    # replaces whatever of them is not yet paid out.
    if outcome == AppealOutcome.CHANGED:
        _move_remedies(complaint, _UNSETTLED, "cancel", actor)
    else:
        _accept_remedies(complaint, _LIVE_PROPOSALS, actor)
    created = _create_remedies(complaint, actor, new_remedies, from_appeal=True)
    _accept_remedies(complaint, [RemedyState.PROPOSED], actor)
    posted = _post(complaint, actor, f"{reasons}\n\n{external}", kind=MessageKind.APPEAL_DECISION)
    _transition(
        complaint, actor, "decide_appeal", reviewer=actor, outcome=outcome, external_recourse=external,
        data={**_message_data(posted), "outcome": outcome, "remedies": [r.pk for r in created]},
    )  # fmt: skip
    notification_queue(complaint=complaint, kind=Notification.Kind.APPEAL_DECISION, context={"message": posted, "remedies": created})
    return complaint


# --- Closing --------------------------------------------------------------------------------------------


@transaction.atomic
def complaint_withdraw(*, complaint: Complaint, actor, reason: str = "") -> Complaint:
    complaint = _lock(complaint)
    policies.ensure_customer(actor, complaint)
    data = {}
    if reason.strip():
        data = _message_data(_post(complaint, actor, reason.strip(), kind=MessageKind.WITHDRAWAL))
    if complaint.is_open:
        data["cancelled"] = _move_remedies(complaint, _UNSETTLED, "cancel", actor)
    _transition(complaint, actor, "withdraw", data=data)
    return complaint


@transaction.atomic
def complaint_close(*, complaint: Complaint, actor=None) -> Complaint:
    policies.ensure_system(actor)
    complaint = _lock(complaint)
    if complaint.state == State.RESOLVED:
        if not complaint.appeal_window_over():
            raise WrongState(_("The appeal window is open until %(date)s.") % {"date": _when(complaint.appeal_window_ends_at)})
        if not complaint.remedies_settled():
            raise WrongState(_("Some remedies are neither executed nor cancelled yet."))
    _transition(complaint, actor, "close")
    return complaint


@transaction.atomic
def complaint_reopen(*, complaint: Complaint, actor, reason: str) -> Complaint:
    """A supervisor reopens with a reason; or the customer, replying within the reopen window
    after their complaint was closed for lack of a response."""
    complaint = _lock(complaint)
    by_customer = policies.is_the_customer(actor, complaint)
    if by_customer:
        policies.ensure_customer(actor, complaint)
        ends = complaint.reopen_by_reply_ends_at
        if complaint.state == State.CLOSED and (ends is None or timezone.now() > ends):
            raise WrongState(_("Only a complaint closed for lack of a response can be reopened by replying, within %(days)d days.") % {"days": settings.REDRESS_REOPEN_WINDOW_DAYS})
    else:
        policies.ensure_can_reopen(actor, complaint)
    reason = _text("reason", reason, _("Say why the complaint is reopened."))
    visibility = Visibility.PUBLIC if by_customer else Visibility.INTERNAL
    posted = _post(complaint, actor, reason, kind=MessageKind.REOPEN, visibility=visibility)
    _transition(complaint, actor, "reopen", reason=reason, data=_message_data(posted))
    return complaint


@transaction.atomic
def complaint_archive(*, complaint: Complaint, actor=None) -> Complaint:
    policies.ensure_system(actor)
    complaint = _lock(complaint)
    if complaint.state == State.CLOSED:
        from .compliance.holds import hold_stands  # a hold on the complaint or on its customer

        if hold_stands(complaint):
            raise WrongState(_("A legal hold stands on this complaint; it can't be archived."))
        if not complaint.archive_period_over():
            raise WrongState(_("The archive period has not passed yet."))
    _transition(complaint, actor, "archive")
    return complaint


# --- Conversation and remedies outside transitions ---------------------------------------------------------


@transaction.atomic
def complaint_add_message(
    *, complaint: Complaint, actor, body: str, internal: bool = False, channel: str = ""
) -> Message:
    """A public reply (the customer or staff) or an internal note (staff only)."""
    complaint = _lock(complaint)
    is_customer = policies.is_the_customer(actor, complaint)
    if is_customer:
        policies.ensure_customer(actor, complaint)
        if internal:
            raise NotPermitted(_("Customers can't write internal notes."))
    else:
        policies.ensure_staff_with(actor, "complaints.add_message", complaint)
    if complaint.state == State.ARCHIVED:
        raise WrongState(_("An archived complaint is read-only."))
    body = _text("body", body, _("Write a message."))
    visibility = Visibility.INTERNAL if internal else Visibility.PUBLIC
    channel = channel or Channel.WEB
    message = _post(complaint, actor, body, visibility=visibility, channel=channel)
    audit_append(complaint=complaint, actor=actor, action="message", data={**_message_data(message), "visibility": visibility})
    _recompute_clocks(complaint)
    if not is_customer and not internal:
        notification_queue(complaint=complaint, kind=Notification.Kind.REPLY, context={"message": message})
    return message


def _locked_remedy(remedy: Remedy) -> tuple[Complaint, Remedy]:
    complaint = _lock(remedy.complaint)
    return complaint, Remedy.objects.select_for_update().get(pk=remedy.pk)


def _remedy_step(remedy: Remedy, actor, step: str, **kwargs) -> Remedy:
    complaint, remedy = _locked_remedy(remedy)
    policies.ensure_can_work(actor, complaint)
    if not can_proceed(getattr(remedy, step)):
        raise WrongState(_("This remedy is %(state)s; it can't be %(step)s.") % {"state": remedy.get_state_display().lower(), "step": REMEDY_STEP_LABELS[step]})
    from_state = remedy.state
    getattr(remedy, step)(**kwargs)
    _save_remedy(remedy, actor, step)
    audit_append(
        complaint=complaint, actor=actor, action=f"remedy_{step}", from_state=from_state, to_state=remedy.state,
        data={"remedy": remedy.pk, "idempotency_key": remedy.idempotency_key, "ledger_reference_sha256": digest(remedy.ledger_reference)},
    )  # fmt: skip
    _recompute_clocks(complaint)  # settled remedies let the complaint close when the appeal window ends
    return remedy


@transaction.atomic
def remedy_record_execution(*, remedy: Remedy, actor, ledger_reference: str) -> Remedy:
    reference = _text("ledger_reference", ledger_reference, _("Give the ledger reference of the payout, or the reference of the action taken."))
    clash = Remedy.objects.filter(ledger_reference=reference).exclude(pk=remedy.pk).exists()
    if clash:
        raise ValidationError({"ledger_reference": _("This ledger reference is already recorded for another remedy.")})
    return _remedy_step(remedy, actor, "execute", ledger_reference=reference)


@transaction.atomic
def remedy_record_failure(*, remedy: Remedy, actor, reason: str) -> Remedy:
    reason = _text("reason", reason, _("Say why the remedy failed."))
    return _remedy_step(remedy, actor, "fail", reason=reason)


@transaction.atomic
def remedy_retry(*, remedy: Remedy, actor) -> Remedy:
    return _remedy_step(remedy, actor, "retry")


@transaction.atomic
def remedy_cancel(*, remedy: Remedy, actor) -> Remedy:
    return _remedy_step(remedy, actor, "cancel")


# --- Links, ratings, transfers, conflicts --------------------------------------------------------------


@transaction.atomic
def complaint_link(*, complaint: Complaint, actor, related: Complaint) -> None:
    """Link two complaints both ways (same order, same transaction, same outage)."""
    complaint = _lock(complaint)
    policies.ensure_can_work(actor, complaint)
    if related is None or related.pk == complaint.pk:
        raise ValidationError({"related": _("Choose another complaint to link to.")})
    for one, other in ((complaint, related), (related, complaint)):
        ComplaintLink.objects.get_or_create(complaint=one, related=other, defaults={"created_by": actor})
    audit_append(complaint=complaint, actor=actor, action="link", data={"related": related.pk})


@transaction.atomic
def complaint_merge_into(*, complaint: Complaint, actor, original: Complaint) -> Complaint:
    """Merge a duplicate into its original: link them and close the duplicate. Both keep their
    own history and chain; the original's receipt date keeps the clock."""
    complaint_link(complaint=complaint, actor=actor, related=original)
    return complaint_close_as_duplicate(complaint=complaint, actor=actor, original=original)


@transaction.atomic
def complaint_transfer(*, complaint: Complaint, actor, team: Team, reason: str) -> Complaint:
    """Hand a complaint to another team; the assignee is cleared for that team to pick up."""
    complaint = _lock(complaint)
    policies.ensure_can_work(actor, complaint)
    if not complaint.is_open:
        raise WrongState(_("A closed complaint can't be transferred."))
    if team is None or team.pk == complaint.team_id:
        raise ValidationError({"team": _("Choose a different team.")})
    reason = _text("reason", reason, _("Say why the complaint is transferred."))
    before = complaint.team_id
    complaint.team, complaint.assignee = team, None
    complaint._change_reason, complaint._history_user = f"transfer: {reason}"[:100], actor
    complaint.save()
    note = _post(complaint, actor, reason, kind=MessageKind.COMMENT, visibility=Visibility.INTERNAL)
    audit_append(
        complaint=complaint, actor=actor, action="transfer",
        data={"from_team": before, "to_team": team.pk, **_message_data(note)},
    )  # fmt: skip
    return complaint


@transaction.atomic
def conflict_declare(*, complaint: Complaint, actor, reason: str) -> ConflictOfInterest:
    """Staff recuse themselves: never assigned to the complaint again, and unassigned now."""
    complaint = _lock(complaint)
    if actor is None or not actor.is_staff:
        raise NotPermitted(_("Only a member of staff can declare a conflict of interest."))
    reason = _text("reason", reason, _("Say what the conflict is."))
    if ConflictOfInterest.objects.filter(staff=actor, complaint=complaint).exists():
        raise ValidationError({"reason": _("You have already declared a conflict on this complaint.")})
    conflict = ConflictOfInterest.objects.create(staff=actor, complaint=complaint, reason=reason)
    if complaint.assignee_id == actor.pk:
        complaint.assignee = None
        complaint._change_reason, complaint._history_user = "conflict declared", actor
        complaint.save()
    return conflict  # the conflict_declared audit event is written by accounts.signals


@transaction.atomic
def complaint_rate(*, complaint: Complaint, actor, score: int, comment: str = "") -> SatisfactionRating:
    """The customer rates the handling once, after the complaint is resolved or closed by decision."""
    complaint = _lock(complaint)
    policies.ensure_customer(actor, complaint)
    rateable = complaint.state == State.RESOLVED or (
        complaint.state in {State.CLOSED, State.ARCHIVED} and complaint.closure_reason == ClosureReason.DECIDED
    )
    if not rateable:
        raise WrongState(_("You can rate the handling once your complaint is resolved."))
    if SatisfactionRating.objects.filter(complaint=complaint).exists():
        raise WrongState(_("You have already rated the handling of this complaint."))
    if score not in range(1, 6):
        raise ValidationError({"score": _("Choose a rating from 1 to 5.")})
    rating = SatisfactionRating.objects.create(complaint=complaint, score=score, comment=comment.strip())
    audit_append(
        complaint=complaint, actor=actor, action="rate",
        data={"score": score, "comment_sha256": digest(rating.comment)},
    )  # fmt: skip
    return rating
