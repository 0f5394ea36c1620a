"""Feeding mail_process from the desk's mailbox: IMAP (production) or a Maildir (tests, small sites).

A message is marked seen (IMAP) or moved to cur/ (Maildir) only after it was processed and
committed. A crash in between means it is fetched again, and its Message-ID row makes the
second pass a no-op; two workers fetching at once are safe for the same reason.
"""

import imaplib
import logging
import mailbox
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .process import mail_process

logger = logging.getLogger(__name__)
_BATCH = 200  # per run; the next run takes the rest


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    user: str
    password: str
    folder: str
    ssl: bool

    @classmethod
    def from_url(cls, url: str) -> "ImapSettings":
        parts = urlsplit(url)
        if parts.scheme not in {"imap", "imaps"} or not parts.hostname or not parts.username:
            raise ImproperlyConfigured("REDRESS_IMAP_URL must look like imaps://user:password@host/INBOX")
        ssl = parts.scheme == "imaps"
        return cls(
            host=parts.hostname, port=parts.port or (993 if ssl else 143), user=unquote(parts.username),
            password=unquote(parts.password or ""), folder=unquote(parts.path.lstrip("/")) or "INBOX", ssl=ssl,
        )  # fmt: skip


def fetch_imap(url: str) -> int:
    """Process the unseen messages of the IMAP folder; the number processed."""
    config = ImapSettings.from_url(url)
    with _connect(config) as imap:
        imap.login(config.user, config.password)
        _ok(imap.select(_quoted(config.folder)), "select")
        processed = 0
        for uid in _ok(imap.uid("SEARCH", None, "UNSEEN"), "search")[0].split()[:_BATCH]:
            raw = _raw_message(_ok(imap.uid("FETCH", uid, "(BODY.PEEK[])"), "fetch"))
            if raw is None or _processed(raw, f"IMAP UID {uid.decode()}"):
                _ok(imap.uid("STORE", uid, "+FLAGS", "(\\Seen)"), "store")  # only once it is committed
                processed += raw is not None
    return processed


def _connect(config: ImapSettings) -> imaplib.IMAP4:
    if config.ssl:
        return imaplib.IMAP4_SSL(config.host, config.port, timeout=60)
    imap = imaplib.IMAP4(config.host, config.port, timeout=60)
    if config.host not in {"127.0.0.1", "localhost", "::1"}:
        imap.starttls()  # never a password in clear text over the network
    return imap


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _ok(response, step: str):
    status, data = response
    if status != "OK":
        raise imaplib.IMAP4.error(f"IMAP {step} failed: {status}")
    return data


def _raw_message(data) -> bytes | None:
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            return item[1]
    return None


def _processed(raw: bytes, where: str) -> bool:
    """Process one message; on an unexpected error leave it unseen (the next fetch retries it)
    and carry on with the others, so one bad message never blocks the mailbox."""
    try:
        mail_process(raw)
    except Exception:
        logger.exception("inbound e-mail at %s failed; left for the next fetch", where)
        return False
    return True


def fetch_maildir(path: str | Path) -> int:
    """Process the messages in new/ (and unseen ones in cur/); each then moves to cur/ as seen."""
    folder = mailbox.Maildir(str(path), factory=None, create=False)
    done = 0
    for key in list(folder.keys())[:_BATCH]:
        message = folder.get_message(key)
        if "S" in message.get_flags():
            continue
        if not _processed(folder.get_bytes(key), f"Maildir {key}"):
            continue
        message.set_subdir("cur")
        message.add_flag("S")
        folder[key] = message
        done += 1
    return done


def fetch_configured() -> int:
    """What the task and the command run: the IMAP folder and/or the Maildir the settings name."""
    processed = 0
    if settings.REDRESS_IMAP_URL:
        processed += fetch_imap(settings.REDRESS_IMAP_URL)
    if settings.REDRESS_MAILDIR:
        processed += fetch_maildir(settings.REDRESS_MAILDIR)
    return processed
