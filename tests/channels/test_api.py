"""The intake API: a token per integration, filing once per Idempotency-Key, the public
timeline, customer replies; JSON errors naming each field; another integration's complaint is 404."""

import pytest
from django.core.cache import cache

from complaints import services
from complaints.channels.models import ApiIntake, Integration, token_digest
from complaints.choices import Channel, State, Visibility
from complaints.models import Complaint, Message
from tests.factories import CustomerFactory

URL = "/api/v1/complaints"


def make_integration(name="LiveChat", channel=Channel.LIVE_CHAT) -> tuple[Integration, str]:
    token = f"rdi_test_{name}"
    return Integration.objects.create(name=name, channel=channel, token_digest=token_digest(token), token_prefix=token[:12]), token


@pytest.fixture
def chat(db):
    return make_integration()


@pytest.fixture
def api(client, chat):
    _integration, token = chat

    def call(method, path, body=None, *, key=None, token=token, **headers):
        if token:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        if key:
            headers["HTTP_IDEMPOTENCY_KEY"] = key
        return getattr(client, method)(path, body, content_type="application/json", **headers) if body is not None else getattr(client, method)(path, **headers)

    return call


def filing(**changes):
    body = {"customer": {"email": "alice@example.com", "name": "Alice"}, "category": "trade_dispute",
            "summary": "Order filled late", "description": "My limit order filled two minutes late.",
            "order_ids": ["123456789"]}  # fmt: skip
    return {**body, **changes}


# --- Filing ---------------------------------------------------------------------------------------------------


def test_filing_creates_the_complaint_on_the_integrations_channel(api, alice, chat):
    response = api("post", URL, filing(), key="chat-1")
    assert response.status_code == 201, response.content
    data = response.json()
    complaint = Complaint.objects.get(reference=data["reference"])
    assert (complaint.customer, complaint.channel, complaint.state) == (alice, Channel.LIVE_CHAT, State.TRIAGE)
    assert (data["state"], data["status"], data["channel"]) == ("triage", "Being reviewed", "live_chat")
    assert data["timeline"][0]["text"]  # "You filed …"
    assert ApiIntake.objects.get(complaint=complaint).integration == chat[0]
    assert complaint.notifications.get().kind == "acknowledgement"


def test_a_new_customer_is_created_unverified(api):
    response = api("post", URL, filing(customer={"email": "Li.Lei@Example.cn", "name": "Li Lei", "language": "zh-hans"}), key="k")
    complaint = Complaint.objects.get(reference=response.json()["reference"])
    profile = complaint.customer.customer_profile
    assert (complaint.customer.email, profile.verified, profile.language) == ("li.lei@example.cn", False, "zh-hans")
    assert response.json()["status"] == "审核中"


def test_the_same_idempotency_key_returns_the_same_complaint(api, alice):
    first = api("post", URL, filing(), key="same")
    again = api("post", URL, filing(), key="same")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["reference"] == again.json()["reference"]
    assert Complaint.objects.count() == 1


def test_the_same_key_with_a_different_body_is_refused(api, alice):
    api("post", URL, filing(), key="same")
    response = api("post", URL, filing(summary="Something else"), key="same")
    assert response.status_code == 409
    assert response.json()["errors"] == [{"field": "Idempotency-Key", "message": "Use a new key for a different complaint."}]
    assert Complaint.objects.count() == 1


def test_two_integrations_may_use_the_same_key(api, alice):
    _other, other_token = make_integration("Forum bot", Channel.FORUM)
    first = api("post", URL, filing(), key="k1")
    second = api("post", URL, filing(), key="k1", token=other_token)
    assert first.json()["reference"] != second.json()["reference"]
    assert second.json()["channel"] == "forum"


def test_the_idempotency_key_is_required(api, alice):
    response = api("post", URL, filing())
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert Complaint.objects.count() == 0


def test_validation_errors_name_each_field_and_nothing_is_filed(api):
    body = filing(summary="", category="not-a-category", customer={"email": "nope"})
    response = api("post", URL, body, key="bad")
    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert {"summary", "category", "customer.email"} <= fields
    assert Complaint.objects.count() == 0


def test_unknown_fields_are_refused(api, alice):
    response = api("post", URL, filing(priority="P1", state="resolved"), key="extra")
    assert response.status_code == 422
    assert {error["field"] for error in response.json()["errors"]} == {"priority", "state"}
    assert Complaint.objects.count() == 0


def test_the_services_rules_come_back_as_field_errors(api, alice):
    response = api("post", URL, filing(disputed_amount="10"), key="rule")
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "disputed_asset", "message": "Name the asset of the disputed amount."}]


def test_a_staff_address_cannot_file(api, agent):
    response = api("post", URL, filing(customer={"email": agent.email}), key="staff")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "customer.email"
    assert Complaint.objects.count() == 0


# --- Tokens -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("token, status", [(None, 401), ("rdi_wrong", 401)])
def test_a_missing_or_wrong_token_is_401(api, alice, token, status):
    response = api("post", URL, filing(), key="k", token=token)
    assert response.status_code == status
    assert response["WWW-Authenticate"] == "Bearer"
    assert Complaint.objects.count() == 0


def test_a_revoked_token_is_403(api, chat, alice):
    integration, _token = chat
    integration.revoked_at = integration.created_at
    integration.save()
    response = api("post", URL, filing(), key="k")
    assert response.status_code == 403
    assert response.json()["detail"] == "This integration's token has been revoked."
    assert Complaint.objects.count() == 0


def test_requests_are_rate_limited_per_token(api, alice, settings):
    settings.REDRESS_RATE_API = "2/m"
    cache.clear()
    _other, other_token = make_integration("Forum bot", Channel.FORUM)
    assert [api("get", f"{URL}/CMP-2026-0000001").status_code for _ in range(3)] == [404, 404, 429]
    assert api("get", f"{URL}/CMP-2026-0000001", token=other_token).status_code == 404  # its own budget
    cache.clear()


# --- Reading and replying --------------------------------------------------------------------------------------


@pytest.fixture
def filed(api, alice):
    return Complaint.objects.get(reference=api("post", URL, filing(), key="filed").json()["reference"])


def test_the_timeline_shows_public_messages_and_never_internal_notes(api, filed, agent):
    services.complaint_add_message(complaint=filed, actor=agent, body="We are checking the matching engine logs.")
    services.complaint_add_message(complaint=filed, actor=agent, body="Customer seems upset; VIP.", internal=True)
    data = api("get", f"{URL}/{filed.reference}").json()
    bodies = [entry["body"] for entry in data["timeline"]]
    assert "We are checking the matching engine logs." in bodies
    assert "Customer seems upset; VIP." not in str(data)
    assert "agent@redress.test" not in str(data)


def test_another_integrations_complaint_is_404(api, filed):
    _other, other_token = make_integration("Forum bot", Channel.FORUM)
    assert api("get", f"{URL}/{filed.reference}", token=other_token).status_code == 404
    assert api("post", f"{URL}/{filed.reference}/replies", {"body": "hi"}, token=other_token).status_code == 404
    assert not filed.messages.exists()


def test_a_complaint_filed_in_the_portal_is_404_to_integrations(api, alice):
    other = services.complaint_file(customer=alice, filing=services.Filing(category="fees", summary="Fee", description="Too high."))
    assert api("get", f"{URL}/{other.reference}").status_code == 404


def test_a_reply_is_the_customers_message_on_the_integrations_channel(api, filed):
    response = api("post", f"{URL}/{filed.reference}/replies", {"body": "Any update?"})
    assert response.status_code == 201
    message = Message.objects.get(complaint=filed)
    assert (message.author, message.channel, message.visibility, message.body) == (filed.customer, Channel.LIVE_CHAT, Visibility.PUBLIC, "Any update?")
    assert response.json()["timeline"][-1]["body"] == "Any update?"


def test_a_reply_answers_a_request_for_information(api, filed, agent):
    services.complaint_request_information(complaint=filed, actor=agent, message="Which order?")
    assert api("post", f"{URL}/{filed.reference}/replies", {"body": "Order 123456789."}).json()["state"] == "triage"


def test_a_reply_to_a_closed_complaint_is_409(api, filed):
    services.complaint_withdraw(complaint=filed, actor=filed.customer)
    response = api("post", f"{URL}/{filed.reference}/replies", {"body": "Hello?"})
    assert response.status_code == 409 and "closed" in response.json()["detail"]


@pytest.mark.parametrize("body", [{}, {"body": ""}, {"body": "hi", "accept": True}])
def test_a_bad_reply_is_422_and_adds_nothing(api, filed, body):
    assert api("post", f"{URL}/{filed.reference}/replies", body).status_code == 422
    assert not filed.messages.exists()


def test_bob_filed_by_the_same_integration_is_not_alices(api, alice):
    CustomerFactory(email="bob@example.com")
    bob_ref = api("post", URL, filing(customer={"email": "bob@example.com"}), key="bob").json()["reference"]
    assert Complaint.objects.get(reference=bob_ref).customer.email == "bob@example.com"


def test_text_with_nul_characters_is_bad_input_not_a_server_error(api, alice):
    response = api("post", URL, filing(summary="late\x00fill"), key="nul")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "summary"
    assert api("get", f"{URL}/CMP-2026-\x000001").status_code == 422  # not a reference at all
    assert Complaint.objects.count() == 0
