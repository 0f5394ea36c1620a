"""The complaint changelist as the agent's queue: columns, filters, saved queues, search, counts."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from complaints.admin import ComplaintAdmin
from complaints.models import ComplaintIdentifier
from tests.factories import CustomerFactory

from .conftest import CHANGELIST


def queue(client, query=""):
    response = client.get(f"{CHANGELIST}{query}")
    assert response.status_code == 200
    return response.content.decode()


def row_of(html, reference):
    """The queue row of one complaint."""
    match = re.search(rf"<tr>(?:(?!</tr>).)*{re.escape(reference)}(?:(?!</tr>).)*</tr>", html, re.S)
    assert match, reference
    return match.group(0)


def day(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d")


def test_the_queue_shows_badges_age_and_deadline(signed_in, agent, assigned):
    # Three days without a first response: the SLA's first-response target, the nearest running
    # due time of the complaint's clock row, has passed. A complaint received now is on track.
    late = assigned("investigating", received_at=timezone.now() - timedelta(days=3))
    fresh = assigned("investigating")
    html = queue(signed_in(agent))
    row = row_of(html, late.reference)
    assert '<span class="badge state-investigating">Investigating</span>' in row and "3 d" in row
    assert late.clock.next_due_at < timezone.now()
    assert f'class="deadline deadline-breached">{day(late.clock.next_due_at)}<' in row
    assert fresh.clock.next_at_risk_at > timezone.now()
    assert f'class="deadline deadline-on_track">{day(fresh.clock.next_due_at)}<' in row_of(html, fresh.reference)


def test_the_default_queue_is_open_complaints_and_all_states_are_one_click_away(signed_in, agent, complaint_in):
    open_one, closed = complaint_in("triage"), complaint_in("closed", closure_reason="decided")
    client = signed_in(agent)
    html = queue(client)
    assert open_one.reference in html and closed.reference not in html
    assert closed.reference in queue(client, "?state=all")
    assert closed.reference in queue(client, "?state=closed") and open_one.reference not in queue(client, "?state=closed")


def test_the_phase_filter_derives_from_the_states(signed_in, agent, complaint_in):
    waiting, proposed = complaint_in("awaiting_customer"), complaint_in("resolution_proposed")
    html = queue(signed_in(agent), "?phase=investigation")
    assert waiting.reference in html and proposed.reference not in html


def test_assignee_filters_me_my_team_unassigned(signed_in, agent, specialist, assigned, complaint_in, team):
    mine = assigned("investigating")
    teams = assigned("investigating", assignee=None)
    elsewhere = assigned("investigating", assignee=specialist, team=team("trade_risk"))
    client = signed_in(agent)
    me = queue(client, "?assignee=me")
    assert mine.reference in me and teams.reference not in me and elsewhere.reference not in me
    my_team = queue(client, "?assignee=team")
    assert mine.reference in my_team and teams.reference in my_team and elsewhere.reference not in my_team
    nobody = queue(client, "?assignee=unassigned")
    assert teams.reference in nobody and mine.reference not in nobody


def test_deadline_filter_finds_breached_and_at_risk(signed_in, agent, complaint_in):
    now = timezone.now()
    breached = complaint_in("investigating", received_at=now - timedelta(days=70))
    at_risk = complaint_in("investigating", received_at=now)
    # Decided, and acknowledged in time: no clock is running, so no deadline to breach.
    decided = complaint_in("resolution_proposed", received_at=now - timedelta(days=70), decided_at=now,
                           acknowledged_at=now - timedelta(days=70))  # fmt: skip
    assert decided.clock.next_due_at is None
    # Past the SLA policy's at-risk point of the nearest target, not yet past the target itself.
    with time_machine.travel(at_risk.clock.next_at_risk_at + timedelta(minutes=1), tick=False):
        assert timezone.now() < at_risk.clock.next_due_at
        fresh = complaint_in("investigating")
        client = signed_in(agent)
        html = queue(client, "?deadline=breached")
        assert breached.reference in html
        assert at_risk.reference not in html and decided.reference not in html and fresh.reference not in html
        assert "deadline-breached" in row_of(html, breached.reference)
        html = queue(client, "?deadline=at_risk")
        assert at_risk.reference in html
        assert fresh.reference not in html and breached.reference not in html and decided.reference not in html
        assert "deadline-at_risk" in row_of(html, at_risk.reference)


def test_filters_by_category_channel_priority_and_team(signed_in, agent, assigned, team):
    kyc = assigned("investigating", category="kyc", channel="phone", priority="P1", team=team("kyc"))
    other = assigned("investigating")
    client = signed_in(agent)
    for query in ["?category=kyc", "?channel=phone", "?priority=P1", f"?team__id__exact={team('kyc').pk}"]:
        html = queue(client, query)
        assert kyc.reference in html and other.reference not in html, query


def test_saved_queues_on_the_index_depend_on_the_role(signed_in, agent, supervisor, compliance, reviewer):
    html = signed_in(agent).get("/admin/").content.decode()
    assert "My queue" in html and "My team" in html and "Unassigned" in html and "Awaiting my approval" not in html
    html = signed_in(supervisor).get("/admin/").content.decode()
    assert "Awaiting my approval" in html and "Failed remedies" in html and "?approval=mine" in html
    html = signed_in(reviewer).get("/admin/").content.decode()
    assert "Appeals" in html and "My queue" not in html
    html = signed_in(compliance).get("/admin/").content.decode()
    assert "Deadline breached" in html and "My queue" not in html


# --- search -------------------------------------------------------------------------------------------


@pytest.fixture
def searchable(complaint_in, bob):
    one = complaint_in("investigating", summary="Deposit of BNB on the wrong network")
    two = complaint_in("closed", customer=bob, closure_reason="decided", summary="Spot fee charged twice")
    ComplaintIdentifier.objects.create(complaint=one, kind="tx_hash", network="ETH", value="0x" + "ab" * 32)
    ComplaintIdentifier.objects.create(complaint=two, kind="order_id", value="ORD-778899")
    return one, two


@pytest.mark.parametrize("term, finds", [
    ("0x" + "AB" * 32, 0),                # a transaction hash, case normalised
    ("ORD-778899", 1),                    # an order ID
    ("bob@example.com", 1),               # the customer's e-mail (closed complaints too)
    ("BOB@EXAMPLE.COM", 1),
    ("wrong network", 0),                 # words of the summary
    ("charged TWICE", 1),
])  # fmt: skip
def test_search_finds_each_kind_of_identifier(signed_in, agent, searchable, term, finds):
    html = queue(signed_in(agent), f"?q={term}")
    assert searchable[finds].reference in html and searchable[1 - finds].reference not in html


def test_search_by_reference_and_exchange_uid(signed_in, agent, searchable, bob):
    client = signed_in(agent)
    one, two = searchable
    html = queue(client, f"?q={one.reference.lower()}")
    assert one.reference in html and two.reference not in html
    html = queue(client, f"?q={bob.customer_profile.exchange_uid}")
    assert two.reference in html and one.reference not in html


def test_a_short_or_unknown_term_finds_nothing_without_error(signed_in, agent, searchable):
    client = signed_in(agent)
    assert searchable[0].reference not in queue(client, "?q=zz")
    assert searchable[0].reference not in queue(client, "?q=0x" + "cd" * 32)


# --- counts and queries ----------------------------------------------------------------------------------


def test_the_count_is_capped_not_computed(signed_in, agent, complaint_in, monkeypatch):
    from complaints.console import queues

    monkeypatch.setattr(queues, "COUNT_CAP", 3)
    monkeypatch.setattr(ComplaintAdmin, "list_per_page", 2)
    for _ in range(5):
        complaint_in("triage")
    html = queue(signed_in(agent))
    assert "more than 3 complaints" in html


def make_rows(count, complaint_in, agent, team):
    # Every row with its own customer: a list that joined per row would show it in the count.
    now = timezone.now()
    for i in range(count):
        complaint_in("investigating", customer=CustomerFactory(), assignee=agent if i % 2 else None,
                     team=team("customer_service"), priority="P3", received_at=now - timedelta(hours=i))  # fmt: skip


@pytest.mark.parametrize("rows", [10, 100])
def test_the_queue_costs_the_same_queries_with_10_or_100_rows_per_page(
    signed_in, agent, complaint_in, team, monkeypatch, django_assert_num_queries, rows
):
    monkeypatch.setattr(ComplaintAdmin, "list_per_page", rows)
    make_rows(rows + 5, complaint_in, agent, team)  # a full page, and more: the count runs
    client = signed_in(agent)
    client.get(CHANGELIST)  # warm up
    # session, user, permissions (2), the first page (page size + 1 rows), its customers, teams and assignees
    # (one prefetch each), the capped count, the team filter's choices, the user's staff profile (saved
    # queues): 11 for any page size.
    with django_assert_num_queries(11):
        html = client.get(CHANGELIST).content.decode()
    assert html.count('class="badge state-investigating"') == rows


def test_a_queue_that_fits_on_one_page_is_not_counted(signed_in, agent, complaint_in, team, django_assert_num_queries):
    make_rows(10, complaint_in, agent, team)
    client = signed_in(agent)
    client.get(CHANGELIST)
    with django_assert_num_queries(10):  # the 11 above, less the count
        client.get(CHANGELIST)


def test_a_search_adds_only_its_lookups(signed_in, agent, complaint_in, team, django_assert_num_queries):
    make_rows(10, complaint_in, agent, team)
    client = signed_in(agent)
    client.get(CHANGELIST)
    # the 10 above, plus the identifier, exchange-UID and summary (trigram) lookups
    with django_assert_num_queries(13):
        client.get(f"{CHANGELIST}?q=withdrawal")


def test_the_at_risk_window_moves_with_time(signed_in, agent, complaint_in):
    # At risk from the SLA policy's at-risk point (escalation.ComplaintClock.next_at_risk_at) to
    # the due time, breached after it: no fixed window.
    complaint = complaint_in("investigating")
    clock = complaint.clock
    assert clock.next_at_risk_at < clock.next_due_at
    with time_machine.travel(clock.next_at_risk_at - timedelta(minutes=1), tick=False):
        client = signed_in(agent)
        assert complaint.reference not in queue(client, "?deadline=at_risk")
        assert "deadline-on_track" in row_of(queue(client), complaint.reference)
    with time_machine.travel(clock.next_at_risk_at + timedelta(minutes=1), tick=False):
        client = signed_in(agent)
        assert complaint.reference in queue(client, "?deadline=at_risk")
        assert complaint.reference not in queue(client, "?deadline=breached")
    with time_machine.travel(clock.next_due_at + timedelta(minutes=1), tick=False):
        client = signed_in(agent)
        assert complaint.reference not in queue(client, "?deadline=at_risk")
        assert "deadline-breached" in row_of(queue(client, "?deadline=breached"), complaint.reference)


def test_the_index_and_an_app_index_still_list_the_models_built_only_where_read(signed_in, agent):
    client = signed_in(agent)
    assert 'href="/admin/complaints/complaint/"' in client.get("/admin/").content.decode()
    assert 'href="/admin/complaints/complaint/"' in client.get("/admin/complaints/").content.decode()
    assert client.get("/admin/no_such_app/").status_code == 404
