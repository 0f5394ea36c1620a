"""Intake on behalf of a customer: find or create them, record the channel, start at `received`."""

from django.urls import reverse

from accounts.models import User
from complaints.models import AuditEvent, Complaint

URL = "/admin/complaints/complaint/register/"

FILING = {
    "language": "en", "channel": "phone", "category": "deposit_withdrawal", "subcategory": "deposit_not_credited",
    "summary": "BTC deposit not credited", "description": "Sent 0.1 BTC yesterday; not in my balance.",
    "tx_hashes": "AB" * 32, "tx_network": "BTC",
}  # fmt: skip


def test_an_agent_registers_a_phone_complaint_for_a_new_customer(signed_in, agent):
    response = signed_in(agent).post(URL, {**FILING, "email": "Carol@Example.com", "name": "Carol Chen", "exchange_uid": "UID-C"})
    complaint = Complaint.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("admin:complaints_complaint_change", args=[complaint.pk])
    carol = User.objects.get(email="carol@example.com")
    assert (complaint.customer, complaint.filed_by, complaint.channel) == (carol, agent, "phone")
    assert complaint.state == "triage"  # received, then acknowledged like any other
    assert not carol.has_usable_password() and carol.customer_profile.exchange_uid == "UID-C"
    assert complaint.identifiers.get().value == "ab" * 32
    assert AuditEvent.objects.filter(complaint=complaint, action="file", actor=agent).exists()


def test_an_existing_customer_is_found_by_exchange_uid(signed_in, agent, alice):
    signed_in(agent).post(URL, {**FILING, "exchange_uid": alice.customer_profile.exchange_uid})
    assert Complaint.objects.get().customer == alice
    assert User.objects.filter(is_staff=False).count() == 1


def test_a_staff_address_is_refused(signed_in, agent, other_agent):
    response = signed_in(agent).post(URL, {**FILING, "email": other_agent.email})
    assert response.status_code == 200 and "belongs to a member of staff" in response.content.decode()
    assert not Complaint.objects.exists()


def test_bad_input_shows_errors_and_registers_nothing(signed_in, agent):
    response = signed_in(agent).post(URL, {**FILING, "email": "dave@example.com", "tx_hashes": "nonsense"})
    assert response.status_code == 200 and "not a valid transaction hash" in response.content.decode()
    assert not Complaint.objects.exists() and not User.objects.filter(email="dave@example.com").exists()


def test_a_specialist_may_not_register_complaints(signed_in, specialist):
    response = signed_in(specialist).post(URL, {**FILING, "email": "erin@example.com"})
    assert response.status_code == 403 and not Complaint.objects.exists()


def test_the_form_is_linked_from_the_queue(signed_in, agent):
    client = signed_in(agent)
    assert client.get(URL).status_code == 200
    assert URL in client.get("/admin/complaints/complaint/").content.decode()
