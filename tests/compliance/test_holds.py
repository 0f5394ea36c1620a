"""Legal holds: placed and lifted by a supervisor or a compliance officer with a reason,
audited; while one stands, neither archive nor erasure happens."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from complaints import services
from complaints.audit import digest
from complaints.choices import State
from complaints.compliance.holds import hold_stands, legal_hold_lift, legal_hold_place
from complaints.compliance.models import LegalHold
from complaints.exceptions import NotPermitted, WrongState
from complaints.models import AuditEvent, Complaint

from .conftest import file

REASON = "Litigation: Alice v. Exchange, case 2031/7."


@pytest.fixture
def long_closed(alice):
    with time_machine.travel(timezone.now() - timedelta(days=200), tick=False):
        return services.complaint_withdraw(complaint=file(alice), actor=alice)


def test_a_hold_on_a_complaint_is_audited_and_flags_it(filed, compliance):
    hold = legal_hold_place(actor=compliance, complaint=filed, reason=REASON)
    complaint = Complaint.objects.get(pk=filed.pk)
    assert complaint.legal_hold and hold_stands(complaint)
    assert complaint.history.latest().history_change_reason == "legal_hold_placed"
    event = AuditEvent.objects.filter(complaint=filed).latest("seq")
    assert (event.action, event.actor, event.data) == (
        "legal_hold_placed", compliance, {"hold": hold.pk, "customer": None, "reason_sha256": digest(REASON)}
    )


def test_a_held_complaint_is_not_archived(long_closed, supervisor):
    legal_hold_place(actor=supervisor, complaint=long_closed, reason=REASON)
    with pytest.raises(WrongState, match="legal hold"):
        services.complaint_archive(complaint=long_closed)
    assert Complaint.objects.get(pk=long_closed.pk).state == State.CLOSED


def test_a_hold_on_the_customer_covers_later_complaints_too(alice, compliance):
    legal_hold_place(actor=compliance, customer=alice, reason=REASON)
    with time_machine.travel(timezone.now() - timedelta(days=200), tick=False):
        later = services.complaint_withdraw(complaint=file(alice), actor=alice)
    assert hold_stands(later)
    with pytest.raises(WrongState):
        services.complaint_archive(complaint=later)
    event = AuditEvent.objects.filter(complaint=None, action="legal_hold_placed").get()
    assert event.data["customer"] == alice.pk


def test_lifting_lets_the_archive_happen(long_closed, compliance, supervisor):
    hold = legal_hold_place(actor=compliance, complaint=long_closed, reason=REASON)
    legal_hold_lift(hold=hold, actor=supervisor, reason="Case settled.")
    assert not Complaint.objects.get(pk=long_closed.pk).legal_hold
    assert services.complaint_archive(complaint=long_closed).state == State.ARCHIVED
    assert AuditEvent.objects.filter(complaint=long_closed, action="legal_hold_lifted").exists()
    with pytest.raises(WrongState, match="already lifted"):
        legal_hold_lift(hold=hold, actor=supervisor, reason="Again.")


def test_two_holds_keep_the_flag_until_both_are_lifted(filed, alice, compliance):
    on_complaint = legal_hold_place(actor=compliance, complaint=filed, reason=REASON)
    legal_hold_place(actor=compliance, customer=alice, reason="Regulator's request.")
    legal_hold_lift(hold=on_complaint, actor=compliance, reason="Settled.")
    assert Complaint.objects.get(pk=filed.pk).legal_hold


@pytest.mark.parametrize("persona", ["agent", "specialist", "reviewer", "alice"])
def test_others_cannot_place_a_hold(request, persona, filed):
    with pytest.raises(NotPermitted):
        legal_hold_place(actor=request.getfixturevalue(persona), complaint=filed, reason=REASON)
    assert not LegalHold.objects.exists()


def test_a_reason_is_required(filed, compliance):
    with pytest.raises(ValidationError):
        legal_hold_place(actor=compliance, complaint=filed, reason="  ")
    assert not LegalHold.objects.exists()


# --- The page ------------------------------------------------------------------------------------


def test_compliance_places_a_hold_from_the_page(client, compliance, filed):
    client.force_login(compliance)
    response = client.post(reverse("compliance:holds"), {"complaint": filed.reference.lower(), "reason": REASON})
    assert response.status_code == 302
    assert LegalHold.objects.get().complaint == filed
    page = client.get(reverse("compliance:holds")).content.decode()
    assert filed.reference in page


def test_a_hold_on_a_customer_by_exchange_uid(client, supervisor, alice):
    client.force_login(supervisor)
    client.post(reverse("compliance:holds"), {"customer": alice.customer_profile.exchange_uid, "reason": REASON})
    assert LegalHold.objects.get().customer == alice


def test_bad_input_changes_nothing(client, compliance, filed):
    client.force_login(compliance)
    for data in ({"complaint": "CMP-2026-0000000", "reason": REASON}, {"complaint": filed.reference, "reason": ""},
                 {"complaint": filed.reference, "customer": "alice@example.com", "reason": REASON}):  # fmt: skip
        assert client.post(reverse("compliance:holds"), data).status_code == 200
    assert not LegalHold.objects.exists()


def test_lifting_from_the_page(client, compliance, filed):
    hold = legal_hold_place(actor=compliance, complaint=filed, reason=REASON)
    client.force_login(compliance)
    client.post(reverse("compliance:hold-lift", args=[hold.pk]), {"lift_reason": ""})
    assert LegalHold.objects.get().is_standing
    client.post(reverse("compliance:hold-lift", args=[hold.pk]), {"lift_reason": "Settled."})
    assert not LegalHold.objects.get().is_standing


def test_an_agent_cannot_reach_the_holds(client, agent, filed):
    client.force_login(agent)
    assert client.get(reverse("compliance:holds")).status_code == 403
    assert client.post(reverse("compliance:holds"), {"complaint": filed.reference, "reason": REASON}).status_code == 403
    assert not LegalHold.objects.exists()


def test_the_sweep_skips_archiving_a_later_complaint_of_a_held_customer(alice, compliance, settings, django_capture_on_commit_callbacks):
    """The hold was placed before this complaint existed, so its own flag is unset and its clock
    schedules the archive; the archive service still refuses, and the firing says why."""
    from escalation.models import Firing
    from tests.escalation.conftest import sweep_and_run

    legal_hold_place(actor=compliance, customer=alice, reason=REASON)
    with time_machine.travel(timezone.now() - timedelta(days=settings.REDRESS_ARCHIVE_AFTER_DAYS + 1), tick=False):
        later = services.complaint_withdraw(complaint=file(alice), actor=alice)
    sweep_and_run(django_capture_on_commit_callbacks)
    assert Complaint.objects.get(pk=later.pk).state == State.CLOSED
    firing = Firing.objects.get(complaint=later, key="step:archive")
    assert firing.status == Firing.Status.SKIPPED and "legal hold" in firing.note
