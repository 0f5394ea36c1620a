"""seed_demo: the demo's log-ins and complaints, all made through the services."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F, Q

from accounts.models import User
from accounts.roles import Role
from complaints.choices import Category, Channel, ClosureReason, RemedyState, State
from complaints.management.commands.seed_demo import DEMO_PASSWORD
from complaints.models import AuditEvent, Complaint, Evidence, Message, Notification, Remedy

# complaint_file acknowledges at once and no service leaves a complaint at `received`.
STATES_THE_SERVICES_CAN_HOLD = set(State) - {State.RECEIVED}


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, stderr=StringIO())
    return out.getvalue()


def _counts() -> dict[str, int]:
    models = [User, Complaint, Message, Evidence, Remedy, AuditEvent, Notification]
    return {model.__name__: model.objects.count() for model in models}


@pytest.mark.django_db
def test_seed_demo_fills_every_state_through_the_services_and_runs_once():
    output = _seed()

    complaints = Complaint.objects.all()
    assert 45 <= complaints.count() <= 55
    assert set(complaints.values_list("state", flat=True)) == STATES_THE_SERVICES_CAN_HOLD
    assert set(complaints.values_list("category", flat=True)) == set(Category.values)
    assert {Channel.WEB, Channel.EMAIL, Channel.LIVE_CHAT, Channel.PHONE, Channel.SOCIAL, Channel.IN_APP} <= set(
        complaints.values_list("channel", flat=True)
    )
    assert set(complaints.filter(state=State.CLOSED).values_list("closure_reason", flat=True)) == set(ClosureReason.values)

    # Every role has someone to sign in as; staff can enter the admin with the demo password.
    for role in Role:
        assert User.objects.filter(groups__name=role).exists(), role
    admin = User.objects.get(email="admin@redress.test")
    assert admin.is_superuser and admin.is_staff and admin.check_password(DEMO_PASSWORD)
    assert User.objects.filter(groups__name__in=[r for r in Role if r != Role.CUSTOMER], is_staff=False).count() == 0
    assert User.objects.get(email="li.wei@example.cn").customer_profile.language == "zh-hans"
    assert complaints.filter(language="zh-hans").exists()
    assert "agent@redress.test" in output and DEMO_PASSWORD in output and "/admin/" in output

    # Real histories: each complaint was filed, acknowledged and audited by the services.
    for complaint in complaints:
        actions = list(complaint.audit_events.values_list("action", flat=True))
        assert actions[:2] == ["file", "acknowledge"], complaint.reference
        assert complaint.history.exists()
    # Dates are spread over months, not all "now".
    oldest, newest = complaints.order_by("received_at")[0], complaints.order_by("-received_at")[0]
    assert (newest.received_at - oldest.received_at).days > 90

    # Remedies: an executed payout with a ledger reference, a failure, an approval above a limit.
    assert Remedy.objects.filter(state=RemedyState.EXECUTED).exclude(ledger_reference="").exists()
    assert Remedy.objects.filter(state=RemedyState.FAILED).exists()
    assert Remedy.objects.filter(approved_by__isnull=False, asset__in=["USDT", "BTC"]).exists()
    assert Remedy.objects.filter(asset="BTC").exists()
    assert Evidence.objects.filter(content_type="image/png").exists()
    assert Message.objects.filter(visibility="internal").exists() and Message.objects.filter(visibility="public").exists()

    # Appeals: some pending, some decided by a reviewer who neither decided nor approved.
    decided = complaints.filter(appeal_reviewer__isnull=False)
    assert decided.exists() and complaints.filter(state=State.APPEALED).exists()
    assert not decided.filter(Q(appeal_reviewer=F("decider")) | Q(appeal_reviewer=F("approver"))).exists()

    call_command("verify_audit", stdout=StringIO())

    before = _counts()
    again = _seed()
    assert _counts() == before
    assert "nothing created" in again and "agent@redress.test" in again

