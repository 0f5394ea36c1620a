"""The audit chain: verify_audit passes on real work and names the first bad event after
someone with write access to the database edits, deletes or forges an event.

Tampering goes through raw SQL on django.db.connection.cursor(), so nothing in the ORM (signals,
simple-history, field conversion) takes part: this is what an intruder with a SQL prompt does.
"""

import hashlib
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from complaints import services
from complaints.audit import (
    GENESIS_HASH,
    audit_append,
    canonical,
    chain_hash,
    digest,
    event_payload,
    event_text,
    verify_chains,
)
from complaints.choices import Category, RemedyKind, State
from complaints.models import AuditChain, AuditEvent, Complaint, Message
from tests.lifecycle import decision, file, investigate, refused, verify

TABLE = "complaints_auditevent"


# --- Building real chains -----------------------------------------------------------------------


@pytest.fixture
def realistic(alice, bob, agent, supervisor):
    """Four complaints through the services, each through a few transitions."""
    refund = services.RemedyInput(
        kind=RemedyKind.FEE_REFUND, amount=Decimal("12.500000000000000001"), asset="usdt", reference_value=Decimal("12.5")
    )
    accepted = investigate(file(alice, disputed_amount="0.015", disputed_asset="btc"), agent)
    accepted = services.complaint_propose_resolution(complaint=accepted, actor=agent, decision=decision(refund))
    accepted = services.complaint_accept_resolution(complaint=accepted, actor=alice)

    withdrawn = file(bob, category=Category.DEPOSIT_WITHDRAWAL, summary="Deposit missing", description="Sent 1 ETH.")
    withdrawn = services.complaint_request_information(complaint=withdrawn, actor=agent, message="Which wallet?")
    withdrawn = services.complaint_receive_information(complaint=withdrawn, actor=bob, message="My Ledger.")
    withdrawn = services.complaint_withdraw(complaint=withdrawn, actor=bob, reason="It arrived after all.")

    big = services.RemedyInput(kind=RemedyKind.COMPENSATION, amount=Decimal("2000"), asset="USDT", reference_value=Decimal("2000"))
    approved = investigate(file(alice), agent)
    approved = services.complaint_submit_for_approval(complaint=approved, actor=agent, decision=decision(big))
    approved = services.complaint_approve_resolution(complaint=approved, actor=supervisor)

    hacked = file(bob, category=Category.ACCOUNT_SECURITY, summary="Account drained", description="Someone logged in.", funds_at_risk=True)
    assert (accepted.state, withdrawn.state, approved.state, hacked.state) == (
        State.RESOLVED, State.CLOSED, State.RESOLUTION_PROPOSED, State.INVESTIGATING,
    )  # fmt: skip
    return {"accepted": accepted, "withdrawn": withdrawn, "approved": approved, "hacked": hacked}


def chain_of(complaint: Complaint) -> AuditChain:
    """The chain as stored now (complaint.audit_chain may be a stale copy cached at filing)."""
    return AuditChain.objects.get(complaint=complaint)


def chain_name(complaint: Complaint) -> str:
    return f"chain {chain_of(complaint).pk} ({complaint.reference})"


def named(event: AuditEvent) -> str:
    return f"event #{event.seq} (id {event.pk})"


# --- Raw SQL, as an intruder would ----------------------------------------------------------------


def _placeholder(column: str) -> str:
    return "CAST(%s AS jsonb)" if column == "data" and connection.vendor == "postgresql" else "%s"


def sql_update(event: AuditEvent, column: str, value) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET {column} = {_placeholder(column)} WHERE id = %s", [value, event.pk])
        assert cursor.rowcount == 1


def sql_delete(event: AuditEvent) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [event.pk])
        assert cursor.rowcount == 1


def sql_insert(*, chain: AuditChain, seq, at, action, data, prev_hash, hash, actor_id=None) -> AuditEvent:
    columns = "chain_id, complaint_id, seq, at, actor_id, action, from_state, to_state, data, prev_hash, hash"
    values = ", ".join(["%s"] * 8 + [_placeholder("data"), "%s", "%s"])
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} ({columns}) VALUES ({values})",
            [chain.pk, chain.complaint_id, seq, connection.ops.adapt_datetimefield_value(at), actor_id, action,
             "", "", json.dumps(data), prev_hash, hash],
        )  # fmt: skip
    return AuditEvent.objects.get(chain=chain, seq=seq)


def test_the_table_tampered_with_is_the_audit_events_table():
    assert AuditEvent._meta.db_table == TABLE


# --- Passing ------------------------------------------------------------------------------------------


def test_the_system_chain_starts_empty_and_verifies(db):
    system = AuditChain.objects.get(is_system=True)
    assert (system.head_seq, system.head_hash) == (0, GENESIS_HASH)
    assert not system.events.exists()
    assert list(verify_chains()) == []
    assert "1 audit chains verified." in verify()


def test_verify_audit_passes_on_a_realistic_set(realistic):
    for complaint in realistic.values():
        chain = chain_of(complaint)
        seqs = list(chain.events.values_list("seq", flat=True))
        assert seqs == list(range(1, chain.head_seq + 1)) and len(seqs) >= 3
        assert chain.head_hash == chain.events.last().hash
    assert AuditChain.objects.get(is_system=True).head_seq > 0  # the personas' roles
    assert list(verify_chains()) == []
    assert f"{AuditChain.objects.count()} audit chains verified." in verify()


def test_erasing_free_text_leaves_every_chain_valid(realistic):
    """Personal data lives in erasable rows; the chain holds only its digests."""
    for complaint in Complaint.objects.all():
        complaint.summary, complaint.description, complaint.reasons, complaint.recourse = "[erased]", "[erased]", "", ""
        complaint.save()
    for message in Message.objects.all():
        message.body = "[erased]"
        message.save()
    assert "verified" in verify()


# --- Tampering: edits ------------------------------------------------------------------------------


EDITS = [
    pytest.param("data", lambda e: json.dumps({**e.data, "category": "other"}), id="data"),
    pytest.param("data", lambda e: json.dumps({}), id="data-emptied"),
    pytest.param("action", lambda e: "withdraw", id="action"),
    pytest.param("to_state", lambda e: State.CLOSED.value, id="to_state"),
    pytest.param("actor_id", lambda e: None, id="actor"),
    pytest.param(
        "at", lambda e: connection.ops.adapt_datetimefield_value(e.at - timedelta(microseconds=1)), id="at-one-microsecond"
    ),
]


@pytest.mark.parametrize("column, new_value", EDITS)
def test_editing_one_event_is_named(realistic, column, new_value):
    complaint = realistic["accepted"]
    event = complaint.audit_events.get(seq=1)  # "file", with data and an actor
    sql_update(event, column, new_value(event))
    message = refused(chain_name(complaint), named(event), "hash does not match the event's contents")
    assert message.startswith("audit chain broken: ")
    assert list(verify_chains(chain_ids=[chain_of(realistic["withdrawn"]).pk])) == []  # other chains still verify


def test_rehashing_an_edited_event_breaks_the_link_to_the_next(realistic):
    complaint = realistic["withdrawn"]
    event = complaint.audit_events.get(seq=2)
    forged_data = {**event.data, "notification": 999}
    payload = event_payload(
        chain_id=event.chain_id, complaint_id=complaint.pk, seq=event.seq, at=event.at, actor_id=event.actor_id,
        action=event.action, from_state=event.from_state, to_state=event.to_state, data=forged_data,
    )  # fmt: skip
    sql_update(event, "data", json.dumps(forged_data))
    sql_update(event, "hash", chain_hash(event.prev_hash, payload))
    following = complaint.audit_events.get(seq=3)
    refused(chain_name(complaint), named(following), "prev_hash does not match the event before it")


def test_every_broken_chain_is_counted(realistic):
    sql_update(realistic["accepted"].audit_events.get(seq=2), "action", "forged")
    sql_update(realistic["hacked"].audit_events.get(seq=3), "action", "forged")
    refused(chain_name(realistic["accepted"]), "(and 1 more chain)")
    assert len(list(verify_chains())) == 2


# --- Tampering: deletions ---------------------------------------------------------------------------


def test_deleting_a_middle_event_is_named_as_a_sequence_gap(realistic):
    complaint = realistic["withdrawn"]
    sql_delete(complaint.audit_events.get(seq=3))
    after = complaint.audit_events.get(seq=4)
    refused(chain_name(complaint), named(after), "sequence gap: expected #3, found #4")


def test_deleting_the_first_event_is_named(realistic):
    complaint = realistic["approved"]
    sql_delete(complaint.audit_events.get(seq=1))
    refused(chain_name(complaint), named(complaint.audit_events.get(seq=2)), "sequence gap: expected #1, found #2")


def test_deleting_the_last_event_is_named_as_a_head_mismatch(realistic):
    complaint = realistic["accepted"]
    head = chain_of(complaint).head_seq
    sql_delete(complaint.audit_events.get(seq=head))
    refused(chain_name(complaint), f"head says #{head} but the chain ends at #{head - 1}", "events were removed or added")


def test_deleting_every_event_of_a_chain_is_named(realistic):
    complaint = realistic["hacked"]
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE chain_id = %s", [chain_of(complaint).pk])
    refused(chain_name(complaint), f"head says #{chain_of(complaint).head_seq} but the chain ends at #0")


# --- Tampering: forged events ----------------------------------------------------------------------


def _forge_after_head(complaint: Complaint, *, correct_hash: bool) -> tuple[AuditChain, AuditEvent]:
    chain = chain_of(complaint)
    last = chain.events.last()
    seq, at, data = chain.head_seq + 1, last.at + timedelta(minutes=5), {"remedies": [], "deemed": True}
    payload = event_payload(
        chain_id=chain.pk, complaint_id=complaint.pk, seq=seq, at=at, actor_id=None, action="accept_resolution",
        from_state="", to_state="", data=data,
    )  # fmt: skip
    forged_hash = chain_hash(chain.head_hash, payload) if correct_hash else hashlib.sha256(b"plausible").hexdigest()
    event = sql_insert(chain=chain, seq=seq, at=at, action="accept_resolution", data=data, prev_hash=chain.head_hash, hash=forged_hash)
    return chain, event


def test_a_forged_event_with_a_wrong_hash_is_named(realistic):
    complaint = realistic["approved"]
    _chain, forged = _forge_after_head(complaint, correct_hash=False)
    refused(chain_name(complaint), named(forged), "hash does not match the event's contents")


def test_a_forged_event_with_a_correct_hash_but_an_old_head_is_named(realistic):
    complaint = realistic["approved"]
    chain, forged = _forge_after_head(complaint, correct_hash=True)
    refused(chain_name(complaint), f"head says #{chain.head_seq} but the chain ends at #{forged.seq}")


def test_a_forged_event_with_a_wrong_seq_is_named(realistic):
    complaint = realistic["accepted"]
    chain = chain_of(complaint)
    forged = sql_insert(
        chain=chain, seq=chain.head_seq + 5, at=datetime.now(UTC), action="note", data={},
        prev_hash=chain.head_hash, hash="f" * 64,
    )  # fmt: skip
    refused(chain_name(complaint), named(forged), f"sequence gap: expected #{chain.head_seq + 1}, found #{forged.seq}")


# --- The system chain ---------------------------------------------------------------------------------


def test_audit_append_on_the_system_chain(db, supervisor):
    system = AuditChain.objects.get(is_system=True)
    before = system.head_seq
    event = audit_append(
        complaint=None, actor=supervisor, action="sla_policy_changed",
        data={"policy": 7, "first_response_hours": 24, "limit": Decimal("1000.00")},
    )  # fmt: skip
    system.refresh_from_db()
    assert (event.chain_id, event.complaint_id, event.seq) == (system.pk, None, before + 1)
    assert (system.head_seq, system.head_hash) == (event.seq, event.hash)
    assert event.data == {"policy": 7, "first_response_hours": 24, "limit": "1000.00"}
    assert event.prev_hash == (system.events.get(seq=before).hash if before else GENESIS_HASH)
    assert list(verify_chains()) == []
    assert "verified" in verify()


def test_tampering_with_the_system_chain_is_named(db, supervisor):
    event = audit_append(complaint=None, actor=supervisor, action="approval_limit_changed", data={"user": supervisor.pk})
    sql_update(event, "data", json.dumps({"user": supervisor.pk, "limit": "999999999"}))
    refused(f"system chain: {named(event)}", "hash does not match")


# --- The canonical form ---------------------------------------------------------------------------


def test_the_canonical_form_is_pinned(complaint_in, agent):
    """Changing any of this would invalidate every chain already written: it is a format."""
    complaint = complaint_in(State.TRIAGE)
    shanghai = datetime(2026, 3, 1, 20, 0, 0, 5, tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC), tick=False):
        event = audit_append(
            complaint=complaint, actor=agent, action="test", from_state="triage", to_state="triage",
            data={"total": Decimal("12.500000000000000001"), "zero": Decimal("0E-18"), "b": [2, "x"], "a": None,
                  "when": shanghai, "中文": "键"},
        )  # fmt: skip
    expected = (
        '{"action":"test","actor":%d,"at":"2026-03-01T12:00:00.000000+00:00","chain":%d,"complaint":%d,'
        '"data":{"a":null,"b":[2,"x"],"total":"12.500000000000000001","when":"2026-03-01T12:00:00.000005+00:00",'
        '"zero":"0E-18","中文":"键"},"from":"triage","seq":1,"to":"triage","v":1}'
    ) % (agent.pk, chain_of(complaint).pk, complaint.pk)
    payload = event_payload(
        chain_id=event.chain_id, complaint_id=complaint.pk, seq=1, at=event.at, actor_id=agent.pk,
        action="test", from_state="triage", to_state="triage", data=event.data,
    )  # fmt: skip
    assert canonical(payload) == expected
    assert event.hash == hashlib.sha256((GENESIS_HASH + expected).encode("utf-8")).hexdigest()
    assert event.data["total"] == "12.500000000000000001"  # stored exactly as hashed
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.at == datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
    assert stored.data == event.data


ODD_CODES = ["", "withdraw", 'quote " backslash \\ slash /', "tab\tnewline\ncontrol\x01\x1f del\x7f", "中文 é \u2028 😀"]


@pytest.mark.parametrize("code", ODD_CODES)
@pytest.mark.parametrize("actor_id, complaint_id", [(None, None), (7, 123), (2**62, 0)])
def test_event_text_is_the_canonical_form(code, actor_id, complaint_id):
    """Verification hashes events assembled from their parts: it must be canonical() exactly."""
    at = datetime(2026, 3, 1, 12, 0, 0, 5, tzinfo=UTC)
    data = {"b": [2, "x", None], "a": code, "n": 1.5, "t": True, "中文": {"z": 1, "y": {}}}
    payload = event_payload(
        chain_id=99, complaint_id=complaint_id, seq=12, at=at, actor_id=actor_id, action=code, from_state=code,
        to_state="closed", data=data,
    )  # fmt: skip
    text = event_text(
        chain_id=99, complaint_id=complaint_id, seq=12, at=payload["at"], actor_id=actor_id, action=code,
        from_state=code, to_state="closed", data=canonical(data),
    )  # fmt: skip
    assert text == canonical(payload)


MOMENTS = [
    datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC), datetime(2026, 3, 1, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(1, 1, 1, tzinfo=UTC), datetime(999, 12, 31, 1, 2, 3, 40, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), datetime(2026, 3, 1, 20, 0, 0, 5, tzinfo=ZoneInfo("Asia/Shanghai")),
]  # fmt: skip


@pytest.mark.parametrize("moment", MOMENTS, ids=str)
def test_an_event_verifies_whatever_its_moment(complaint_in, moment):
    """Verification on PostgreSQL has the database write `at` as the hash saw it."""
    complaint = complaint_in(State.TRIAGE)
    with time_machine.travel(moment, tick=False):
        event = audit_append(complaint=complaint, actor=None, action="test", data={"at": moment})
    assert list(verify_chains(chain_ids=[event.chain_id])) == []


@pytest.mark.parametrize("moment", ["infinity", "-infinity", "2026-03-01 12:00:00+00 BC", "10000-01-01 00:00:00+00"])
def test_a_moment_no_hash_could_have_seen_is_a_problem_not_a_crash(realistic, moment):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite stores what it is given as text, and the ORM can't read it back")
    complaint = realistic["accepted"]
    event = complaint.audit_events.get(seq=2)
    sql_update(event, "at", moment)
    refused(chain_name(complaint), named(event), "hash does not match the event's contents")


def test_timestamps_keep_their_microseconds_through_the_database(complaint_in):
    complaint = complaint_in(State.TRIAGE)
    moment = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
    with time_machine.travel(moment, tick=False):
        event = audit_append(complaint=complaint, actor=None, action="test")
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.at == moment
    assert canonical({"at": stored.at}) == '{"at":"2026-03-01T12:00:00.123456+00:00"}'
    assert list(verify_chains(chain_ids=[event.chain_id])) == []


def test_a_value_the_format_cannot_hold_is_refused_and_nothing_appended(complaint_in):
    complaint = complaint_in(State.TRIAGE)
    with pytest.raises(TypeError, match="cannot go into an audit event"):
        audit_append(complaint=complaint, actor=None, action="test", data={"tags": {"a", "b"}})
    assert chain_of(complaint).head_seq == 0
    assert not complaint.audit_events.exists()


def test_events_hold_digests_never_free_text(alice, agent):
    texts = {
        "summary": "Stop-loss ignored on ETHUSDT",
        "description": "My stop-loss at 3100 never triggered and I lost 4,200 USDT — 李雷 wallet 0xdeadbeef.",
        "desired_outcome": "Refund my loss of 4,200 USDT",
        "request": "Please send the screenshot of your order panel, 李雷.",
        "reply": "Attached the screenshot; my phone is +86 138 0000 0000.",
        "reasons": "The matching engine log shows the trigger price was never reached on the index.",
        "recourse": "You may appeal within 30 days or go to the Financial Ombudsman.",
    }
    complaint = file(alice, summary=texts["summary"], description=texts["description"], desired_outcome=texts["desired_outcome"])
    complaint = services.complaint_request_information(complaint=complaint, actor=agent, message=texts["request"])
    complaint = services.complaint_receive_information(complaint=complaint, actor=alice, message=texts["reply"])
    complaint = investigate(complaint, agent)
    complaint = services.complaint_propose_resolution(
        complaint=complaint, actor=agent, decision=decision(reasons=texts["reasons"], recourse=texts["recourse"])
    )
    events = list(complaint.audit_events.order_by("seq"))
    assert [e.action for e in events] == [
        "file", "acknowledge", "request_information", "receive_information", "start_investigation", "propose_resolution",
    ]  # fmt: skip
    personal = [*texts.values(), "李雷", "0xdeadbeef", "138 0000", alice.email, alice.first_name]
    for event in events:
        stored = json.dumps(AuditEvent.objects.get(pk=event.pk).data, ensure_ascii=False)
        assert not [text for text in personal if text in stored], event.action

    by_action = {event.action: event.data for event in events}
    assert by_action["file"]["description_sha256"] == digest(texts["description"])
    assert by_action["request_information"]["body_sha256"] == digest(texts["request"])
    assert by_action["receive_information"]["body_sha256"] == digest(texts["reply"])
    assert by_action["propose_resolution"]["reasons_sha256"] == digest(texts["reasons"])
    assert by_action["propose_resolution"]["recourse_sha256"] == digest(texts["recourse"])
    assert digest(texts["description"]) == hashlib.sha256(texts["description"].encode("utf-8")).hexdigest()
