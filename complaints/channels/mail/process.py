"""One raw e-mail in, one outcome out: a new complaint, a message on one, ignored, or quarantined.

Each message is acted on once. Its row (unique on the Message-ID) is inserted in the same
transaction as what it causes, so a second worker with the same message waits for the first
and then finds the row taken; a failure rolls both back and the next fetch tries again.

E-mail identity is weak, so an e-mail only ever files a complaint or adds a message (which
answers a request for information): accepting, appealing and withdrawing need the customer
signed in. A reply counts only with the complaint's reply token and from the customer's address.
"""

import hashlib
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from complaints import services
from complaints.choices import Category, Channel, State
from complaints.exceptions import ActionRefused
from complaints.models import Complaint, Message

from ..addresses import REFERENCE_IN_TEXT, complaint_for_token, token_in
from ..customers import NotACustomer, customer_for, language_of
from ..models import InboundEmail
from .parse import ParsedMail, Unparseable, fallback_message_id, parse, without_quoted_reply

Reason = InboundEmail.Reason


@dataclass
class Outcome:
    outcome: str
    reason: str = ""
    complaint: Complaint | None = None
    message: Message | None = None
    notes: list[str] = field(default_factory=list)


def mail_process(raw: bytes) -> InboundEmail:
    """Act on one raw RFC 822 message (at most once) and return its record."""
    try:
        mail = parse(raw)
    except Unparseable as error:
        return _record_unparseable(raw, str(error))
    key = _digest(f"{mail.message_id}\n{mail.sender}".encode())
    with transaction.atomic():
        record = _claim(key, message_id=mail.message_id, sender=mail.sender[:254], subject=mail.subject)
        if record is None:
            return InboundEmail.objects.get(claim_key=key)
        _finish(record, _route(mail), raw)
    return record


def _record_unparseable(raw: bytes, why: str) -> InboundEmail:
    key = _digest(raw)
    with transaction.atomic():
        record = _claim(key, message_id=fallback_message_id(raw))
        if record is None:
            return InboundEmail.objects.get(claim_key=key)
        _finish(record, Outcome(InboundEmail.Outcome.QUARANTINED, Reason.UNPARSEABLE, notes=[why]), raw)
    return record


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _claim(claim_key: str, **fields) -> InboundEmail | None:
    """Insert the message's row, or None when another run has it (waiting for that run's
    transaction first, on PostgreSQL: the unique index holds the second insert until then)."""
    record = InboundEmail(claim_key=claim_key, outcome=InboundEmail.Outcome.QUARANTINED, **fields)
    try:
        with transaction.atomic():  # a savepoint: losing the race must not abort the caller
            record.save()
    except IntegrityError:
        return None
    return record


def _finish(record: InboundEmail, outcome: Outcome, raw: bytes) -> None:
    record.outcome, record.reason = outcome.outcome, outcome.reason
    record.complaint, record.added_message = outcome.complaint, outcome.message
    record.notes = "\n".join(outcome.notes)
    record.raw_size = len(raw)
    if outcome.outcome == InboundEmail.Outcome.QUARANTINED:
        record.raw = raw  # staff must be able to read what was held back
    record.save()


def _route(mail: ParsedMail) -> Outcome:
    if mail.automatic:
        return Outcome(InboundEmail.Outcome.IGNORED, mail.automatic)
    if mail.dmarc_failed:
        return _quarantine(Reason.DMARC_FAIL)
    tokens = [token for token in map(token_in, mail.recipients) if token]
    try:
        if tokens:
            return _reply(mail, tokens[0])
        if REFERENCE_IN_TEXT.search(mail.subject):
            return _quarantine(Reason.NO_TOKEN)
        with transaction.atomic():  # a refused filing takes the customer it created with it
            return _new_complaint(mail)
    except (ActionRefused, ValidationError) as refused:
        return _quarantine(Reason.REFUSED, _sentences(refused))


def _quarantine(reason: str, notes: str = "") -> Outcome:
    return Outcome(InboundEmail.Outcome.QUARANTINED, reason, notes=[notes] if notes else [])


def _sentences(error) -> str:
    return error.message if isinstance(error, ActionRefused) else " ".join(error.messages)


def _reply(mail: ParsedMail, token: str) -> Outcome:
    complaint = complaint_for_token(token)
    if complaint is None:
        return _quarantine(Reason.BAD_TOKEN)
    if mail.sender != complaint.customer.email.lower():
        return _quarantine(Reason.WRONG_SENDER)
    if not complaint.is_open:
        return _quarantine(Reason.COMPLAINT_CLOSED)
    customer = complaint.customer
    body = without_quoted_reply(mail.text) or _attachments_only(complaint, mail)
    if complaint.state == State.AWAITING_CUSTOMER:
        services.complaint_receive_information(complaint=complaint, actor=customer, message=body, channel=Channel.EMAIL)
        message = complaint.messages.filter(author=customer, channel=Channel.EMAIL).latest("created_at", "id")
    else:
        message = services.complaint_add_message(complaint=complaint, actor=customer, body=body, channel=Channel.EMAIL)
    notes = _attach(complaint, customer, mail, message)
    return Outcome(InboundEmail.Outcome.MESSAGE, complaint=complaint, message=message, notes=notes)


def _attachments_only(complaint: Complaint, mail: ParsedMail) -> str:
    if not mail.attachments:
        return ""
    with translation.override(complaint.language):
        return _("(Sent by e-mail with attachments only.)")


def _new_complaint(mail: ParsedMail) -> Outcome:
    try:
        customer, _created = customer_for(mail.sender, name=mail.sender_name, language=language_of(mail.subject, mail.text))
    except NotACustomer:
        return _quarantine(Reason.NOT_A_CUSTOMER)
    filing = services.Filing(
        category=Category.OTHER, channel=Channel.EMAIL,
        summary=(mail.subject or mail.text.split("\n", 1)[0])[:200],
        description=mail.text or mail.subject,
    )  # fmt: skip
    complaint = services.complaint_file(customer=customer, filing=filing)
    notes = _attach(complaint, customer, mail, None)
    return Outcome(InboundEmail.Outcome.COMPLAINT, complaint=complaint, notes=notes)


def _attach(complaint: Complaint, customer, mail: ParsedMail, message: Message | None) -> list[str]:
    """Each attachment through the upload rules; a refused one is noted, the e-mail still counts."""
    refused = []
    for attachment in mail.attachments:
        upload = ContentFile(attachment.data, name=attachment.name)
        try:
            services.evidence_attach(complaint=complaint, actor=customer, upload=upload, message=message)
        except (ActionRefused, ValidationError) as error:
            refused.append(f"{attachment.name[:120]}: {_sentences(error)}")
    return refused
