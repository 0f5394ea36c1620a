"""The channels in the console: the inbound e-mail log and its quarantine (read-only), the
integrations' tokens (shown once, stored as a digest, revoked), the outbox on the complaint
page, and the queue filtered by channel."""

import re

import pytest
from django.urls import reverse

from complaints.channels.mail.process import mail_process
from complaints.channels.models import InboundEmail, Integration, token_digest
from complaints.choices import Channel, State
from complaints.models import Notification
from tests.factories import UserFactory

from .mails import MALFORMED, email

QUARANTINE = reverse("admin:channels_inboundemail_changelist")
INTEGRATIONS = reverse("admin:channels_integration_changelist")


@pytest.fixture
def quarantined(db):
    return mail_process(MALFORMED)


def test_an_agent_reads_the_quarantine_with_its_reason_and_raw_text(signed_in, agent, quarantined):
    client = signed_in(agent)
    listing = client.get(QUARANTINE, {"outcome": "quarantined"}).content.decode()
    assert "Could not be read as an e-mail" in listing
    detail = client.get(reverse("admin:channels_inboundemail_change", args=[quarantined.pk])).content.decode()
    assert "This body never opens the boundary its header announces." in detail
    assert "StartBoundaryNotFoundDefect" in detail


def test_nobody_edits_or_deletes_the_inbound_log(signed_in, agent, quarantined):
    client = signed_in(agent)
    change = reverse("admin:channels_inboundemail_change", args=[quarantined.pk])
    assert client.post(change, {"reason": ""}).status_code == 403
    assert client.post(reverse("admin:channels_inboundemail_delete", args=[quarantined.pk]), {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:channels_inboundemail_add")).status_code == 403
    quarantined.refresh_from_db()
    assert quarantined.reason == InboundEmail.Reason.UNPARSEABLE


def test_staff_without_a_role_and_customers_do_not_see_the_quarantine(signed_in, quarantined, alice):
    assert signed_in(UserFactory(is_staff=True)).get(QUARANTINE).status_code == 403
    assert signed_in(alice).get(QUARANTINE).status_code == 302  # to the admin's sign-in


def test_erasing_a_quarantined_message_drops_its_personal_data_and_keeps_the_claim(quarantined):
    quarantined.erase()
    quarantined.refresh_from_db()
    assert (bytes(quarantined.raw), quarantined.sender, quarantined.erased_at is not None) == (b"", "", True)
    assert mail_process(MALFORMED).pk == quarantined.pk  # still processed once


# --- Integrations ----------------------------------------------------------------------------------------------


def test_a_supervisor_creates_an_integration_and_sees_its_token_once(signed_in, supervisor):
    client = signed_in(supervisor)
    response = client.post(reverse("admin:channels_integration_add"), {"name": "Zendesk chat", "channel": Channel.LIVE_CHAT}, follow=True)
    html = response.content.decode()
    token = re.search(r"rdi_[A-Za-z0-9_-]{40,}", html)[0]
    assert token not in str(response.cookies) and token not in str(client.session.items())  # shown, never kept
    integration = Integration.objects.get()
    assert integration.token_digest == token_digest(token) and token not in str(Integration.objects.values())
    assert token not in client.get(reverse("admin:channels_integration_change", args=[integration.pk])).content.decode()
    api = client.get("/api/v1/complaints/CMP-2026-0000001", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.status_code == 404  # authenticated: the complaint just doesn't exist


def test_revoking_an_integration_ends_its_access(signed_in, supervisor):
    integration = Integration.objects.create(name="Forum bot", channel=Channel.FORUM, token_digest=token_digest("rdi_x"), token_prefix="rdi_x")
    client = signed_in(supervisor)
    client.post(INTEGRATIONS, {"action": "revoke", "_selected_action": [integration.pk]})
    integration.refresh_from_db()
    assert integration.revoked_at is not None
    assert client.get("/api/v1/complaints/CMP-2026-0000001", HTTP_AUTHORIZATION="Bearer rdi_x").status_code == 403


def test_an_agent_cannot_create_integrations(signed_in, agent):
    assert signed_in(agent).post(reverse("admin:channels_integration_add"), {"name": "x", "channel": "forum"}).status_code == 403
    assert not Integration.objects.exists()


# --- The complaint page and the queue ---------------------------------------------------------------------------


def test_the_complaint_page_lists_its_e_mails_with_their_delivery_status(signed_in, agent, complaint_in):
    complaint = complaint_in(State.TRIAGE)
    Notification.objects.create(complaint=complaint, recipient=complaint.customer, to_email="alice@example.com",
                                kind="acknowledgement", language="en", subject="s", body_text="b", status="sent")  # fmt: skip
    Notification.objects.create(complaint=complaint, recipient=complaint.customer, to_email="alice@example.com",
                                kind="information_request", language="en", subject="s", body_text="b", status="pending",
                                attempts=2, last_error="SMTPServerDisconnected")  # fmt: skip
    html = signed_in(agent).get(reverse("admin:complaints_complaint_change", args=[complaint.pk])).content.decode()
    outbox = html.split('class="module console-outbox"')[1].split("</section>")[0]
    assert "Acknowledgement" in outbox and "Sent" in outbox
    assert "Request for information" in outbox and "Pending" in outbox and "2 attempts" in outbox


def test_the_queue_filters_by_channel(signed_in, agent, complaint_in):
    by_mail, by_web = complaint_in(State.TRIAGE, channel=Channel.EMAIL), complaint_in(State.TRIAGE, channel=Channel.WEB)
    html = signed_in(agent).get(reverse("admin:complaints_complaint_changelist"), {"channel__exact": "email"}).content.decode()
    assert by_mail.reference in html and by_web.reference not in html


# --- Query counts ---------------------------------------------------------------------------------------------


def _inbound_rows(n):
    for i in range(n):
        mail_process(email(sender="alice@example.com", subject=f"Complaint {i}"))  # linked to a complaint
        mail_process(MALFORMED + str(i).encode())  # quarantined


def _integration_rows(n):
    start = Integration.objects.count()
    for i in range(start, start + n):
        Integration.objects.create(name=f"Bot {i}", channel=Channel.FORUM, token_digest=token_digest(f"t{i}"), token_prefix="t")


# The session, the user and their permissions, then the page's own reads: the rows (the inbound log
# joins its complaints) and their count; never a query per row, never a second full COUNT(*).
LIST_QUERIES = {QUARANTINE: 6, INTEGRATIONS: 6}


@pytest.mark.parametrize("url, make", [(QUARANTINE, _inbound_rows), (INTEGRATIONS, _integration_rows)])
@pytest.mark.parametrize("rows", [1, 20])
def test_the_lists_cost_the_same_for_one_or_many_rows(signed_in, supervisor, alice, django_assert_num_queries, url, make, rows):
    make(rows)
    client = signed_in(supervisor)
    client.get(url)  # warm the session and the content types
    with django_assert_num_queries(LIST_QUERIES[url]):
        assert client.get(url).status_code == 200
