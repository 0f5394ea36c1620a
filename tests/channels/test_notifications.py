"""Outbound e-mail: every customer notice, queued by the service that causes it, in the
customer's language, plain text and HTML, threaded on the complaint, with the reply token in
Reply-To; sent once, retried with backoff, and never sent when the transaction rolls back."""

import re
import smtplib
from datetime import date

import pytest
from django.core.mail import EmailMultiAlternatives
from django.db import transaction

from accounts.models import Team
from complaints import services
from complaints.channels.addresses import reply_address, thread_root_id
from complaints.channels.mail.process import mail_process
from complaints.choices import AppealOutcome, Liability, Outcome, RemedyKind
from complaints.models import Notification
from complaints.tasks import send_notification
from escalation.services import complaint_deem_accepted, complaint_send_reminder, deadline_extend
from tests.factories import CustomerFactory

from .mails import email

Kind = Notification.Kind
CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_WORDS = ["Dear", "Please", "decision", "Follow your"]


@pytest.fixture(params=["en", "zh-hans"])
def customer(request, db):
    return CustomerFactory(email="wei@example.com", first_name="Wei", profile__language=request.param)


def _file(customer):
    filing = services.Filing(category="trade_dispute", summary="Late fill", description="My order filled late.")
    return services.complaint_file(customer=customer, filing=filing)


def _investigating(customer, agent):
    return services.complaint_start_investigation(
        complaint=_file(customer), actor=agent, priority="P3", team=Team.objects.get(code="trade_risk"), assignee=agent
    )


def _propose(complaint, agent):
    decision = services.Decision(outcome=Outcome.UPHELD, liability=Liability.PLATFORM_FAULT, reasons="Late on our side.",
                                 recourse="Appeal within 30 days.", remedies=(services.RemedyInput(kind=RemedyKind.APOLOGY),))  # fmt: skip
    return services.complaint_propose_resolution(complaint=complaint, actor=agent, decision=decision)


def _every_notice(customer, agent, reviewer):
    """Walk complaints through the services that send each customer notice."""
    first = _investigating(customer, agent)  # acknowledgement
    services.complaint_add_message(complaint=first, actor=agent, body="We are looking into it.")  # reply
    services.complaint_request_information(complaint=first, actor=agent, message="Which order?")  # information request
    services.complaint_receive_information(complaint=first, actor=customer, message="Order 1.")
    deadline_extend(complaint=first, actor=agent, new_due_at=date(2027, 6, 1), reason="Waiting for the ledger team.")
    _propose(first, agent)  # the proposed remedy
    complaint_send_reminder(complaint=first)  # the reminder before deemed acceptance
    services.complaint_appeal(complaint=first, actor=customer, grounds="An apology is not enough.")
    services.complaint_decide_appeal(complaint=first, actor=reviewer, outcome=AppealOutcome.CONFIRMED,
                                     reasons="The apology stands.", external_recourse="The ombudsman.")  # fmt: skip
    second = _file(customer)
    services.complaint_reject_out_of_scope(complaint=second, actor=agent, reasons="Not ours to decide.",
                                           referral="Your bank.")  # the decision (closure)  # fmt: skip
    third = _propose(_investigating(customer, agent), agent)
    third.decided_at = third.decided_at.replace(year=third.decided_at.year - 1)
    third.save()
    complaint_deem_accepted(complaint=third)  # the decision deemed accepted
    return first


CUSTOMER_KINDS = {Kind.ACKNOWLEDGEMENT, Kind.REPLY, Kind.INFORMATION_REQUEST, Kind.DEADLINE_EXTENSION,
                  Kind.RESOLUTION_PROPOSED, Kind.REMINDER, Kind.APPEAL_DECISION, Kind.CLOSURE, Kind.DEEMED_ACCEPTANCE}  # fmt: skip


def test_every_customer_notice_in_the_customers_language_text_and_html(customer, agent, reviewer, mailoutbox, django_capture_on_commit_callbacks):
    language = customer.customer_profile.language
    with django_capture_on_commit_callbacks(execute=True):
        _every_notice(customer, agent, reviewer)
    notices = Notification.objects.filter(recipient=customer)
    assert {n.kind for n in notices} == CUSTOMER_KINDS
    for notice in notices:
        assert notice.language == language and notice.status == "sent"
        assert notice.complaint.reference in notice.body_text and notice.complaint.reference in notice.body_html
        assert notice.body_html.lstrip().startswith("<!doctype html>")
        for part in (notice.subject, notice.body_text):
            if language == "en":
                assert not CJK.search(part), (notice.kind, part)
            else:
                assert CJK.search(part) and not [w for w in ENGLISH_WORDS if w in part], (notice.kind, part)
    assert len(mailoutbox) == notices.count()
    assert all(message.alternatives[0][1] == "text/html" for message in mailoutbox)


def test_e_mails_about_a_complaint_form_one_thread_with_the_reply_token(alice, agent, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        complaint = _investigating(alice, agent)
        services.complaint_request_information(complaint=complaint, actor=agent, message="Which order?")
    acknowledgement, request = mailoutbox
    root = thread_root_id(complaint)
    assert acknowledgement.extra_headers["Message-ID"] == root
    assert "In-Reply-To" not in acknowledgement.extra_headers
    assert request.extra_headers["In-Reply-To"] == root == request.extra_headers["References"]
    assert request.extra_headers["Message-ID"] not in {root, ""}
    assert acknowledgement.reply_to == request.reply_to == [reply_address(complaint)]
    assert reply_address(complaint).startswith("complaints+cmp-")


def test_the_customer_answering_the_request_by_replying_to_it_reaches_the_complaint(alice, agent, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        complaint = _investigating(alice, agent)
        services.complaint_request_information(complaint=complaint, actor=agent, message="Which order?")
    request = mailoutbox[-1]
    answer = email(to=request.reply_to[0], subject=f"Re: {request.subject}", body="Order 42.",
                   headers={"In-Reply-To": request.extra_headers["Message-ID"]})  # fmt: skip
    assert mail_process(answer).outcome == "message"
    complaint.refresh_from_db()
    assert complaint.state == "investigating"


def test_a_staff_notice_has_no_reply_token(db, agent):
    from complaints.tasks import threading_headers
    from tests.factories import ComplaintFactory

    complaint = ComplaintFactory(customer=CustomerFactory())
    staff_notice = Notification(complaint=complaint, recipient=agent, kind=Kind.ESCALATION_ALERT, pk=7)
    assert "Reply-To" not in threading_headers(staff_notice)


# --- Sending --------------------------------------------------------------------------------------------


@pytest.fixture
def smtp_fails_once(monkeypatch):
    real_send, calls = EmailMultiAlternatives.send, []

    def send(self, *args, **kwargs):
        calls.append(self.extra_headers["Message-ID"])
        if len(calls) == 1:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", send)
    return calls


def test_a_task_retried_after_an_smtp_failure_sends_once_with_the_same_message_id(alice, smtp_fails_once, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        complaint = _file(alice)
    notice = Notification.objects.get(complaint=complaint)
    send_notification.apply(args=[notice.pk])  # fails, then Celery's retry sends
    send_notification.apply(args=[notice.pk])  # a duplicate delivery of the task
    callbacks[0]()
    assert len(mailoutbox) == 1
    assert smtp_fails_once[0] == smtp_fails_once[1] == thread_root_id(complaint)
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == ("sent", 2)


def test_retries_back_off_and_a_notice_out_of_retries_is_marked_failed(alice, monkeypatch, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        complaint = _file(alice)
    notice = Notification.objects.get(complaint=complaint)
    countdowns = []
    real_retry = send_notification.retry
    monkeypatch.setattr(send_notification, "retry", lambda **kw: countdowns.append(kw["countdown"]) or real_retry(**kw))
    monkeypatch.setattr(EmailMultiAlternatives, "send", lambda self, *a, **k: (_ for _ in ()).throw(smtplib.SMTPException("down")))
    result = send_notification.apply(args=[notice.pk])
    assert isinstance(result.result, smtplib.SMTPException)
    assert countdowns == [60, 120, 240, 480, 960, 1920, 3600, 3600]
    notice.refresh_from_db()
    assert (notice.status, notice.attempts, notice.last_error) == ("failed", 9, "SMTPException: down")


class Abandoned(Exception):
    pass


def test_nothing_is_sent_when_the_transaction_rolls_back(alice, agent, mailoutbox, django_capture_on_commit_callbacks):
    complaint = _investigating(alice, agent)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(Abandoned), transaction.atomic():
            services.complaint_request_information(complaint=complaint, actor=agent, message="Which order?")
            raise Abandoned
    assert callbacks == [] and mailoutbox == []
    assert not Notification.objects.filter(kind=Kind.INFORMATION_REQUEST).exists()
