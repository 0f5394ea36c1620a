"""The notification outbox: written in the filing transaction, sent by Celery after commit,
sent once however often its task runs, kept pending when SMTP fails, never written when the
filing rolls back. And what the acknowledgement says, in the customer's language.
"""

import smtplib
from datetime import UTC, datetime

import pytest
import time_machine
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction

from complaints import services
from complaints.choices import Category, State
from complaints.models import Complaint, Notification
from complaints.tasks import send_notification
from tests.factories import CustomerFactory

ACK = Notification.Kind.ACKNOWLEDGEMENT
# Received on the last day of a month: two months later is the last day of February.
RECEIVED = datetime(2025, 12, 31, 9, 30, tzinfo=UTC)


def file(customer, **fields) -> Complaint:
    filing = {
        "category": Category.DEPOSIT_WITHDRAWAL,
        "summary": "USDT withdrawal never arrived",
        "description": "I withdrew 500 USDT on TRON on 30 December and it never reached my wallet.",
        "desired_outcome": "Credit the 500 USDT back",
        **fields,
    }
    return services.complaint_file(customer=customer, filing=services.Filing(**filing))


@pytest.fixture
def queued(alice, django_capture_on_commit_callbacks):
    """Alice's complaint filed; its acknowledgement queued and the task captured, not run."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        complaint = file(alice)
    notification = Notification.objects.get(complaint=complaint)
    assert (notification.kind, notification.status, notification.attempts) == (ACK, "pending", 0)
    assert len(callbacks) == 1
    return notification, callbacks


# --- Sent once ----------------------------------------------------------------------------------


def test_the_acknowledgement_is_sent_once_when_its_task_runs_twice(queued, mailoutbox):
    notification, _callbacks = queued
    send_notification.apply(args=[notification.pk])
    send_notification.apply(args=[notification.pk])
    assert len(mailoutbox) == 1
    notification.refresh_from_db()
    assert (notification.status, notification.attempts, notification.last_error) == ("sent", 1, "")
    assert notification.sent_at is not None


def test_the_acknowledgement_is_rendered_by_the_sending_worker_and_the_row_keeps_what_was_sent(queued, mailoutbox):
    notification, _callbacks = queued
    # Filing wrote the deadlines it promises, not the e-mail: rendering is the worker's work.
    assert (notification.subject, notification.body_text) == ("", "")
    assert set(notification.context) == {"first_response_due", "decision_due"}
    send_notification.apply(args=[notification.pk])
    notification.refresh_from_db()
    sent = mailoutbox[0]
    assert (notification.subject, notification.body_text) == (sent.subject, sent.body)
    assert notification.body_html == sent.alternatives[0][0]
    assert notification.complaint.reference in notification.subject


def test_running_the_captured_on_commit_callback_twice_sends_once(queued, mailoutbox):
    notification, callbacks = queued
    assert mailoutbox == []  # nothing is sent before commit
    callbacks[0]()
    callbacks[0]()
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["alice@example.com"]
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == ("sent", 1)


def test_a_row_another_worker_is_sending_is_left_alone(queued, mailoutbox):
    notification, _callbacks = queued
    Notification.objects.filter(pk=notification.pk).update(status=Notification.Status.SENDING, attempts=1)
    send_notification.apply(args=[notification.pk])
    assert mailoutbox == []
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == ("sending", 1)


@pytest.fixture
def smtp_fails_once(monkeypatch):
    real_send, calls = EmailMultiAlternatives.send, []

    def send(self, *args, **kwargs):
        calls.append(self.subject)
        if len(calls) == 1:
            raise smtplib.SMTPException("451 4.3.0 Mail server temporarily rejected message")
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", send)
    return calls


def test_a_failed_send_leaves_the_row_pending_and_the_next_run_sends_it_once(queued, smtp_fails_once, mailoutbox):
    notification, _callbacks = queued
    # Called directly, as a worker's single attempt: Celery re-raises instead of retrying eagerly.
    with pytest.raises(smtplib.SMTPException):
        send_notification(notification.pk)
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == ("pending", 1)
    assert notification.last_error == "SMTPException: 451 4.3.0 Mail server temporarily rejected message"
    assert notification.sent_at is None
    assert mailoutbox == []

    send_notification.apply(args=[notification.pk])
    send_notification.apply(args=[notification.pk])
    assert len(mailoutbox) == 1
    assert len(smtp_fails_once) == 2
    notification.refresh_from_db()
    assert (notification.status, notification.attempts, notification.last_error) == ("sent", 2, "")


def test_celerys_own_retry_after_a_failure_sends_once(queued, smtp_fails_once, mailoutbox):
    notification, _callbacks = queued
    send_notification.apply(args=[notification.pk])  # eager: the retry runs at once
    assert len(mailoutbox) == 1
    notification.refresh_from_db()
    assert (notification.status, notification.attempts, notification.last_error) == ("sent", 2, "")


# --- Nothing when the filing rolls back --------------------------------------------------------


class Abandoned(Exception):
    pass


def test_nothing_is_queued_when_the_filing_transaction_rolls_back(alice, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(Abandoned), transaction.atomic():
            file(alice)
            assert Notification.objects.count() == 1  # written in the transaction...
            raise Abandoned
    assert callbacks == []  # ...and its task discarded with it
    assert Notification.objects.count() == 0
    assert Complaint.objects.count() == 0
    assert mailoutbox == []


def test_nothing_is_queued_for_a_refused_filing(alice, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Exception, match="Describe"):
        file(alice, description="   ")
    assert callbacks == []
    assert Notification.objects.count() == 0
    assert mailoutbox == []


# --- What the acknowledgement says ---------------------------------------------------------------


def _send_acknowledgement(customer, django_capture_on_commit_callbacks, **fields):
    with time_machine.travel(RECEIVED, tick=False), django_capture_on_commit_callbacks(execute=True):
        complaint = file(customer, **fields)
    assert complaint.received_at == RECEIVED
    return complaint, Notification.objects.get(complaint=complaint, kind=ACK)


def test_the_acknowledgement_in_english(alice, django_capture_on_commit_callbacks, mailoutbox):
    complaint, notification = _send_acknowledgement(alice, django_capture_on_commit_callbacks)
    assert complaint.state == State.TRIAGE
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == ["alice@example.com"]
    assert email.subject == f"We have received your complaint {complaint.reference}" == notification.subject
    assert notification.language == "en"
    html = email.alternatives[0][0]
    for body in (email.body, html):
        assert complaint.reference in body
        assert "Dec. 31, 2025, 9:30 a.m." in body  # received
        assert "Feb. 28, 2026" in body  # decided by: two months from receipt (MiCA)
        assert "USDT withdrawal never arrived" in body
        assert "on 30 December and it never reached my wallet" in body
        assert "Credit the 500 USDT back" in body
        assert settings.REDRESS_DESK_EMAIL in body
    assert "Dear Alice," in email.body
    assert "We will give you our decision by Feb. 28, 2026 at the latest" in email.body
    assert email.extra_headers["Auto-Submitted"] == "auto-generated"


def test_the_acknowledgement_escapes_what_the_customer_wrote_in_html(alice, django_capture_on_commit_callbacks, mailoutbox):
    _complaint, _notification = _send_acknowledgement(
        alice, django_capture_on_commit_callbacks, summary="<img src=x onerror=alert(1)>", description="<script>x</script>"
    )
    html = mailoutbox[0].alternatives[0][0]
    assert "<script>x</script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert "<img src=x" not in html
    assert "<script>x</script>" in mailoutbox[0].body  # the plain-text part is plain text


def test_the_acknowledgement_in_simplified_chinese(db, django_capture_on_commit_callbacks, mailoutbox):
    li = CustomerFactory(email="li.lei@example.com", first_name="李雷", profile__language="zh-hans")
    complaint, notification = _send_acknowledgement(
        li, django_capture_on_commit_callbacks, summary="USDT 提现未到账", description="我在 12 月 30 日提现 500 USDT，至今未到账。"
    )
    assert (complaint.language, notification.language) == ("zh-hans", "zh-hans")
    email = mailoutbox[0]
    # locale/zh_Hans/LC_MESSAGES/django.po: "We have received your complaint %(reference)s"
    assert email.subject == f"我们已收到您的投诉 {complaint.reference}"
    html = email.alternatives[0][0]
    assert '<html lang="zh-hans">' in html
    for body in (email.body, html):
        assert complaint.reference in body
        assert "2025年12月31日 09:30" in body  # received
        assert "2026年2月28日" in body  # decided by
        assert "USDT 提现未到账" in body
        assert "我在 12 月 30 日提现 500 USDT，至今未到账。" in body
        assert settings.REDRESS_DESK_EMAIL in body
        assert "We will give you our decision" not in body
        assert "A copy of your complaint" not in body
