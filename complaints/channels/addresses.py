"""The desk's addresses and thread identifiers, derived from the complaint: nothing stored.

Every customer e-mail has Reply-To desk+<token>@domain. The token is the complaint's reference
and a MAC of its id under a key derived from SECRET_KEY, so a reply names the complaint it
answers, and only someone who received the desk's e-mail can name it. All lower case: some
mail systems fold the case of local parts.
"""

import base64
import re

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

from complaints.models import Complaint

_SALT = "redress.channels.reply-token"
_MAC_LENGTH = 16  # base32 characters: 80 bits
_TOKEN = re.compile(rf"^(cmp-\d{{4}}-\d{{7}})\.([a-z2-7]{{{_MAC_LENGTH}}})$")
REFERENCE_IN_TEXT = re.compile(r"\bCMP-\d{4}-\d{7}\b", re.IGNORECASE)


def desk_address() -> tuple[str, str]:
    local, _at, domain = settings.REDRESS_DESK_EMAIL.rpartition("@")
    return local.split("+", 1)[0], domain.lower()


def _mac(complaint_id: int) -> str:
    digest = salted_hmac(_SALT, str(complaint_id), algorithm="sha256").digest()
    return base64.b32encode(digest).decode().lower()[:_MAC_LENGTH]


def reply_token(complaint: Complaint) -> str:
    return f"{complaint.reference.lower()}.{_mac(complaint.pk)}"


def reply_address(complaint: Complaint) -> str:
    local, domain = desk_address()
    return f"{local}+{reply_token(complaint)}@{domain}"


def token_in(address: str) -> str | None:
    """The reply token of a desk+token@domain address, or None when the address is not one."""
    local, _at, domain = address.strip().lower().rpartition("@")
    desk_local, desk_domain = desk_address()
    if domain != desk_domain or not local.startswith(f"{desk_local.lower()}+"):
        return None
    return local.split("+", 1)[1]


def complaint_for_token(token: str) -> Complaint | None:
    """The complaint the token belongs to, or None when it is malformed or its MAC is wrong."""
    match = _TOKEN.match(token.lower())
    if match is None:
        return None
    complaint = Complaint.objects.select_related("customer").filter(reference=match[1].upper()).first()
    if complaint is None or not constant_time_compare(_mac(complaint.pk), match[2]):
        return None
    return complaint


def thread_root_id(complaint: Complaint) -> str:
    """The Message-ID of the acknowledgement, which every later e-mail on the complaint answers."""
    return f"<{complaint.reference.lower()}@{desk_address()[1]}>"


def notification_message_id(notification) -> str:
    """Stable per outbox row, so a resend after a failure is recognisably the same e-mail."""
    if notification.kind == "acknowledgement":
        return thread_root_id(notification.complaint)
    return f"<{notification.complaint.reference.lower()}.n{notification.pk}@{desk_address()[1]}>"
