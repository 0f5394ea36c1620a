"""Daily seals: someone with write access to the database deletes, truncates, extends or
rewrites a chain, or touches the seals themselves; verify_audit names it.

Tampering is raw SQL, as an intruder at a SQL prompt would do it: no ORM, no signals.
"""

import json
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from complaints import services
from complaints.audit import audit_append, chain_hash, event_payload
from complaints.compliance import seals
from complaints.compliance.models import Seal, SealedHead
from complaints.compliance.tasks import seal_daily
from complaints.models import AuditChain, AuditEvent
from tests.lifecycle import refused, verify

from .conftest import file, sql


def chain_of(complaint) -> AuditChain:
    return AuditChain.objects.get(complaint=complaint)


@pytest.fixture
def sealed(alice, bob, agent, django_capture_on_commit_callbacks):
    """Two complaints with a few events each, sealed yesterday (and its copy written); then a
    day passes."""
    with time_machine.travel(timezone.now() - timedelta(days=1), tick=False):
        first = file(alice)
        first = services.complaint_request_information(complaint=first, actor=agent, message="Which order?")
        second = file(bob)
        with django_capture_on_commit_callbacks(execute=True):
            seal = seals.seal_create()
    return {"first": first, "second": second, "seal": seal}


def test_a_seal_covers_every_chain_with_events_and_is_written_outside_the_database(sealed):
    seal = sealed["seal"]
    heads = dict(SealedHead.objects.filter(seal=seal).values_list("chain_id", "head_seq"))
    assert heads[chain_of(sealed["first"]).pk] == chain_of(sealed["first"]).head_seq
    assert heads[AuditChain.objects.get(is_system=True).pk] >= 0
    assert seal.signature == seals.sign(seal.digest)
    copy = json.loads(seals.seal_path(seal.seq).read_text())
    assert copy["digest"] == seal.digest and copy["signature"] == seal.signature
    assert [chain for chain, _seq, _hash in copy["heads"]] == sorted(heads)
    assert "verified" in verify()


def test_the_next_seal_covers_only_the_chains_that_changed_and_chains_to_the_last(sealed, agent, django_capture_on_commit_callbacks):
    services.complaint_receive_information(complaint=sealed["first"], actor=agent, message="Order 42.")
    with django_capture_on_commit_callbacks(execute=True):
        seal = seals.seal_create()
    chains = set(SealedHead.objects.filter(seal=seal).values_list("chain_id", flat=True))
    assert chain_of(sealed["first"]).pk in chains
    assert chain_of(sealed["second"]).pk not in chains
    assert seal.seq == 2 and seal.prev_digest == sealed["seal"].digest
    assert "2 seals verified" in verify()


def test_nothing_to_seal_when_nothing_changed(sealed):
    assert seals.seal_create() is None


def test_the_daily_task_seals_once_a_day(sealed, alice):
    file(alice)
    assert seal_daily().startswith("seal #2")
    file(alice)
    assert seal_daily() == "already sealed today"


def test_a_deleted_chain_is_caught(sealed):
    chain = chain_of(sealed["second"])
    sql("DELETE FROM complaints_auditevent WHERE chain_id = %s", chain.pk)
    sql("DELETE FROM complaints_auditchain WHERE id = %s", chain.pk)
    refused(f"chain {chain.pk}", "seal #1", "deleted")


def test_a_truncated_chain_with_its_head_rewound_is_caught(sealed):
    chain = chain_of(sealed["first"])
    last = AuditEvent.objects.get(chain=chain, seq=chain.head_seq)
    sql("DELETE FROM complaints_auditevent WHERE id = %s", last.pk)
    sql("UPDATE complaints_auditchain SET head_seq = %s, head_hash = %s WHERE id = %s", last.seq - 1, last.prev_hash, chain.pk)
    refused(sealed["first"].reference, "truncated", "seal #1")


def _rehash_from(chain, seq, change):
    """Rewrite events from `seq` on, recomputing every hash and the head: a consistent forgery."""
    prev = AuditEvent.objects.get(chain=chain, seq=seq - 1).hash if seq > 1 else "0" * 64
    for event in AuditEvent.objects.filter(chain=chain, seq__gte=seq).order_by("seq"):
        change(event)
        payload = event_payload(
            chain_id=chain.pk, complaint_id=event.complaint_id, seq=event.seq, at=event.at, actor_id=event.actor_id,
            action=event.action, from_state=event.from_state, to_state=event.to_state, data=event.data,
        )  # fmt: skip
        new_hash = chain_hash(prev, payload)
        sql("UPDATE complaints_auditevent SET action = %s, prev_hash = %s, hash = %s WHERE id = %s", event.action, prev, new_hash, event.pk)
        prev = new_hash
    sql("UPDATE complaints_auditchain SET head_hash = %s WHERE id = %s", prev, chain.pk)


def test_a_chain_rewritten_with_its_head_is_caught(sealed):
    chain = chain_of(sealed["first"])

    def forge(event):
        if event.seq == 1:
            event.action = "forged"

    _rehash_from(chain, 1, forge)
    message = refused(sealed["first"].reference, "rewritten", "seal #1")
    assert "event #" in message


def test_an_extension_dated_before_the_seal_is_caught(sealed):
    with time_machine.travel(sealed["seal"].sealed_at - timedelta(hours=2), tick=False):
        forged = audit_append(complaint=sealed["second"], actor=None, action="forged")
    refused(sealed["second"].reference, f"event #{forged.seq}", "forged or backdated")


def test_events_after_the_seal_verify(sealed, alice):
    file(alice)
    audit_append(complaint=sealed["second"], actor=None, action="later")
    assert "verified" in verify()


def test_an_edited_seal_is_caught(sealed):
    sql("UPDATE compliance_sealedhead SET head_seq = head_seq - 1 WHERE seal_id = %s", sealed["seal"].pk)
    refused("seal #1", "altered")


def test_a_seal_forged_without_the_key_is_caught(sealed, settings):
    settings.AUDIT_SEAL_KEY = "another-key-another-key-another-key-0000"
    refused("seal #1", "signature")


def test_a_deleted_latest_seal_is_caught_by_its_copy(sealed, alice):
    file(alice)
    second = seals.seal_create()
    seals.seal_publish(second.pk)
    sql("DELETE FROM compliance_sealedhead WHERE seal_id = %s", second.pk)
    sql("DELETE FROM compliance_seal WHERE id = %s", second.pk)
    refused("seal #2", "database has no such seal")


def test_a_missing_copy_is_caught(sealed):
    seals.seal_path(1).chmod(0o644)
    seals.seal_path(1).unlink()
    refused("seal #1", "copy outside the database is missing")


def test_a_broken_chain_is_not_sealed(sealed, alice):
    complaint = file(alice)
    event = AuditEvent.objects.filter(complaint=complaint).first()
    sql("UPDATE complaints_auditevent SET action = %s WHERE id = %s", "forged", event.pk)
    with pytest.raises(seals.SealRefused, match=complaint.reference):
        seals.seal_create()
    assert Seal.objects.count() == 1


def test_the_seal_command_seals_now_and_writes_the_copy(alice, django_capture_on_commit_callbacks):
    from io import StringIO

    file(alice)
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seal_audit", stdout=out)
    assert "Seal #1" in out.getvalue()
    assert seals.seal_path(1).exists()
    assert "1 seals verified" in verify()


def test_a_configured_url_receives_each_seal(alice, settings, monkeypatch, django_capture_on_commit_callbacks):
    sent = []

    class Answer:
        status = 201

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    def urlopen(request, timeout):
        sent.append((request.full_url, request.get_header("Idempotency-key"), json.loads(request.data)))
        return Answer()

    settings.AUDIT_SEAL_URL = "https://seals.example.com/redress"
    monkeypatch.setattr(seals.urllib.request, "urlopen", urlopen)
    file(alice)
    with django_capture_on_commit_callbacks(execute=True):
        seal = seals.seal_create()
    [(url, key, body)] = sent
    assert url == settings.AUDIT_SEAL_URL and key.startswith("seal-1-")
    assert (body["digest"], body["signature"]) == (seal.digest, seal.signature)
    assert Seal.objects.get(pk=seal.pk).published_at is not None
