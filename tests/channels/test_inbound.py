"""One raw e-mail in: a new complaint, a message on one, ignored, or quarantined; never twice,
never a decision taken by e-mail."""

import pytest
from django.contrib.auth import get_user_model

from complaints.channels.addresses import reply_address, reply_token
from complaints.channels.mail.process import mail_process
from complaints.channels.models import InboundEmail
from complaints.choices import Channel, MessageKind, State
from complaints.models import Complaint, Evidence, Message, Notification

from .mails import DESK, MALFORMED, PNG, bounce, email

Outcome, Reason = InboundEmail.Outcome, InboundEmail.Reason
MB = 1024 * 1024


def _nothing_filed():
    assert Complaint.objects.count() == 0
    assert Message.objects.count() == 0


# --- A new complaint -----------------------------------------------------------------------------------


def test_mail_from_a_stranger_files_a_complaint_for_a_new_unverified_customer(db, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        record = mail_process(email(sender="Wang Fang <wang.fang@example.cn>", subject="提现未到账", body="我的 USDT 提现没有到账。"))
    assert (record.outcome, record.reason) == (Outcome.COMPLAINT, "")
    complaint = record.complaint
    assert (complaint.channel, complaint.state, complaint.summary) == (Channel.EMAIL, State.TRIAGE, "提现未到账")
    assert complaint.description == "我的 USDT 提现没有到账。"
    customer = complaint.customer
    assert (customer.email, customer.first_name, customer.has_usable_password()) == ("wang.fang@example.cn", "Wang", False)
    assert (customer.customer_profile.verified, customer.customer_profile.language) == (False, "zh-hans")
    assert record.raw == b""  # only quarantined mail keeps its bytes
    acknowledgement = mailoutbox[0]
    assert acknowledgement.to == ["wang.fang@example.cn"] and complaint.reference in acknowledgement.subject
    assert acknowledgement.reply_to == [reply_address(complaint)]


def test_mail_from_a_known_customer_files_for_that_customer(alice):
    record = mail_process(email(sender="ALICE@Example.com"))
    assert record.complaint.customer == alice
    assert get_user_model().objects.filter(email__iexact="alice@example.com").count() == 1


def test_mail_from_a_staff_address_is_quarantined(agent):
    record = mail_process(email(sender=agent.email))
    assert (record.outcome, record.reason) == (Outcome.QUARANTINED, Reason.NOT_A_CUSTOMER)
    _nothing_filed()


def test_the_same_message_delivered_twice_files_once(alice):
    raw = email(message_id="<once@mail.example.com>")
    first, second = mail_process(raw), mail_process(raw)
    assert first.pk == second.pk
    assert Complaint.objects.count() == 1
    assert InboundEmail.objects.count() == 1


def test_a_stranger_reusing_a_message_id_does_not_make_the_desk_skip_the_real_message(alice, bob):
    mail_process(email(sender="bob@example.com", message_id="<alice-1@example.com>", subject="Squatting"))
    record = mail_process(email(sender="alice@example.com", message_id="<alice-1@example.com>"))
    assert (record.outcome, record.complaint.customer) == (Outcome.COMPLAINT, alice)
    assert Complaint.objects.count() == 2


# --- Replies ---------------------------------------------------------------------------------------------


@pytest.fixture
def investigating(complaint_in):
    return complaint_in(State.INVESTIGATING, language="en")


def test_a_reply_with_the_token_from_the_customer_becomes_a_public_message(investigating):
    quoted = "Here is the TXID you asked about: 0xabc.\n\nOn Mon, 1 Dec 2025, Redress wrote:\n> What is the TXID?"
    record = mail_process(email(to=reply_address(investigating), subject=f"Re: {investigating.reference}", body=quoted))
    assert (record.outcome, record.complaint) == (Outcome.MESSAGE, investigating)
    message = record.added_message
    assert (message.body, message.channel, message.visibility) == ("Here is the TXID you asked about: 0xabc.", Channel.EMAIL, "public")
    assert message.author == investigating.customer


def test_a_reply_answers_a_request_for_information(complaint_in):
    complaint = complaint_in(State.AWAITING_CUSTOMER, return_state=State.INVESTIGATING)
    record = mail_process(email(to=reply_address(complaint), body="The order ID is 12345."))
    complaint.refresh_from_db()
    assert complaint.state == State.INVESTIGATING
    assert (record.added_message.kind, record.added_message.channel) == (MessageKind.INFORMATION_REPLY, Channel.EMAIL)


def test_the_token_matches_whatever_the_case_of_the_address(investigating):
    record = mail_process(email(to=reply_address(investigating).upper()))
    assert record.outcome == Outcome.MESSAGE


@pytest.mark.parametrize(
    "to, sender, reason",
    [
        (DESK, "alice@example.com", Reason.NO_TOKEN),  # the reference in the subject, but no token
        ("reply", "bob@example.com", Reason.WRONG_SENDER),  # the token, from someone else
        ("forged", "alice@example.com", Reason.BAD_TOKEN),  # a token with a made-up MAC
    ],
)
def test_a_forged_reply_is_not_added(investigating, bob, to, sender, reason):
    address = {"reply": reply_address(investigating), "forged": f"complaints+{investigating.reference.lower()}.aaaaaaaaaaaaaaaa@redress.example"}.get(to, to)
    record = mail_process(email(to=address, sender=sender, subject=f"Re: {investigating.reference}", body="Please pay me."))
    assert (record.outcome, record.reason) == (Outcome.QUARANTINED, reason)
    assert record.raw  # kept for staff to read
    assert not investigating.messages.exists()
    assert Complaint.objects.count() == 1


def test_one_complaints_token_does_not_open_another(complaint_in):
    mine, other = complaint_in(State.INVESTIGATING), complaint_in(State.INVESTIGATING)
    token = reply_token(mine).replace(mine.reference.lower(), other.reference.lower())
    record = mail_process(email(to=f"complaints+{token}@redress.example"))
    assert record.reason == Reason.BAD_TOKEN
    assert not other.messages.exists()


def test_a_reply_to_a_closed_complaint_is_quarantined(complaint_in):
    complaint = complaint_in(State.CLOSED, closure_reason="withdrawn")
    record = mail_process(email(to=reply_address(complaint)))
    assert (record.outcome, record.reason) == (Outcome.QUARANTINED, Reason.COMPLAINT_CLOSED)
    assert not complaint.messages.exists()


def test_i_accept_by_e_mail_is_only_a_message(complaint_in):
    complaint = complaint_in(State.RESOLUTION_PROPOSED)
    record = mail_process(email(to=reply_address(complaint), subject="Re: decision", body="I accept."))
    complaint.refresh_from_db()
    assert complaint.state == State.RESOLUTION_PROPOSED
    assert complaint.resolved_at is None
    assert (record.outcome, record.added_message.body, record.added_message.kind) == (Outcome.MESSAGE, "I accept.", MessageKind.COMMENT)


# --- Refused and ignored ----------------------------------------------------------------------------------


def test_a_dmarc_failure_reported_by_our_server_is_quarantined(alice):
    raw = b"Authentication-Results: mx.redress.example; spf=fail; dmarc=fail (p=reject) header.from=example.com\n" + email()
    record = mail_process(raw)
    assert (record.outcome, record.reason) == (Outcome.QUARANTINED, Reason.DMARC_FAIL)
    _nothing_filed()


def test_a_dmarc_pass_on_top_outweighs_a_forged_failure_below(alice):
    # The receiving server prepends its verdict; the one below came with the message.
    raw = b"Authentication-Results: mx.redress.example; dmarc=pass header.from=example.com\n" + email(
        headers={"Authentication-Results": "evil.example; dmarc=fail"}
    )
    assert mail_process(raw).outcome == Outcome.COMPLAINT


@pytest.mark.parametrize(
    "headers, reason",
    [
        ({"Auto-Submitted": "auto-replied"}, Reason.AUTO_REPLY),
        ({"Precedence": "auto_reply"}, Reason.AUTO_REPLY),
        ({"X-Autoreply": "yes"}, Reason.AUTO_REPLY),
        ({"Precedence": "bulk"}, Reason.MAILING_LIST),
        ({"List-Id": "<news.example.com>"}, Reason.MAILING_LIST),
    ],
)
def test_automatic_mail_is_recorded_but_files_nothing(alice, headers, reason):
    record = mail_process(email(subject="Out of office", headers=headers))
    assert (record.outcome, record.reason) == (Outcome.IGNORED, reason)
    _nothing_filed()


def test_an_auto_reply_to_a_complaint_thread_adds_nothing(investigating):
    record = mail_process(email(to=reply_address(investigating), headers={"Auto-Submitted": "auto-replied"}))
    assert record.outcome == Outcome.IGNORED
    assert not investigating.messages.exists()


def test_a_bounce_is_recorded_but_files_nothing(db):
    record = mail_process(bounce())
    assert (record.outcome, record.reason) == (Outcome.IGNORED, Reason.BOUNCE)
    _nothing_filed()


@pytest.mark.parametrize("raw", [MALFORMED, b"\x00\xff not an e-mail at all", b"Subject: no sender\r\n\r\nhello\r\n"])
def test_a_malformed_message_is_quarantined_with_its_bytes_and_reason(db, raw):
    record = mail_process(raw)
    assert (record.outcome, record.reason) == (Outcome.QUARANTINED, Reason.UNPARSEABLE)
    assert bytes(record.raw) == raw and record.notes
    assert mail_process(raw).pk == record.pk  # the same bytes again: the same record
    _nothing_filed()


def test_an_empty_message_is_quarantined_with_the_reason(alice):
    assert mail_process(email(sender="stranger@example.org", subject="", body="")).reason == Reason.REFUSED
    assert not get_user_model().objects.filter(email="stranger@example.org").exists()
    record = mail_process(email(subject="", body=""))
    assert (record.outcome, record.reason) == (Outcome.QUARANTINED, Reason.REFUSED)
    assert "summary" in record.notes
    _nothing_filed()


# --- Attachments -------------------------------------------------------------------------------------------


def test_attachments_become_evidence_through_the_upload_rules(alice):
    record = mail_process(email(attachments=[("screenshot.png", PNG, "image", "png"), ("notes.txt", b"tx 0xabc", "text", "plain")]))
    evidence = list(record.complaint.evidence.order_by("original_name"))
    assert [(e.original_name, e.content_type, e.uploaded_by) for e in evidence] == [
        ("notes.txt", "text/plain", alice), ("screenshot.png", "image/png", alice),
    ]  # fmt: skip
    assert record.notes == ""


def test_an_attachment_on_a_reply_is_filed_with_that_message(investigating):
    record = mail_process(email(to=reply_address(investigating), attachments=[("proof.png", PNG, "image", "png")]))
    assert Evidence.objects.get().message == record.added_message


def test_a_20_mb_attachment_is_refused_as_evidence_and_the_message_kept(alice):
    huge = b"%PDF-1.7\n" + b"0" * (20 * MB)
    record = mail_process(email(attachments=[("statement.pdf", huge, "application", "pdf"), ("ok.png", PNG, "image", "png")]))
    assert record.outcome == Outcome.COMPLAINT
    assert [e.original_name for e in record.complaint.evidence.all()] == ["ok.png"]
    assert "statement.pdf" in record.notes and "at most 15 MB" in record.notes


def test_a_disguised_attachment_is_refused(alice):
    record = mail_process(email(attachments=[("invoice.pdf", b"MZ\x90\x00 an executable", "application", "pdf")]))
    assert record.outcome == Outcome.COMPLAINT and not record.complaint.evidence.exists()
    assert "invoice.pdf" in record.notes


def test_no_notification_is_sent_for_ignored_or_quarantined_mail(db, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        mail_process(bounce())
        mail_process(MALFORMED)
    assert mailoutbox == [] and Notification.objects.count() == 0


def test_nul_characters_in_an_e_mail_are_dropped_not_fatal(alice):
    record = mail_process(email(subject="Late\x00 fill", body="It filled\x00 late."))
    assert (record.complaint.summary, record.complaint.description) == ("Late fill", "It filled late.")
