"""Filing a complaint: what is recorded, what is refused, and the security fast path."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from complaints import services
from complaints.choices import Category, Channel, IdentifierKind, Priority, State
from complaints.exceptions import NotPermitted
from complaints.models import AuditEvent, Complaint, ComplaintIdentifier, Notification

ETH_TX = "0x" + "ab" * 32
BTC_TX = "cd" * 32


def filing(**overrides):
    fields = {
        "category": Category.DEPOSIT_WITHDRAWAL,
        "subcategory": "withdrawal_missing",
        "summary": "Withdrawal of 500 USDT never arrived",
        "description": "I withdrew 500 USDT on 3 November and my wallet shows nothing.",
    }
    return services.Filing(**{**fields, **overrides})


def test_filing_records_the_complaint_and_acknowledges_it(alice):
    complaint = services.complaint_file(
        customer=alice,
        filing=filing(disputed_amount="500", disputed_asset="usdt", disputed_reference_value="499.87",
                      desired_outcome="Credit my wallet", tx_hashes=(ETH_TX.upper().replace("0X", "0x"),), tx_network="eth"),
    )
    assert re.fullmatch(r"CMP-\d{4}-\d{7}", complaint.reference)
    assert complaint.state == State.TRIAGE
    assert complaint.acknowledged_at is not None
    assert complaint.disputed_amount == Decimal("500") and complaint.disputed_asset == "USDT"
    assert [e.action for e in complaint.audit_events.order_by("seq")] == ["file", "acknowledge"]
    assert [h.state for h in complaint.history.order_by("history_id")] == [State.RECEIVED, State.TRIAGE]
    assert Notification.objects.get(complaint=complaint).kind == Notification.Kind.ACKNOWLEDGEMENT


def test_filing_history_reads_as_two_saves_filed_by_the_customer_then_acknowledged_by_the_desk(alice):
    complaint = services.complaint_file(customer=alice, filing=filing(disputed_amount="500", disputed_asset="USDT"))
    filed, acknowledged = complaint.history.order_by("history_id")
    assert (filed.history_type, filed.history_change_reason, filed.history_user) == ("+", "file", alice)
    assert (acknowledged.history_type, acknowledged.history_change_reason, acknowledged.history_user) == ("~", "acknowledge", None)
    assert (filed.state, filed.acknowledged_at, filed.updated_at) == (State.RECEIVED, None, complaint.received_at)
    assert (acknowledged.state, acknowledged.acknowledged_at) == (State.TRIAGE, complaint.acknowledged_at)
    assert filed.summary == acknowledged.summary == complaint.summary and filed.disputed_amount == Decimal("500")
    assert filed.history_date == complaint.received_at and acknowledged.history_date == complaint.acknowledged_at
    assert (filed.version, acknowledged.version) == (complaint.version - 1, complaint.version)


def test_identifiers_are_normalised_for_exact_search(alice):
    complaint = services.complaint_file(
        customer=alice, filing=filing(order_ids=(" ORD-991 ", "ORD-991"), tx_hashes=(BTC_TX.upper(),)),
    )
    found = ComplaintIdentifier.objects.filter(kind=IdentifierKind.TX_HASH, value=BTC_TX).values_list("complaint", flat=True)
    assert list(found) == [complaint.pk]
    assert complaint.identifiers.filter(kind=IdentifierKind.ORDER_ID).count() == 1


def test_references_are_sequential_within_a_year(alice):
    first = services.complaint_file(customer=alice, filing=filing())
    second = services.complaint_file(customer=alice, filing=filing())
    assert int(second.reference[-7:]) == int(first.reference[-7:]) + 1


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"category": "moon"}, "category"),
        ({"subcategory": "slippage"}, "subcategory"),
        ({"summary": "   "}, "summary"),
        ({"summary": "x" * 201}, "summary"),
        ({"description": ""}, "description"),
        ({"disputed_amount": "500"}, "disputed_asset"),
        ({"disputed_amount": "-1", "disputed_asset": "BTC"}, "disputed_amount"),
        ({"disputed_amount": "lots", "disputed_asset": "BTC"}, "disputed_amount"),
        ({"disputed_amount": "1.0000000000000000001", "disputed_asset": "BTC"}, "disputed_amount"),
        ({"tx_hashes": ("0x1234",)}, "identifiers"),
        ({"tx_hashes": (BTC_TX,), "tx_network": "ETH"}, "identifiers"),
        ({"tx_hashes": (ETH_TX,), "tx_network": "DOGE"}, "identifiers"),
        ({"order_ids": ("<script>",)}, "identifiers"),
        ({"channel": "carrier_pigeon"}, "channel"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_saves_nothing(alice, overrides, field):
    with pytest.raises(ValidationError) as refused:
        services.complaint_file(customer=alice, filing=filing(**overrides))
    assert field in refused.value.message_dict
    assert not Complaint.objects.exists()
    assert not AuditEvent.objects.filter(complaint__isnull=False).exists()
    assert not Notification.objects.exists()


def test_a_date_in_the_future_is_refused(alice):
    with pytest.raises(ValidationError) as refused:
        services.complaint_file(customer=alice, filing=filing(occurred_on=timezone.localdate() + timedelta(days=1)))
    assert "future" in refused.value.message_dict["occurred_on"][0]


def test_staff_accounts_cannot_be_the_complainant(agent):
    with pytest.raises(NotPermitted):
        services.complaint_file(customer=agent, filing=filing())


def test_an_agent_registers_a_phone_complaint_for_a_customer(alice, agent):
    complaint = services.complaint_file(customer=alice, filing=filing(channel=Channel.PHONE), filed_by=agent)
    assert complaint.filed_by == agent and complaint.channel == Channel.PHONE
    assert complaint.audit_events.get(action="file").actor == agent


def test_a_compliance_officer_cannot_register_complaints(alice, compliance):
    with pytest.raises(NotPermitted):
        services.complaint_file(customer=alice, filing=filing(channel=Channel.PHONE), filed_by=compliance)


def test_stolen_funds_go_straight_to_the_security_team_as_p1(alice):
    complaint = services.complaint_file(
        customer=alice,
        filing=filing(category=Category.ACCOUNT_SECURITY, subcategory="theft", funds_at_risk=True,
                      summary="My account was hacked", description="Someone logged in and withdrew my BTC."),
    )
    assert complaint.state == State.INVESTIGATING
    assert complaint.priority == Priority.P1 and complaint.team.code == "security"
    fast_path = complaint.audit_events.get(action="start_investigation")
    assert fast_path.actor is None and fast_path.data["fast_path"] is True


def test_a_security_complaint_without_funds_at_risk_waits_for_triage(alice):
    complaint = services.complaint_file(
        customer=alice, filing=filing(category=Category.ACCOUNT_SECURITY, subcategory="abnormal_login"),
    )
    assert complaint.state == State.TRIAGE and complaint.priority == ""


def test_the_same_intake_key_files_once(alice):
    first = services.complaint_file(customer=alice, filing=filing(), intake_key="portal:form-token-1")
    again = services.complaint_file(customer=alice, filing=filing(), intake_key="portal:form-token-1")
    assert again.pk == first.pk
    assert Complaint.objects.count() == 1 and first.audit_events.count() == 2


def test_another_customers_intake_key_is_refused(alice, bob):
    services.complaint_file(customer=alice, filing=filing(), intake_key="portal:shared")
    with pytest.raises(ValidationError) as refused:
        services.complaint_file(customer=bob, filing=filing(), intake_key="portal:shared")
    assert "intake_key" in refused.value.message_dict
    assert Complaint.objects.count() == 1


def test_a_representative_must_attach_a_power_of_attorney(alice):
    with pytest.raises(ValidationError) as refused:
        services.complaint_file(customer=alice, filing=filing(represented_person="Zhang San"))
    assert "power_of_attorney" in refused.value.message_dict
    assert not Complaint.objects.exists()


def test_a_representative_files_with_their_power_of_attorney(alice):
    from django.core.files.uploadedfile import SimpleUploadedFile

    poa = SimpleUploadedFile("poa.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    complaint = services.complaint_file(customer=alice, filing=filing(represented_person="Zhang San"), power_of_attorney=poa)
    assert complaint.represented_person == "Zhang San"
    assert complaint.evidence.get().purpose == "power_of_attorney"
