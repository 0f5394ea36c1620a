"""Every list and detail page of the agent console costs the same number of queries for one row
as for many, so an N+1 can't slip back in (issue 8).

The complaint queue and the complaint page are pinned in tests/console; the pages of the
channels, compliance and reporting apps in their own tests. Each case below makes rows of one
model: the list is read with one row and with several, the change page of one row with one
and with several of its related rows (inlines, choices) present.
"""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from accounts.models import ConflictOfInterest, StaffProfile, Team
from accounts.roles import Role
from complaints.audit import audit_append
from complaints.choices import Category, State
from complaints.models import AuditChain, AuditEvent, CannedResponse, ComplaintIdentifier, HelpArticle, Notification
from escalation import models as escalation
from tests.factories import ComplaintFactory, CustomerFactory, UserFactory, make_staff

from .makers import MANY, axes_and_otp_cases

OWNED_ELSEWHERE = {"channels", "compliance", "reporting"}  # pinned by those apps' tests
PINNED_ELSEWHERE = {"complaints.complaint"}  # tests/console/test_queue.py, test_complaint_page.py


@pytest.fixture
def superuser(db):
    return UserFactory(email="root@redress.test", is_staff=True, is_superuser=True)


@pytest.fixture
def console(client, superuser):
    client.force_login(superuser)
    # The content types are cached per process: start each count from the same empty cache.
    ContentType.objects.clear_cache()
    return client


# --- Rows of each model: make(n) makes n rows and returns the one whose change page is read ----------


def _complaints(n):
    return [ComplaintFactory(state=State.INVESTIGATING) for _ in range(n)]


def _users(n):
    for _ in range(n):
        CustomerFactory()
    staff = make_staff(Role.SUPERVISOR, team="customer_service")
    staff.groups.add(*Group.objects.exclude(name=Role.SUPERVISOR)[: n - 1])  # roles listed on its page
    return staff


def _teams(n):
    # The teams come from a data migration; rows vary by their members instead.
    for _ in range(n):
        make_staff(Role.AGENT, team="customer_service")
    return Team.objects.get(code="customer_service")


def _groups(n):
    groups = [Group.objects.create(name=f"extra {number}") for number in range(n)]
    groups[-1].permissions.add(*Permission.objects.all()[: 10 * n])
    return groups[-1]


def _conflicts(n):
    staff = make_staff(Role.AGENT, team="customer_service")
    rows = [ConflictOfInterest.objects.create(staff=staff, complaint=c, reason="Related") for c in _complaints(n)]
    return rows[-1]


def _chains(n):
    complaints = _complaints(n)
    for complaint in complaints:
        audit_append(complaint=complaint, actor=None, action="note", data={"n": 1})
    return AuditChain.objects.get(complaint=complaints[-1])


def _events(n):
    complaint = _complaints(1)[0]
    actor = make_staff(Role.AGENT, team="customer_service")
    for _ in range(n):
        audit_append(complaint=complaint, actor=actor, action="note", data={"n": 1})
    return AuditEvent.objects.filter(complaint=complaint).last()


def _canned(n):
    rows = [CannedResponse.objects.create(title=f"Reply {i}", body="Thanks.", category=Category.FEES) for i in range(n)]
    return rows[-1]


def _help(n):
    rows = [HelpArticle.objects.create(title=f"Help {i}", body="How to.", category=Category.KYC, position=i) for i in range(n)]
    return rows[-1]


def _identifiers(n):
    rows = [ComplaintIdentifier.objects.create(complaint=c, kind="order_id", value=f"ORD{c.pk}") for c in _complaints(n)]
    return rows[-1]


def _notifications(n):
    rows = [
        Notification.objects.create(complaint=c, recipient=c.customer, kind=Notification.Kind.ACKNOWLEDGEMENT,
                                    language="en", subject="We have your complaint", body_text="Thanks.")
        for c in _complaints(n)
    ]  # fmt: skip
    return rows[-1]


def _calendars(n):
    calendar = escalation.BusinessCalendar.objects.create(name="Extra", time_zone="Asia/Singapore")
    for day in range(n):
        escalation.Holiday.objects.create(calendar=calendar, date=timezone.now().date() + timedelta(days=day))
        escalation.WorkingHours.objects.create(calendar=calendar, weekday=day % 7, opens="09:00", closes="17:00")
    for number in range(n - 1):
        escalation.BusinessCalendar.objects.create(name=f"Other {number}")
    return calendar


def _policies(n):
    rows = [
        escalation.SlaPolicy.objects.create(name=f"Fees {i}", category=Category.FEES, first_response_hours=4,
                                            resolution_hours=40, calendar=escalation.BusinessCalendar.objects.first())
        for i in range(n)
    ]  # fmt: skip
    return rows[-1]


def _regimes(n):
    rows = [
        escalation.Regime.objects.create(code=f"extra-{i}", name=f"Extra {i}", decision_amount=30, decision_unit="calendar_days")
        for i in range(n)
    ]  # fmt: skip
    for i in range(n):
        escalation.RegimeRule.objects.create(regime=rows[-1], name=f"Rule {i}", categories="fees",
                                             decision_amount=10, decision_unit="business_days")  # fmt: skip
    return rows[-1]


def _rules(n):
    rows = [
        escalation.EscalationRule.objects.create(name=f"Alert {i}", clock="resolution", trigger="breached", notify_assignee=True)
        for i in range(n)
    ]  # fmt: skip
    return rows[-1]


def _clocks(n):
    return escalation.ComplaintClock.objects.get(pk=_complaints(n)[-1].pk)


def _extensions(n):
    staff = make_staff(Role.AGENT, team="customer_service")
    now = timezone.now()
    rows = [
        escalation.DeadlineExtension.objects.create(complaint=c, previous_due_at=now, new_due_at=now + timedelta(days=7),
                                                    reason="Waiting for the node provider", extended_by=staff)
        for c in _complaints(n)
    ]  # fmt: skip
    return rows[-1]


def _referrals(n):
    staff = make_staff(Role.APPEALS_REVIEWER, team="appeals")
    rows = [
        escalation.ExternalReferral.objects.create(complaint=c, kind="ombudsman", body="Ombudsman", date=timezone.now().date(),
                                                   recorded_by=staff)
        for c in _complaints(n)
    ]  # fmt: skip
    return rows[-1]


def _firings(n):
    rule = escalation.EscalationRule.objects.first()
    now = timezone.now()
    rows = [
        escalation.Firing.objects.create(complaint=c, key=rule.key, rule=rule, anchor_at=now, due_at=now)
        for c in _complaints(n)
    ]  # fmt: skip
    return rows[-1]


def _queue_items(n):
    rows = [escalation.SupervisorQueueItem.objects.create(complaint=c, reason="no_supervisor") for c in _complaints(n)]
    return rows[-1]


def _freeze_requests(n):
    staff = make_staff(Role.SUPERVISOR, team="customer_service")
    rows = [
        escalation.FreezeRequest.objects.create(complaint=c, channel="email", verified_channel=False, status="sent",
                                                confirmed_by=staff, confirmed_at=timezone.now())
        for c in _complaints(n)
    ]  # fmt: skip
    return rows[-1]


CASES = {
    "accounts.user": _users,
    "accounts.team": _teams,
    "auth.group": _groups,
    "accounts.conflictofinterest": _conflicts,
    "complaints.auditchain": _chains,
    "complaints.auditevent": _events,
    "complaints.cannedresponse": _canned,
    "complaints.helparticle": _help,
    "complaints.complaintidentifier": _identifiers,
    "complaints.notification": _notifications,
    "escalation.businesscalendar": _calendars,
    "escalation.slapolicy": _policies,
    "escalation.regime": _regimes,
    "escalation.escalationrule": _rules,
    "escalation.complaintclock": _clocks,
    "escalation.deadlineextension": _extensions,
    "escalation.externalreferral": _referrals,
    "escalation.firing": _firings,
    "escalation.supervisorqueueitem": _queue_items,
    "escalation.freezerequest": _freeze_requests,
    **axes_and_otp_cases(),
}

# (changelist, change page) queries, signed in as a superuser: session and user, then the page's own.
PINNED = {
    "accounts.user": (6, 12),
    "accounts.team": (5, 4),
    "auth.group": (5, 6),
    "accounts.conflictofinterest": (4, 6),
    "complaints.auditchain": (4, 5),
    "complaints.auditevent": (5, 7),
    "complaints.cannedresponse": (5, 4),
    "complaints.helparticle": (5, 4),
    "complaints.complaintidentifier": (4, 5),
    "complaints.notification": (4, 6),
    "escalation.businesscalendar": (5, 6),
    "escalation.slapolicy": (5, 5),
    "escalation.regime": (5, 6),
    "escalation.escalationrule": (5, 4),
    "escalation.complaintclock": (5, 7),
    "escalation.deadlineextension": (5, 6),
    "escalation.externalreferral": (5, 6),
    "escalation.firing": (6, 6),
    "escalation.supervisorqueueitem": (5, 5),
    "escalation.freezerequest": (5, 6),
    "axes.accessattempt": (8, 5),
    "axes.accesslog": (8, 4),
    "axes.accessfailurelog": (8, 4),
    "otp_totp.totpdevice": (5, 5),
}


def _url(label: str, view: str, *args) -> str:
    app_label, model_name = label.split(".")
    return reverse(f"admin:{app_label}_{model_name}_{view}", args=args)


def test_every_console_page_is_pinned():
    registered = {model._meta.label_lower for model in admin.site._registry}
    mine = {label for label in registered if label.split(".")[0] not in OWNED_ELSEWHERE} - PINNED_ELSEWHERE
    assert mine == set(CASES) == set(PINNED)


@pytest.mark.parametrize("rows", [1, MANY])
@pytest.mark.parametrize("label", sorted(CASES))
def test_the_list_costs_the_same_for_one_or_many_rows(console, django_assert_num_queries, label, rows):
    CASES[label](rows)
    with django_assert_num_queries(PINNED[label][0]):
        response = console.get(_url(label, "changelist"))
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [1, MANY])
@pytest.mark.parametrize("label", sorted(CASES))
def test_the_change_page_costs_the_same_with_one_or_many_related_rows(console, django_assert_num_queries, label, rows):
    shown = CASES[label](rows)
    with django_assert_num_queries(PINNED[label][1]):
        response = console.get(_url(label, "change", shown.pk))
    assert response.status_code == 200
