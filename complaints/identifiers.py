"""Order IDs and transaction hashes: checked per network and normalised for exact search."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_EVM = re.compile(r"^0x[0-9a-f]{64}$")
_BASE58 = re.compile(r"^[1-9A-HJ-NP-Za-km-z]{64,90}$")
_ORDER_ID = re.compile(r"^[A-Za-z0-9_-]{4,64}$")

# network code → (pattern, whether the hash is case-insensitive hex)
TX_HASH_FORMATS = {
    "BTC": (_HEX64, True),
    "LTC": (_HEX64, True),
    "TRON": (_HEX64, True),
    "ETH": (_EVM, True),
    "BSC": (_EVM, True),
    "POLYGON": (_EVM, True),
    "ARBITRUM": (_EVM, True),
    "SOL": (_BASE58, False),
}


def normalise_tx_hash(value: str, network: str = "") -> str:
    """Return the canonical form of a transaction hash, or raise ValidationError."""
    raw = value.strip()
    network = network.upper()
    if network and network not in TX_HASH_FORMATS:
        raise ValidationError(_("Unknown network %(network)s.") % {"network": network})
    candidates = [TX_HASH_FORMATS[network]] if network else TX_HASH_FORMATS.values()
    for pattern, case_insensitive in candidates:
        text = raw.lower() if case_insensitive else raw
        if pattern.match(text):
            return text
    raise ValidationError(
        _("“%(value)s” is not a valid transaction hash%(on)s.")
        % {"value": raw[:80], "on": _(" on %s") % network if network else ""}
    )


def normalise_order_id(value: str) -> str:
    raw = value.strip()
    if not _ORDER_ID.match(raw):
        raise ValidationError(
            _("“%(value)s” is not a valid order ID (4–64 letters, digits, - or _).") % {"value": raw[:80]}
        )
    return raw
