import imaplib
import os
import tempfile
from pathlib import Path

import pytest

from . import imap_server


@pytest.fixture(scope="session")
def imap():
    """A real IMAP server (Dovecot) on loopback, for the whole session."""
    if not imap_server.available():
        message = "needs Debian's dovecot-imapd (scripts/ensure_dovecot.sh) and root"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    # Not under pytest's tmp_path: that is private to root, and Dovecot's own processes must read it.
    root = Path(tempfile.mkdtemp(prefix="redress-dovecot-"))
    root.chmod(0o755)
    server = imap_server.ImapServer(root).start()
    yield server
    server.stop()


@pytest.fixture
def mailbox_(imap):
    """Deliver raw messages into the desk's IMAP inbox (emptied first), as the MTA would."""
    client = imaplib.IMAP4("127.0.0.1", imap.port)
    client.login(imap_server.USER, imap_server.PASSWORD)
    _status, (count,) = client.select("INBOX")
    if int(count):
        client.store("1:*", "+FLAGS", "(\\Deleted)")
        client.expunge()

    def deliver(*messages: bytes) -> None:
        for raw in messages:
            status, _data = client.append("INBOX", None, None, raw)
            assert status == "OK"

    yield deliver
    client.logout()
