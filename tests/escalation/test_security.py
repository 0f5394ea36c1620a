"""P1 account security with funds at risk: the security team is paged and a freeze is requested."""

import json
from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError

from accounts.models import StaffProfile
from complaints.choices import Category, Channel, Priority, State
from complaints.exceptions import NotPermitted, WrongState
from complaints.models import AuditEvent, Complaint, Notification
from escalation.models import FreezeRequest, SupervisorQueueItem
from escalation.notifications import SECURITY_PAGE
from escalation.services import freeze_request_confirm, freeze_request_reject

from .conftest import file_complaint, sweep_and_run

WEBHOOK = "https://exchange.example/hooks/freeze"


def hacked(customer, channel=Channel.WEB):
    return file_complaint(
        customer, category=Category.ACCOUNT_SECURITY, subcategory="theft", funds_at_risk=True, channel=channel,
        summary="My account was hacked", description="Someone logged in and withdrew my BTC.",
    )  # fmt: skip


class Response:
    def __init__(self, status=200):
        self.status = status

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def actions(complaint) -> list[str]:
    return list(AuditEvent.objects.filter(complaint=complaint).order_by("seq").values_list("action", flat=True))


def test_the_security_team_is_paged_and_a_freeze_request_recorded_even_with_no_webhook(
    alice, security_specialist, settings, django_capture_on_commit_callbacks
):
    settings.FREEZE_WEBHOOK_URL = ""
    with django_capture_on_commit_callbacks(execute=True):
        complaint = hacked(alice)
    assert (complaint.state, complaint.priority, complaint.team.code) == (State.INVESTIGATING, Priority.P1, "security")
    assert complaint.assignee == security_specialist  # the least-loaded member present
    assert actions(complaint) == ["file", "acknowledge", "start_investigation", "freeze_requested", "security_paged"]
    page = Notification.objects.get(complaint=complaint, kind=SECURITY_PAGE)
    assert page.recipient == security_specialist and page.status == Notification.Status.SENT
    assert "being sent to the exchange" in page.body_text and "Someone logged in" not in page.body_text
    freeze = FreezeRequest.objects.get(complaint=complaint)
    assert (freeze.status, freeze.verified_channel) == (FreezeRequest.Status.PENDING, True)
    assert "not configured" in freeze.last_error


def test_the_freeze_request_is_posted_to_the_webhook(alice, security_specialist, settings, django_capture_on_commit_callbacks):
    settings.FREEZE_WEBHOOK_URL, settings.FREEZE_WEBHOOK_SECRET = WEBHOOK, "s3cret"
    with mock.patch("urllib.request.urlopen", return_value=Response(202)) as post, django_capture_on_commit_callbacks(execute=True):
        complaint = hacked(alice)
    request = post.call_args.args[0]
    freeze = FreezeRequest.objects.get(complaint=complaint)
    assert request.full_url == WEBHOOK and request.get_method() == "POST"
    assert request.headers["Idempotency-key"] == str(freeze.idempotency_key)
    assert request.headers["X-redress-signature"].startswith("sha256=")
    body = json.loads(request.data)
    assert body["complaint"] == complaint.reference and body["exchange_uid"] == alice.customer_profile.exchange_uid
    assert (freeze.status, freeze.response_status, freeze.attempts) == (FreezeRequest.Status.SENT, 202, 1)
    assert actions(complaint)[-1] == "freeze_sent"


def test_a_failing_webhook_is_retried_then_lands_in_the_supervisors_queue(alice, settings, django_capture_on_commit_callbacks):
    settings.FREEZE_WEBHOOK_URL = WEBHOOK
    failure = OSError("connection refused")
    with mock.patch("urllib.request.urlopen", side_effect=failure) as post, django_capture_on_commit_callbacks(execute=True):
        complaint = hacked(alice)
    freeze = FreezeRequest.objects.get(complaint=complaint)
    assert post.call_count == 9  # the first try and eight retries
    assert (freeze.status, freeze.attempts) == (FreezeRequest.Status.FAILED, 9)
    assert SupervisorQueueItem.objects.get(complaint=complaint).reason == SupervisorQueueItem.Reason.FREEZE_FAILED
    assert actions(complaint)[-1] == "freeze_failed"


def test_a_request_that_came_by_email_waits_for_staff_to_confirm_it(
    alice, agent, security_specialist, settings, django_capture_on_commit_callbacks
):
    settings.FREEZE_WEBHOOK_URL = WEBHOOK
    with mock.patch("urllib.request.urlopen", return_value=Response()) as post, django_capture_on_commit_callbacks(execute=True):
        complaint = hacked(alice, channel=Channel.EMAIL)
    freeze = FreezeRequest.objects.get(complaint=complaint)
    assert (freeze.status, freeze.verified_channel, post.call_count) == (FreezeRequest.Status.AWAITING_CONFIRMATION, False, 0)
    assert "Confirm the request in the console" in Notification.objects.get(complaint=complaint, kind=SECURITY_PAGE).body_text

    with pytest.raises(NotPermitted):
        freeze_request_confirm(freeze_request=freeze, actor=alice)
    with mock.patch("urllib.request.urlopen", return_value=Response()) as post, django_capture_on_commit_callbacks(execute=True):
        freeze_request_confirm(freeze_request=freeze, actor=security_specialist)
    freeze.refresh_from_db()
    assert (freeze.status, freeze.confirmed_by, post.call_count) == (FreezeRequest.Status.SENT, security_specialist, 1)
    assert json.loads(post.call_args.args[0].data)["confirmed_by_staff"] is True
    with pytest.raises(WrongState):
        freeze_request_confirm(freeze_request=freeze, actor=security_specialist)
    assert "freeze_confirmed" in actions(complaint)


def test_staff_may_refuse_to_send_an_unverified_request(alice, security_specialist):
    complaint = hacked(alice, channel=Channel.EMAIL)
    freeze = FreezeRequest.objects.get(complaint=complaint)
    with pytest.raises(ValidationError):
        freeze_request_reject(freeze_request=freeze, actor=security_specialist, reason="")
    freeze_request_reject(freeze_request=freeze, actor=security_specialist, reason="The sender is not the account holder.")
    freeze.refresh_from_db()
    assert freeze.status == FreezeRequest.Status.REJECTED
    assert actions(complaint)[-1] == "freeze_rejected"


def test_with_nobody_in_security_present_the_supervisors_are_paged(alice, security_specialist, supervisor):
    StaffProfile.objects.filter(user=security_specialist).update(out_of_office=True)
    complaint = hacked(alice)
    assert complaint.assignee is None
    assert Notification.objects.get(complaint=complaint, kind=SECURITY_PAGE).recipient == supervisor


def test_the_sweep_sends_requests_recorded_before_a_webhook_was_configured(
    alice, settings, monday, django_capture_on_commit_callbacks
):
    settings.FREEZE_WEBHOOK_URL = ""
    complaint = hacked(alice)
    settings.FREEZE_WEBHOOK_URL = WEBHOOK
    monday.shift(timedelta(minutes=10))
    with mock.patch("urllib.request.urlopen", return_value=Response()):
        sweep_and_run(django_capture_on_commit_callbacks)
    assert FreezeRequest.objects.get(complaint=complaint).status == FreezeRequest.Status.SENT


def test_a_security_complaint_without_funds_at_risk_requests_no_freeze(alice):
    complaint = file_complaint(alice, category=Category.ACCOUNT_SECURITY, subcategory="abnormal_login")
    assert Complaint.objects.get(pk=complaint.pk).state == State.TRIAGE
    assert not FreezeRequest.objects.exists()
