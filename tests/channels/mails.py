"""Building raw e-mails for the tests, the way mail clients and servers write them."""

from email.message import EmailMessage
from email.utils import make_msgid

DESK = "complaints@redress.example"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


def email(
    *, sender="Alice Example <alice@example.com>", to=DESK, subject="My withdrawal never arrived",
    body="I withdrew 500 USDT on 30 December and it never reached my wallet.", headers=None,
    attachments=(), message_id=None,
) -> bytes:  # fmt: skip
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = message_id or make_msgid(domain="mail.example.com")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    for name, data, maintype, subtype in attachments:
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return bytes(message)


def bounce(*, to=DESK) -> bytes:
    """A delivery-status report (RFC 3464), as an MTA sends back for an undeliverable e-mail."""
    return (
        f"From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\r\nTo: {to}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <bounce-1@mx.example.com>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\r\n\r\n'
        "--b1\r\nContent-Type: text/plain\r\n\r\nThis is the mail system at host mx.example.com.\r\n\r\n"
        "--b1\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.com\r\n\r\nFinal-Recipient: rfc822; nobody@example.com\r\n"
        "Action: failed\r\nStatus: 5.1.1\r\n\r\n--b1--\r\n"
    ).encode()


MALFORMED = (
    b"From: someone@example.com\r\nSubject: broken\r\nMessage-ID: <broken-1@example.com>\r\n"
    b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="never-used"\r\n\r\n'
    b"This body never opens the boundary its header announces.\r\n"
)
