"""The hash-chained audit log.

Every complaint has a chain; configuration changes go on the system chain. An event's hash is
sha256(prev_hash + canonical(event)), where canonical is JSON with sorted keys, compact
separators, Decimals as strings and UTC timestamps with microseconds, tagged with a format
version. Events hold ids, codes, field names and sha256 digests, never free text or personal
data, so erasing personal data later leaves every chain valid.
"""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from json.encoder import encode_basestring
from uuid import UUID

from django.db import connection, transaction
from django.utils import timezone

from . import rows
from .models import AuditChain, AuditEvent, Complaint

FORMAT_VERSION = 1
GENESIS_HASH = "0" * 64
HEAD = ("head_seq", "head_hash")  # the chain columns each append moves


def _encode(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} cannot go into an audit event")


# One encoder, made once: json.dumps with these arguments builds an identical one on every call.
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_encode)


def canonical(payload) -> str:
    return _ENCODER.encode(payload)


def digest(text: str) -> str:
    """What an event records instead of free text: the text's sha256."""
    return hashlib.sha256(text.encode()).hexdigest()


def event_payload(*, chain_id, complaint_id, seq, at, actor_id, action, from_state, to_state, data) -> dict:
    return {
        "v": FORMAT_VERSION,
        "chain": chain_id,
        "complaint": complaint_id,
        "seq": seq,
        "at": _encode(at),
        "actor": actor_id,
        "action": action,
        "from": from_state,
        "to": to_state,
        "data": data,
    }


def event_text(*, chain_id, complaint_id, seq, at: str, actor_id, action, from_state, to_state, data: str) -> str:
    """canonical(event_payload(...)) assembled from its parts, for code that hashes millions of
    events (verification, the bench generator). As the database holds them: ids and seq are
    ints (actor and complaint may be None), the codes str, `at` already encoded (_encode) and
    `data` already canonical. tests/complaints/test_audit.py holds it to canonical()."""
    actor = "null" if actor_id is None else actor_id
    complaint = "null" if complaint_id is None else complaint_id
    return (
        f'{{"action":{encode_basestring(action)},"actor":{actor},"at":{encode_basestring(at)},"chain":{chain_id},'
        f'"complaint":{complaint},"data":{data},"from":{encode_basestring(from_state)},"seq":{seq},'
        f'"to":{encode_basestring(to_state)},"v":{FORMAT_VERSION}}}'
    )


def text_hash(prev_hash: str, text: str) -> str:
    """chain_hash of an event already in its canonical form."""
    return hashlib.sha256((prev_hash + text).encode()).hexdigest()


def chain_hash(prev_hash: str, payload: dict) -> str:
    return hashlib.sha256((prev_hash + canonical(payload)).encode()).hexdigest()


def open_chain(complaint: Complaint) -> AuditChain:
    chain = AuditChain(complaint=complaint, head_hash=GENESIS_HASH)
    rows.insert(chain)
    return chain


def audit_append(
    *, complaint: Complaint | None, actor, action: str, from_state="", to_state="", data=None
) -> AuditEvent:
    """Append one event to the complaint's chain (or the system chain when complaint is None)."""
    # Normalised through JSON before anything is written, so a value the format can't hold is
    # refused here, and what is stored is exactly what was hashed.
    data = json.loads(canonical(data or {}))
    return _append(complaint, actor, action, from_state, to_state, data)


@dataclass(frozen=True)
class Entry:
    """An event to append, as open_chain_with takes it."""

    action: str
    at: datetime
    actor: object = None
    from_state: str = ""
    to_state: str = ""
    data: dict | None = None


def open_chain_with(complaint: Complaint, entries: list[Entry]) -> AuditChain:
    """Open a new complaint's chain with its first events: three statements however many events.
    For a complaint filed in this transaction, which no other transaction can see yet."""
    chain = open_chain(complaint)
    events = []
    for entry in entries:
        data = json.loads(canonical(entry.data or {}))
        events.append(_next_event(chain, complaint, entry.at, entry.actor, entry.action, entry.from_state, entry.to_state, data))
    rows.insert(*events)
    rows.update(chain, HEAD)
    return chain


# No savepoint: an event that can't be written must abort the change it records, and the
# savepoint would cost two round trips on every transition.
@transaction.atomic(savepoint=False)
def _append(complaint, actor, action, from_state, to_state, data) -> AuditEvent:
    chains = AuditChain.objects.select_for_update()
    chain = chains.get(complaint=complaint) if complaint else chains.get(is_system=True)
    event = _next_event(chain, complaint, timezone.now(), actor, action, from_state, to_state, data)
    rows.insert(event)
    rows.update(chain, HEAD)
    return event


def _next_event(chain: AuditChain, complaint, at, actor, action, from_state, to_state, data) -> AuditEvent:
    """The chain's next event, hashed onto its head; moves the head (in memory) past it."""
    seq = chain.head_seq + 1
    payload = event_payload(
        chain_id=chain.id,
        complaint_id=complaint.pk if complaint else None,
        seq=seq,
        at=at,
        actor_id=actor.pk if actor else None,
        action=action,
        from_state=from_state,
        to_state=to_state,
        data=data,
    )
    event = AuditEvent(
        chain=chain,
        complaint=complaint,
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        from_state=from_state,
        to_state=to_state,
        data=data,
        prev_hash=chain.head_hash,
        hash=chain_hash(chain.head_hash, payload),
    )
    chain.head_seq, chain.head_hash = seq, event.hash
    return event


# --- Verification ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainProblem:
    chain: str
    seq: int | None
    event_id: int | None
    message: str

    def __str__(self):
        where = f"event #{self.seq} (id {self.event_id})" if self.event_id else "head"
        return f"{self.chain}: {where}: {self.message}"


def _chain_name(chain_row) -> str:
    chain_id, is_system, reference = chain_row[0], chain_row[1], chain_row[4]
    return "system chain" if is_system else f"chain {chain_id} ({reference or 'no complaint'})"


# An event row as verification reads it: its columns, `at` encoded as the hash saw it (None when
# the value can't be a datetime: the hash can't match), `data` in canonical form, and whether
# the event is dated before the latest seal ("early").
AT, DATA, EARLY = 4, 9, 12


def _check_event(name, expected_seq, prev_hash, row) -> ChainProblem | None:
    (chain_id, event_id, complaint_id, seq, at, actor_id, action, from_state, to_state, data,
     stored_prev, stored_hash, _early) = row  # fmt: skip
    if seq != expected_seq:
        return ChainProblem(name, seq, event_id, f"sequence gap: expected #{expected_seq}, found #{seq}")
    if stored_prev != prev_hash:
        return ChainProblem(name, seq, event_id, "prev_hash does not match the event before it")
    if at is None or text_hash(prev_hash, event_text(
        chain_id=chain_id, complaint_id=complaint_id, seq=seq, at=at, actor_id=actor_id,
        action=action, from_state=from_state, to_state=to_state, data=data,
    )) != stored_hash:  # fmt: skip
        return ChainProblem(name, seq, event_id, "hash does not match the event's contents")
    return None


@dataclass(frozen=True)
class SealedHead:
    """What a seal recorded of one chain: its head was event #seq with this hash."""

    chain_id: int
    seq: int
    hash: str
    seal_seq: int


@dataclass(frozen=True)
class SealCoverage:
    """The sealed heads of the chains being verified, ordered by chain id (then seq), and the
    moment before which every event must be covered by a seal (the latest seal's snapshot, less
    a grace period for transactions that committed just after it)."""

    heads: Iterable[SealedHead]
    covered_before: datetime | None


def _check_links(name, head_seq, head_hash, events) -> ChainProblem | None:
    seq, prev_hash = 0, GENESIS_HASH
    for row in events:
        problem = _check_event(name, seq + 1, prev_hash, row)
        if problem:
            return problem
        seq, prev_hash = row[3], row[11]
    if (seq, prev_hash) != (head_seq, head_hash):
        return ChainProblem(
            name, None, None, f"head says #{head_seq} but the chain ends at #{seq}: events were removed or added"
        )
    return None


def _check_sealed_heads(name, events, sealed: list[SealedHead]) -> ChainProblem | None:
    """Every head a seal recorded must still be in the chain, with the same hash."""
    last = events[-1][3] if events else 0
    for head in sealed:
        if head.seq > last:
            return ChainProblem(
                name, None, None, f"seal #{head.seal_seq} sealed it at #{head.seq} but it ends at #{last}: the chain was truncated"
            )
        row = events[head.seq - 1]
        if row[11] != head.hash:
            return ChainProblem(
                name, head.seq, row[1], f"differs from what seal #{head.seal_seq} recorded: the chain was rewritten"
            )
    return None


def _check_unsealed_events(name, events, sealed: list[SealedHead], covered_before) -> ChainProblem | None:
    """An event past the last sealed head but dated before the latest seal was never sealed:
    it was added afterwards (forged or backdated)."""
    if covered_before is None:
        return None
    sealed_up_to = max((head.seq for head in sealed), default=0)
    for row in events[sealed_up_to:]:
        if row[EARLY]:
            return ChainProblem(
                name, row[3], row[1], "is dated before the latest seal but no seal covers it: forged or backdated"
            )
    return None


def _check_chain(chain_row, events, sealed=(), covered_before=None) -> ChainProblem | None:
    name = _chain_name(chain_row)
    sealed = list(sealed)
    return (
        _check_links(name, chain_row[2], chain_row[3], events)
        or _check_sealed_heads(name, events, sealed)
        or _check_unsealed_events(name, events, sealed, covered_before)
    )


def _grouped(rows, key):
    """Group an iterator of rows ordered by key(row) into (key, [rows])."""
    current, group = None, []
    for row in rows:
        if key(row) != current:
            if group:
                yield current, group
            current, group = key(row), []
        group.append(row)
    if group:
        yield current, group


def _events_by_chain(events):
    """Group an iterator of event rows ordered by (chain_id, seq) into (chain_id, rows)."""
    return _grouped(events, lambda row: row[0])


class _Cursor:
    """Walks a grouped stream alongside the chains (both ordered by chain id)."""

    def __init__(self, groups):
        self.groups = groups
        self.pending = next(groups, None)

    def skip_before(self, chain_id):
        while self.pending and self.pending[0] < chain_id:
            yield self.pending
            self.pending = next(self.groups, None)

    def take(self, chain_id) -> list:
        if self.pending and self.pending[0] == chain_id:
            rows, self.pending = self.pending[1], next(self.groups, None)
            return rows
        return []

    def rest(self):
        while self.pending:
            yield self.pending
            self.pending = next(self.groups, None)


def _orphans(events: _Cursor, sealed: _Cursor, chain_id=None):
    """Events and sealed heads of chains that are no longer there."""
    walk = (lambda cursor: cursor.skip_before(chain_id)) if chain_id is not None else (lambda cursor: cursor.rest())
    for orphan_id, rows in walk(events):
        yield ChainProblem(f"chain {orphan_id}", rows[0][3], rows[0][1], "has events but no chain head: the chain was deleted")
    for orphan_id, heads in walk(sealed):
        yield ChainProblem(
            f"chain {orphan_id}", None, None,
            f"seal #{heads[-1].seal_seq} sealed it at #{heads[-1].seq}, but the chain is gone: it was deleted",
        )  # fmt: skip


def verify_chains(chain_ids=None, coverage: SealCoverage | None = None):
    """Yield a ChainProblem for each chain that does not verify (the first bad event in each).

    Chains, events and sealed heads are streamed side by side, ordered by chain id, so memory
    stays flat however many complaints there are. With `coverage`, each chain must also still
    hold every head a seal recorded, and hold no unsealed event dated before the latest seal.
    """
    covered_before = coverage.covered_before if coverage else None
    chains = AuditChain.objects.order_by("id")
    if chain_ids is not None:
        chains = chains.filter(id__in=chain_ids)
    chain_rows = chains.values_list("id", "is_system", "head_seq", "head_hash", "complaint__reference")
    event_cursor = _Cursor(_events_by_chain(_event_rows(chain_ids, covered_before)))
    sealed_cursor = _Cursor(_grouped(iter(coverage.heads if coverage else ()), lambda head: head.chain_id))
    for chain_row in chain_rows.iterator(chunk_size=5000):
        yield from _orphans(event_cursor, sealed_cursor, chain_row[0])
        rows, sealed = event_cursor.take(chain_row[0]), sealed_cursor.take(chain_row[0])
        problem = _check_chain(chain_row, rows, sealed, covered_before)
        if problem:
            yield problem
    yield from _orphans(event_cursor, sealed_cursor)


def _event_rows(chain_ids, covered_before):
    """The events of these chains (or all), ordered by chain and seq, as _check_event reads them."""
    if connection.vendor == "postgresql":
        return _event_rows_postgres(chain_ids, covered_before)
    events = AuditEvent.objects.order_by("chain_id", "seq")
    if chain_ids is not None:
        events = events.filter(chain_id__in=chain_ids)
    fields = ("chain_id", "id", "complaint_id", "seq", "at", "actor_id", "action", "from_state", "to_state", "data",
              "prev_hash", "hash")  # fmt: skip
    return (
        (*row[:AT], _encode(row[AT]), *row[AT + 1 : DATA], canonical(row[DATA]), *row[DATA + 1 :],
         covered_before is not None and row[AT] < covered_before)
        for row in events.values_list(*fields).iterator(chunk_size=5000)
    )  # fmt: skip


# PostgreSQL writes `at` as _encode does (UTC, microseconds; years 1-9999, the years Python can
# hold), and hands over the JSON as text: the ORM's per-row conversions cost more than hashing.
_EVENTS_SQL = f"""
    SELECT chain_id, id, complaint_id, seq,
           CASE WHEN at >= '0001-01-01 00:00:00+00' AND at < '10000-01-01 00:00:00+00'
                THEN to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"') END,
           actor_id, action, from_state, to_state, data::text, prev_hash, hash, at < %s
    FROM {AuditEvent._meta.db_table} {{where}} ORDER BY chain_id, seq
"""


def _event_rows_postgres(chain_ids, covered_before):
    where, params = ("", [covered_before]) if chain_ids is None else ("WHERE chain_id = ANY(%s)", [covered_before, list(chain_ids)])
    loads = json.loads
    with connection.chunked_cursor() as cursor:
        cursor.execute(_EVENTS_SQL.format(where=where), params)
        while rows := cursor.fetchmany(5000):
            for row in rows:
                data = row[DATA]
                # An empty object (a third of all events) is already canonical.
                yield (*row[:DATA], data if data == "{}" else canonical(loads(data)), *row[DATA + 1 :])
