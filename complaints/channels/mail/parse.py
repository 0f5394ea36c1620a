"""Reading one raw RFC 822 message into the facts the desk decides on. No database here."""

import hashlib
import re
from dataclasses import dataclass, field
from email import policy
from email.errors import MessageDefect, MultipartInvariantViolationDefect, StartBoundaryNotFoundDefect
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr
from html import unescape

from django.utils.html import strip_tags

_FATAL_DEFECTS = (StartBoundaryNotFoundDefect, MultipartInvariantViolationDefect)
_RECIPIENT_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To")
_DMARC_FAIL = re.compile(r"\bdmarc\s*=\s*fail\b", re.IGNORECASE)
_BOUNCE_SENDERS = re.compile(r"^(mailer-daemon|postmaster)@", re.IGNORECASE)
_QUOTE_INTRO = re.compile(r"^(on .+ wrote:|在.+写道[:：]|-+ ?original message ?-+)\s*$", re.IGNORECASE)


class Unparseable(Exception):
    """The bytes are not an e-mail the desk can act on; the message says why."""


@dataclass(frozen=True)
class Attachment:
    name: str
    data: bytes
    content_type: str


@dataclass(frozen=True)
class ParsedMail:
    message_id: str
    sender: str
    sender_name: str
    recipients: tuple[str, ...]
    subject: str
    text: str
    attachments: tuple[Attachment, ...] = field(default=())
    automatic: str = ""  # "auto_reply", "bounce" or "list" (InboundEmail.Reason) when sent by a machine
    dmarc_failed: bool = False


def fallback_message_id(raw: bytes) -> str:
    """A message without a Message-ID is known by its bytes: the same delivery twice is one message."""
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def parse(raw: bytes) -> ParsedMail:
    message = _message(raw)
    sender_name, sender = parseaddr(str(message.get("From", "")))
    if "@" not in sender:
        raise Unparseable("no sender address (From)")
    return ParsedMail(
        message_id=_clean(_message_id(message, raw)),
        sender=_clean(sender).strip().lower(),
        sender_name=_clean(sender_name).strip(),
        recipients=_recipients(message),
        subject=_clean(" ".join(str(message.get("Subject", "")).split()))[:255],
        text=_clean(_text(message)),
        attachments=tuple(_attachments(message)),
        automatic=automatic_kind(message, sender),
        dmarc_failed=_dmarc_failed(message),
    )


def _clean(text: str) -> str:
    """NUL characters dropped: the database can't store them and no person typed them."""
    return text.replace("\x00", "")


def _message(raw: bytes) -> EmailMessage:
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
        defects = [d for part in message.walk() for d in part.defects]
    except (MessageDefect, ValueError, TypeError, LookupError, IndexError) as error:
        raise Unparseable(f"{type(error).__name__}: {error}"[:200]) from error
    if not message.keys():
        raise Unparseable("no headers")
    fatal = [d for d in defects if isinstance(d, _FATAL_DEFECTS)]
    if fatal:
        raise Unparseable(f"broken MIME structure: {type(fatal[0]).__name__}")
    return message


def header_message_id(raw_value) -> str:
    value = " ".join(str(raw_value or "").split())
    return value[:255]


def _message_id(message: EmailMessage, raw: bytes) -> str:
    try:
        return header_message_id(message.get("Message-ID")) or fallback_message_id(raw)
    except (ValueError, TypeError, IndexError):
        return fallback_message_id(raw)


def _recipients(message: EmailMessage) -> tuple[str, ...]:
    values = [str(value) for name in _RECIPIENT_HEADERS for value in message.get_all(name, [])]
    return tuple(dict.fromkeys(address.lower() for _name, address in getaddresses(values) if "@" in address))


def automatic_kind(message: EmailMessage, sender: str) -> str:
    """Bounces, auto-replies and list mail: recorded, never turned into complaints."""
    content_type = message.get_content_type()
    if content_type == "multipart/report" or _BOUNCE_SENDERS.match(sender):
        return "bounce"
    auto_submitted = str(message.get("Auto-Submitted", "no")).strip().lower()
    precedence = str(message.get("Precedence", "")).strip().lower()
    if auto_submitted != "no" or precedence == "auto_reply" or message.get("X-Autoreply") or message.get("X-Autorespond"):
        return "auto_reply"
    if precedence in {"bulk", "junk", "list"} or message.get("List-Id"):
        return "list"
    return ""


def _dmarc_failed(message: EmailMessage) -> bool:
    """Only the topmost Authentication-Results counts: it is the one our receiving server added;
    anything below it came with the message and may be forged."""
    results = message.get_all("Authentication-Results", [])
    return bool(results) and bool(_DMARC_FAIL.search(str(results[0])))


def _text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    try:
        content = body.get_content()
    except (LookupError, ValueError, AssertionError) as error:  # unknown charset, broken encoding
        raise Unparseable(f"unreadable body: {type(error).__name__}") from error
    if body.get_content_type() == "text/html":
        content = unescape(strip_tags(content))
    return content.replace("\r\n", "\n").strip()


def _attachments(message: EmailMessage):
    body = message.get_body(preferencelist=("plain", "html"))
    for part in message.walk():
        if part.is_multipart() or part is body:
            continue
        filename = part.get_filename()
        if part.get_content_disposition() == "attachment" or filename:
            yield Attachment(name=filename or "attachment", data=part.get_payload(decode=True) or b"",
                             content_type=part.get_content_type())  # fmt: skip


def without_quoted_reply(text: str) -> str:
    """A reply's own words: the quoted e-mail below it ("> …", "On … wrote:") is cut off."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if _QUOTE_INTRO.match(line.strip()):
            lines = lines[:index]
            break
    while lines and (lines[-1].startswith(">") or not lines[-1].strip()):
        lines.pop()
    return "\n".join(lines).strip() or text.strip()
