"""What a customer does on their complaint page: reply, attach, accept, dispute, appeal, withdraw,
rate. Each action calls the service the console calls; a refusal becomes a message."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from complaints.choices import ClosureReason, MessageKind, RemedyKind, RemedyState, State
from complaints.models import AuditEvent, Evidence, Message, Remedy, SatisfactionRating
from complaints.portal.status import customer_actions
from tests.factories import ComplaintFactory


def url(name, complaint):
    return reverse(f"portal:complaint-{name}", args=[complaint.reference])


def flash(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def decided(complaint_in, agent, state=State.RESOLUTION_PROPOSED, days_ago=0, **fields):
    complaint = complaint_in(state, outcome="not_upheld", liability="customer_error", reasons="We checked.",
                             recourse="Appeal within 30 days.", decider=agent,
                             decided_at=timezone.now() - timedelta(days=days_ago), **fields)  # fmt: skip
    Remedy.objects.create(complaint=complaint, kind=RemedyKind.FEE_REFUND, amount=Decimal("3"), asset="USDT", proposed_by=agent)
    return complaint


# --- Reply and attach -----------------------------------------------------------------------------------


def test_a_reply_adds_a_public_message(alice_client, alice, complaint_in):
    complaint = complaint_in(State.INVESTIGATING)
    response = alice_client.post(url("reply", complaint), {"body": "Any news?"})
    assert response.status_code == 302 and response["Location"] == url("detail", complaint)
    message = complaint.messages.get()
    assert (message.body, message.author, message.visibility) == ("Any news?", alice, "public")
    assert "Any news?" in alice_client.get(url("detail", complaint)).content.decode()


def test_answering_a_request_returns_the_complaint_to_where_it_was(alice_client, complaint_in, png):
    complaint = complaint_in(State.AWAITING_CUSTOMER, return_state=State.INVESTIGATING, information_requested_at=timezone.now())
    page = alice_client.get(url("detail", complaint)).content.decode()
    assert "Answer our request" in page and "please answer below by" in page
    screenshot = SimpleUploadedFile("tx.png", png, "image/png")
    alice_client.post(url("reply", complaint), {"body": "Here is the hash.", "files": [screenshot]})
    complaint.refresh_from_db()
    assert complaint.state == State.INVESTIGATING
    answer = complaint.messages.get(kind=MessageKind.INFORMATION_REPLY)
    assert Evidence.objects.get(complaint=complaint).message == answer


def test_a_reply_after_a_no_response_closure_reopens_within_the_window(alice_client, complaint_in):
    complaint = complaint_in(State.CLOSED, closure_reason=ClosureReason.NO_RESPONSE, closed_at=timezone.now() - timedelta(days=2))
    assert "Reply to reopen your complaint" in alice_client.get(url("detail", complaint)).content.decode()
    alice_client.post(url("reply", complaint), {"body": "Sorry, I was travelling. Here it is."})
    complaint.refresh_from_db()
    assert complaint.state == State.INVESTIGATING


def test_after_the_reopen_window_a_reply_is_refused(alice_client, complaint_in):
    complaint = complaint_in(State.CLOSED, closure_reason=ClosureReason.NO_RESPONSE, closed_at=timezone.now() - timedelta(days=45))
    assert customer_actions(complaint.customer, complaint).reply is None
    response = alice_client.post(url("reply", complaint), {"body": "Too late?"})
    complaint.refresh_from_db()
    assert complaint.state == State.CLOSED
    assert response.status_code == 302 and flash(response)
    assert not complaint.messages.exists()


def test_an_empty_reply_shows_an_error_and_saves_nothing(alice_client, complaint_in):
    complaint = complaint_in(State.INVESTIGATING)
    response = alice_client.post(url("reply", complaint), {"body": "   "})
    assert response.status_code == 400
    assert response.context["reply_form"].errors["body"]
    assert 'id="id_body_error"' in response.content.decode()
    assert not complaint.messages.exists()


def test_a_bad_file_on_a_reply_saves_neither_message_nor_file(alice_client, complaint_in):
    complaint = complaint_in(State.INVESTIGATING)
    fake = SimpleUploadedFile("invoice.pdf", b"<html><script>alert(1)</script></html>", "application/pdf")
    response = alice_client.post(url("reply", complaint), {"body": "See attached", "files": [fake]})
    assert response.status_code == 400 and response.context["reply_form"].errors["files"]
    assert not complaint.messages.exists() and not Evidence.objects.exists()


def test_replies_are_rate_limited(alice_client, complaint_in, settings):
    settings.REDRESS_RATE_REPLY = "2/h"
    complaint = complaint_in(State.INVESTIGATING)
    for number in range(2):
        alice_client.post(url("reply", complaint), {"body": f"Message {number}"})
    response = alice_client.post(url("reply", complaint), {"body": "One too many"})
    assert response.status_code == 429
    assert "wait a few minutes" in response.content.decode()
    assert complaint.messages.count() == 2


# --- Accept, dispute, appeal --------------------------------------------------------------------------


def test_accepting_resolves_and_accepts_the_remedies(alice_client, complaint_in, agent):
    complaint = decided(complaint_in, agent)
    response = alice_client.post(url("accept", complaint))
    complaint.refresh_from_db()
    assert complaint.state == State.RESOLVED
    assert complaint.remedies.get().state == RemedyState.ACCEPTED
    assert any("accepted" in text for text in flash(response))
    assert AuditEvent.objects.filter(complaint=complaint, action="accept_resolution", actor=complaint.customer).exists()


def test_accepting_in_the_wrong_state_is_refused_with_a_message(alice_client, complaint_in):
    complaint = complaint_in(State.INVESTIGATING)
    response = alice_client.post(url("accept", complaint))
    assert response.status_code == 302
    assert any("can't be accepted now" in text for text in flash(response))
    complaint.refresh_from_db()
    assert complaint.state == State.INVESTIGATING


def test_a_dispute_sends_it_back_once(alice_client, complaint_in, agent):
    complaint = decided(complaint_in, agent)
    alice_client.post(url("dispute", complaint), {"reason": "You ignored my screenshots."})
    complaint.refresh_from_db()
    assert complaint.state == State.INVESTIGATING and complaint.disputed_at
    assert complaint.messages.get(kind=MessageKind.DISPUTE).body == "You ignored my screenshots."
    # The re-review ends in a new decision; a second dispute is refused.
    Complaint = type(complaint)
    Complaint.objects.filter(pk=complaint.pk).update(state=State.RESOLUTION_PROPOSED, decided_at=timezone.now())
    complaint.refresh_from_db()
    assert not customer_actions(complaint.customer, complaint).dispute
    assert url("dispute", complaint) not in alice_client.get(url("detail", complaint)).content.decode()
    response = alice_client.post(url("dispute", complaint), {"reason": "Still wrong."})
    assert any("already asked for one re-review" in text for text in flash(response))
    complaint.refresh_from_db()
    assert complaint.state == State.RESOLUTION_PROPOSED


def test_a_dispute_needs_a_reason(alice_client, complaint_in, agent):
    complaint = decided(complaint_in, agent)
    response = alice_client.post(url("dispute", complaint), {"reason": ""})
    assert response.status_code == 400 and response.context["dispute_form"].errors["reason"]
    complaint.refresh_from_db()
    assert complaint.state == State.RESOLUTION_PROPOSED


@pytest.mark.parametrize("state", [State.RESOLUTION_PROPOSED, State.RESOLVED])
def test_an_appeal_within_the_window_is_registered(alice_client, complaint_in, agent, state):
    complaint = decided(complaint_in, agent, state=state, days_ago=3)
    alice_client.post(url("appeal", complaint), {"grounds": "The order book shows otherwise."})
    complaint.refresh_from_db()
    assert complaint.state == State.APPEALED
    assert complaint.messages.get(kind=MessageKind.APPEAL_GROUNDS).body == "The order book shows otherwise."


def test_an_appeal_after_a_closure_that_allows_it(alice_client, complaint_in, agent):
    complaint = complaint_in(State.CLOSED, closure_reason=ClosureReason.OUT_OF_SCOPE, reasons="Not ours.",
                             recourse="Ask your bank.", decided_at=timezone.now(), closed_at=timezone.now(), decider=agent)  # fmt: skip
    alice_client.post(url("appeal", complaint), {"grounds": "It is yours."})
    complaint.refresh_from_db()
    assert complaint.state == State.APPEALED


def test_an_appeal_after_the_window_is_refused(alice_client, complaint_in, agent):
    complaint = decided(complaint_in, agent, state=State.RESOLVED, days_ago=45)
    page = alice_client.get(url("detail", complaint)).content.decode()
    assert url("appeal", complaint) not in page
    response = alice_client.post(url("appeal", complaint), {"grounds": "Late, but still."})
    assert any("appeal window closed" in text for text in flash(response))
    complaint.refresh_from_db()
    assert complaint.state == State.RESOLVED
    assert not complaint.messages.filter(kind=MessageKind.APPEAL_GROUNDS).exists()


def test_a_second_appeal_is_refused(alice_client, complaint_in, agent):
    complaint = decided(complaint_in, agent, state=State.RESOLVED, days_ago=2, appealed_at=timezone.now(),
                        appeal_outcome="confirmed", appeal_decided_at=timezone.now())  # fmt: skip
    assert not customer_actions(complaint.customer, complaint).appeal
    response = alice_client.post(url("appeal", complaint), {"grounds": "Again."})
    assert any("already been appealed" in text for text in flash(response))
    complaint.refresh_from_db()
    assert complaint.state == State.RESOLVED


def test_an_appeal_needs_grounds(alice_client, complaint_in, agent):
    complaint = decided(complaint_in, agent, state=State.RESOLVED)
    response = alice_client.post(url("appeal", complaint), {"grounds": ""})
    assert response.status_code == 400 and response.context["appeal_form"].errors["grounds"]


# --- Withdraw, rate -------------------------------------------------------------------------------------


def test_withdrawing_asks_for_confirmation_then_closes(alice_client, complaint_in):
    complaint = complaint_in(State.INVESTIGATING)
    confirm = alice_client.get(url("withdraw", complaint))
    assert confirm.status_code == 200 and "Yes, withdraw my complaint" in confirm.content.decode()
    complaint.refresh_from_db()
    assert complaint.state == State.INVESTIGATING  # looking changes nothing
    alice_client.post(url("withdraw", complaint), {"reason": "Sorted out with my bank."})
    complaint.refresh_from_db()
    assert (complaint.state, complaint.closure_reason) == (State.CLOSED, ClosureReason.WITHDRAWN)


def test_a_closed_complaint_cannot_be_withdrawn(alice_client, complaint_in):
    complaint = complaint_in(State.CLOSED, closure_reason=ClosureReason.DECIDED, closed_at=timezone.now())
    assert "can no longer be withdrawn" in alice_client.get(url("withdraw", complaint)).content.decode()
    response = alice_client.post(url("withdraw", complaint), {})
    assert flash(response)
    complaint.refresh_from_db()
    assert complaint.closure_reason == ClosureReason.DECIDED


def test_rating_once_resolved(alice_client, complaint_in, agent):
    complaint = decided(complaint_in, agent, state=State.RESOLVED)
    alice_client.post(url("rate", complaint), {"score": "4", "comment": "Fair, if slow."})
    rating = SatisfactionRating.objects.get(complaint=complaint)
    assert (rating.score, rating.comment) == (4, "Fair, if slow.")
    page = alice_client.get(url("detail", complaint)).content.decode()
    assert url("rate", complaint) not in page and "4/5" in page
    response = alice_client.post(url("rate", complaint), {"score": "1"})
    assert any("already rated" in text for text in flash(response))
    assert SatisfactionRating.objects.get(complaint=complaint).score == 4


def test_a_rating_out_of_range_is_refused(alice_client, complaint_in, agent):
    complaint = decided(complaint_in, agent, state=State.RESOLVED)
    response = alice_client.post(url("rate", complaint), {"score": "9"})
    assert response.status_code == 400 and response.context["rating_form"].errors["score"]
    assert not SatisfactionRating.objects.exists()


def test_rating_before_resolution_is_refused(alice_client, complaint_in):
    complaint = complaint_in(State.INVESTIGATING)
    response = alice_client.post(url("rate", complaint), {"score": "5"})
    assert flash(response) and not SatisfactionRating.objects.exists()


# --- Everyone else ---------------------------------------------------------------------------------------

ACTIONS = {
    "reply": {"body": "Hello"},
    "accept": {},
    "dispute": {"reason": "No"},
    "appeal": {"grounds": "No"},
    "withdraw": {},
    "rate": {"score": "5"},
}


@pytest.mark.parametrize("action", ACTIONS)
def test_another_customers_complaint_is_404_for_every_action(alice_client, bob, agent, action):
    complaint = ComplaintFactory(customer=bob, state=State.RESOLUTION_PROPOSED, decided_at=timezone.now(), decider=agent)
    response = alice_client.post(url(action, complaint), ACTIONS[action])
    assert response.status_code == 404
    complaint.refresh_from_db()
    assert complaint.state == State.RESOLUTION_PROPOSED and not Message.objects.exists()


@pytest.mark.parametrize("action", ACTIONS)
def test_signed_out_actions_go_to_sign_in(client, complaint_in, action):
    complaint = complaint_in(State.RESOLUTION_PROPOSED, decided_at=timezone.now())
    response = client.post(url(action, complaint), ACTIONS[action])
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:sign-in"))
    complaint.refresh_from_db()
    assert complaint.state == State.RESOLUTION_PROPOSED


@pytest.mark.parametrize("action", ["reply", "accept", "dispute", "appeal", "rate"])
def test_actions_need_a_post(alice_client, complaint_in, action):
    complaint = complaint_in(State.RESOLUTION_PROPOSED, decided_at=timezone.now())
    assert alice_client.get(url(action, complaint)).status_code == 405


# --- Which buttons show ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "state, fields, expected",
    [
        (State.RECEIVED, {}, {"reply": "message", "withdraw": True}),
        (State.TRIAGE, {}, {"reply": "message", "withdraw": True}),
        (State.AWAITING_CUSTOMER, {}, {"reply": "answer", "withdraw": True}),
        (State.INVESTIGATING, {}, {"reply": "message", "withdraw": True}),
        (State.AWAITING_APPROVAL, {}, {"reply": "message", "withdraw": True}),
        (State.RESOLUTION_PROPOSED, {"decided_at": 0}, {"reply": "message", "accept": True, "dispute": True, "appeal": True, "withdraw": True}),
        (State.RESOLUTION_PROPOSED, {"decided_at": 0, "disputed_at": 1}, {"reply": "message", "accept": True, "appeal": True, "withdraw": True}),
        (State.RESOLVED, {"decided_at": 0}, {"reply": "message", "appeal": True, "rate": True}),
        (State.RESOLVED, {"decided_at": 40}, {"reply": "message", "rate": True}),
        (State.APPEALED, {"decided_at": 0, "appealed_at": 0}, {"reply": "message"}),
        (State.CLOSED, {"closure_reason": ClosureReason.DECIDED, "closed_at": 0, "decided_at": 0}, {"appeal": True, "rate": True}),
        (State.CLOSED, {"closure_reason": ClosureReason.WITHDRAWN, "closed_at": 0}, {}),
        (State.CLOSED, {"closure_reason": ClosureReason.DUPLICATE, "closed_at": 0, "decided_at": 0}, {}),
        (State.CLOSED, {"closure_reason": ClosureReason.NO_RESPONSE, "closed_at": 0}, {"reply": "reopen", "appeal": True}),
        (State.ARCHIVED, {"closure_reason": ClosureReason.DECIDED, "closed_at": 200, "decided_at": 200}, {"rate": True}),
    ],
)
def test_customer_actions_per_state(alice, complaint_in, state, fields, expected):
    now = timezone.now()
    values = {name: now - timedelta(days=value) if name.endswith("_at") else value for name, value in fields.items()}
    complaint = complaint_in(state, **values)
    actions = customer_actions(alice, complaint)
    shown = {name: getattr(actions, name) for name in ("reply", "accept", "dispute", "appeal", "withdraw", "rate")}
    assert shown == {"reply": None, "accept": False, "dispute": False, "appeal": False, "withdraw": False, "rate": False, **expected}


def test_no_actions_for_anyone_but_the_customer(bob, complaint_in):
    complaint = complaint_in(State.RESOLUTION_PROPOSED, decided_at=timezone.now())
    assert not customer_actions(bob, complaint).accept
