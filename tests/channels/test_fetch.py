"""Fetching the desk's mailbox: a real IMAP server (Dovecot on loopback) and a Maildir. Each
message is processed once, however often the fetch runs, and two workers file it once."""

import mailbox
import threading

import pytest
from django.core.management import call_command
from django.db import connection

from complaints.channels.addresses import reply_address
from complaints.channels.mail.fetch import fetch_imap, fetch_maildir
from complaints.channels.mail.process import mail_process
from complaints.channels.models import InboundEmail
from complaints.channels.tasks import fetch_mail
from complaints.choices import Channel, State
from complaints.models import Complaint

from .mails import MALFORMED, PNG, bounce, email

Outcome = InboundEmail.Outcome


def _outcomes():
    return sorted(InboundEmail.objects.values_list("outcome", flat=True))


# --- IMAP ----------------------------------------------------------------------------------------------


def test_imap_new_complaint_reply_and_the_rest(imap, mailbox_, complaint_in):
    complaint = complaint_in(State.INVESTIGATING)
    mailbox_(
        email(sender="new.person@example.org", subject="Fees charged twice", attachments=[("fee.png", PNG, "image", "png")]),
        email(to=reply_address(complaint), body="Any news?"),
        email(sender="bob@example.com", to=reply_address(complaint), body="Forged."),
        bounce(),
        MALFORMED,
    )
    assert fetch_imap(imap.url) == 5
    assert _outcomes() == ["complaint", "ignored", "message", "quarantined", "quarantined"]
    filed = Complaint.objects.get(channel=Channel.EMAIL)
    assert (filed.customer.email, filed.summary, filed.evidence.count()) == ("new.person@example.org", "Fees charged twice", 1)
    assert [m.body for m in complaint.messages.all()] == ["Any news?"]


def test_imap_a_retried_fetch_processes_nothing_twice(imap, mailbox_, alice):
    mailbox_(email(message_id="<retry@example.com>"))
    assert fetch_imap(imap.url) == 1
    assert fetch_imap(imap.url) == 0  # marked seen after processing
    mailbox_(email(message_id="<retry@example.com>"))  # the same message delivered again
    assert fetch_imap(imap.url) == 1
    assert Complaint.objects.count() == 1 and InboundEmail.objects.count() == 1


def test_the_task_and_the_command_fetch_the_configured_mailbox(imap, mailbox_, alice, settings):
    settings.REDRESS_IMAP_URL, settings.REDRESS_MAILDIR = imap.url, ""
    mailbox_(email(message_id="<task@example.com>"), email(message_id="<command@example.com>", subject="Second"))
    assert fetch_mail.apply().get() == 2
    mailbox_(email(message_id="<later@example.com>", subject="Third"))
    call_command("fetch_mail")
    assert Complaint.objects.filter(customer=alice).count() == 3


# --- Maildir ---------------------------------------------------------------------------------------------


@pytest.fixture
def maildir(tmp_path):
    folder = mailbox.Maildir(str(tmp_path / "desk"), create=True)

    def deliver(*messages: bytes):
        for raw in messages:
            folder.add(raw)

    deliver.path = str(tmp_path / "desk")
    deliver.folder = folder
    return deliver


def test_maildir_messages_are_processed_and_moved_to_cur_as_seen(maildir, alice):
    maildir(email(), email(subject="Auto", headers={"Auto-Submitted": "auto-replied"}))
    assert fetch_maildir(maildir.path) == 2
    assert _outcomes() == ["complaint", "ignored"]
    assert all(message.get_subdir() == "cur" and "S" in message.get_flags() for message in maildir.folder)
    assert fetch_maildir(maildir.path) == 0


def test_maildir_the_same_message_twice_files_once(maildir, alice):
    raw = email(message_id="<dup@example.com>")
    maildir(raw, raw)
    assert fetch_maildir(maildir.path) == 2
    assert Complaint.objects.count() == 1 and InboundEmail.objects.count() == 1


def test_the_command_reads_a_maildir_given_on_the_command_line(maildir, alice, capsys):
    maildir(email())
    call_command("fetch_mail", maildir=maildir.path)
    assert "1 message(s) processed" in capsys.readouterr().out
    assert Complaint.objects.get().channel == Channel.EMAIL


# --- Two workers -------------------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: two transactions at once")
@pytest.mark.django_db(transaction=True)
def test_two_workers_with_the_same_message_file_it_once():
    from tests.factories import CustomerFactory

    CustomerFactory(email="alice@example.com")
    raw, barrier, results = email(message_id="<race@example.com>"), threading.Barrier(2), []

    def worker():
        try:
            barrier.wait(timeout=30)
            results.append(mail_process(raw).pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == 2 and results[0] == results[1]
    assert Complaint.objects.count() == 1 and InboundEmail.objects.count() == 1


def test_a_message_that_fails_unexpectedly_is_left_for_the_next_fetch_and_the_others_go_on(maildir, alice, monkeypatch):
    from complaints.channels.mail import fetch

    real, calls = fetch.mail_process, []

    def flaky(raw):
        calls.append(raw)
        if len(calls) == 1:
            raise ConnectionError("database went away")
        return real(raw)

    monkeypatch.setattr(fetch, "mail_process", flaky)
    maildir(email(message_id="<first@example.com>"), email(message_id="<second@example.com>", subject="Second"))
    assert fetch_maildir(maildir.path) == 1
    assert fetch_maildir(maildir.path) == 1  # the one that failed, retried
    assert Complaint.objects.count() == 2
