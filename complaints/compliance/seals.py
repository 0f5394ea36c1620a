"""Daily seals over the audit chains, and their verification.

A seal reads the head of every chain changed since the previous seal in one consistent
snapshot (REPEATABLE READ on PostgreSQL), refuses to bless a chain that does not verify,
hashes the heads, chains to the previous seal and is signed with AUDIT_SEAL_KEY, which is
never in the database. After commit a copy is written outside the database (one file per seal
under AUDIT_SEAL_DIR, and POSTed to AUDIT_SEAL_URL when set).

Verification (verify_audit) then catches what hashes alone cannot: a chain deleted, truncated,
or rewritten together with its head, an event added and dated before the latest seal, and a
seal edited, removed or forged in the database.
"""

import hashlib
import hmac
import json
import os
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone

from complaints.audit import GENESIS_HASH, SealCoverage, canonical, verify_chains
from complaints.audit import SealedHead as CoveredHead
from complaints.models import AuditChain

from .models import Seal, SealedHead

FORMAT_VERSION = 1
# Events appended just before a snapshot may commit just after it: they belong to the next seal.
GRACE = timedelta(minutes=10)
BATCH = 500
# Chains verified per pass before sealing: each pass is three queries, so a large first seal
# (a bulk load's million chains) doesn't spend its time starting them.
VERIFY_BATCH = 20_000


class SealRefused(Exception):
    """A chain to be sealed does not verify: sealing it would bless the tampering."""


# --- The seal's contents -------------------------------------------------------------------------


def _heads_digest(heads) -> str:
    """sha256 over "chain:seq:hash" lines, in chain order."""
    hasher = hashlib.sha256()
    for chain_id, seq, head_hash in heads:
        hasher.update(f"{chain_id}:{seq}:{head_hash}\n".encode())
    return hasher.hexdigest()


def seal_digest(*, seq: int, sealed_at: datetime, chain_count: int, heads_digest: str, prev_digest: str) -> str:
    payload = {"v": FORMAT_VERSION, "seq": seq, "sealed_at": sealed_at, "chains": chain_count, "heads": heads_digest}
    return hashlib.sha256((prev_digest + canonical(payload)).encode()).hexdigest()


def sign(digest: str) -> str:
    return hmac.new(settings.AUDIT_SEAL_KEY.encode(), digest.encode(), hashlib.sha256).hexdigest()


def _sealed_rows(seal: Seal):
    return SealedHead.objects.filter(seal=seal).order_by("chain_id").values_list("chain_id", "head_seq", "head_hash")


# --- Sealing -----------------------------------------------------------------------------------------


def changed_chains():
    """Chains whose head moved since the last seal that covered them (every chain with events,
    the first time)."""
    sealed_seq = SealedHead.objects.filter(chain_id=OuterRef("pk")).order_by("-head_seq").values("head_seq")[:1]
    return (
        AuditChain.objects.filter(head_seq__gt=0)
        .annotate(sealed_seq=Subquery(sealed_seq))
        .filter(Q(sealed_seq__isnull=True) | ~Q(sealed_seq=F("head_seq")))
        .order_by("id")
        .values_list("id", "head_seq", "head_hash")
    )


def coverage(chain_ids=None, covered_before=None) -> SealCoverage:
    """The sealed heads (of the given chains, or all), streamed in chain order."""
    heads = SealedHead.objects.order_by("chain_id", "head_seq")
    if chain_ids is not None:
        heads = heads.filter(chain_id__in=chain_ids)
    rows = heads.values_list("chain_id", "head_seq", "head_hash", "seal__seq").iterator(chunk_size=5000)
    return SealCoverage(heads=(CoveredHead(*row) for row in rows), covered_before=covered_before)


def _batches(rows, size=BATCH):
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _ensure_intact(batch) -> None:
    ids = [chain_id for chain_id, _seq, _hash in batch]
    problem = next(verify_chains(chain_ids=ids, coverage=coverage(ids)), None)
    if problem is not None:
        raise SealRefused(f"not sealed: {problem}")


@contextmanager
def _snapshot():
    """One consistent snapshot for every read of the seal (PostgreSQL's default, READ COMMITTED,
    would let a chain move between two reads). Inside a caller's transaction (tests) the
    isolation level is already fixed."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield


def seal_create() -> Seal | None:
    """Seal every chain changed since the last seal; None when nothing changed."""
    with _snapshot():
        return _seal_in_snapshot()


def _seal_in_snapshot() -> Seal | None:
    sealed_at = timezone.now()
    heads = list(changed_chains().iterator(chunk_size=5000))
    if not heads:
        return None
    for batch in _batches(heads, VERIFY_BATCH):
        _ensure_intact(batch)
    previous = Seal.objects.order_by("-seq").first()
    seq = previous.seq + 1 if previous else 1
    heads_digest = _heads_digest(heads)
    prev_digest = previous.digest if previous else GENESIS_HASH
    digest = seal_digest(seq=seq, sealed_at=sealed_at, chain_count=len(heads), heads_digest=heads_digest, prev_digest=prev_digest)
    seal = Seal.objects.create(
        seq=seq, sealed_at=sealed_at, chain_count=len(heads), heads_digest=heads_digest,
        prev_digest=prev_digest, digest=digest, signature=sign(digest),
    )  # fmt: skip
    _record_heads(seal, heads)
    transaction.on_commit(lambda: seal_publish(seal.pk))
    return seal


def _record_heads(seal: Seal, heads) -> None:
    if connection.vendor == "postgresql":  # COPY: a first seal records a row per chain
        with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY {SealedHead._meta.db_table} (seal_id, chain_id, head_seq, head_hash) FROM STDIN"
        ) as copy:
            for chain_id, head_seq, head_hash in heads:
                copy.write_row((seal.pk, chain_id, head_seq, head_hash))
        return
    for batch in _batches(heads):
        SealedHead.objects.bulk_create(
            SealedHead(seal=seal, chain_id=chain_id, head_seq=head_seq, head_hash=head_hash) for chain_id, head_seq, head_hash in batch
        )


# --- The copy outside the database ------------------------------------------------------------------


def seal_path(seq: int) -> Path:
    return Path(settings.AUDIT_SEAL_DIR) / f"seal-{seq:010d}.json"


def _document_lines(seal: Seal) -> Iterator[str]:
    header = {
        "format": FORMAT_VERSION, "seq": seal.seq, "sealed_at": seal.sealed_at.isoformat(timespec="microseconds"),
        "chain_count": seal.chain_count, "heads_digest": seal.heads_digest, "prev_digest": seal.prev_digest,
        "digest": seal.digest, "signature": seal.signature,
    }  # fmt: skip
    yield json.dumps(header, sort_keys=True)[:-1] + ', "heads": ['
    for index, (chain_id, seq, head_hash) in enumerate(_sealed_rows(seal).iterator(chunk_size=5000)):
        yield ("," if index else "") + json.dumps([chain_id, seq, head_hash])
    yield "]}\n"


def _write_file(seal: Seal) -> Path:
    path = seal_path(seal.seq)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    with temporary.open("w") as out:
        out.writelines(_document_lines(seal))
    os.replace(temporary, path)
    path.chmod(0o444)
    return path


def _post(seal: Seal) -> None:
    body = "".join(_document_lines(seal)).encode()
    request = urllib.request.Request(
        settings.AUDIT_SEAL_URL, data=body, method="POST",
        headers={"Content-Type": "application/json", "Idempotency-Key": f"seal-{seal.seq}-{seal.digest}"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310 - scheme checked in settings
        if response.status >= 300:
            raise OSError(f"seal URL answered {response.status}")


def seal_publish(seal_id: int) -> None:
    """Write the seal's copy (idempotent: the same seal gives the same file) and POST it."""
    seal = Seal.objects.get(pk=seal_id)
    _write_file(seal)
    if settings.AUDIT_SEAL_URL:
        _post(seal)
    Seal.objects.filter(pk=seal.pk, published_at__isnull=True).update(published_at=timezone.now())


def publish_pending() -> int:
    pending = list(Seal.objects.filter(published_at__isnull=True).order_by("seq").values_list("pk", flat=True))
    for seal_id in pending:
        seal_publish(seal_id)
    return len(pending)


# --- Verification ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SealProblem:
    seq: int
    message: str

    def __str__(self):
        return f"seal #{self.seq}: {self.message}"


def _read_copy(seq: int) -> dict | None:
    path = seal_path(seq)
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text())
    except ValueError:
        return {}


class _Counted:
    """Counts the rows it passes on, so a seal's heads are hashed and counted in one stream."""

    def __init__(self, rows):
        self.rows, self.count = rows, 0

    def __iter__(self):
        for row in self.rows:
            self.count += 1
            yield row


def _check_seal(seal: Seal, expected_seq: int, prev_digest: str) -> str | None:
    if seal.seq != expected_seq:
        return f"seal #{expected_seq} is missing from the database (found #{seal.seq} next)"
    if seal.prev_digest != prev_digest:
        return "does not chain to the seal before it"
    counted = _Counted(_sealed_rows(seal).iterator(chunk_size=5000))
    if _heads_digest(counted) != seal.heads_digest or counted.count != seal.chain_count:
        return "its recorded chain heads were altered"
    digest = seal_digest(seq=seal.seq, sealed_at=seal.sealed_at, chain_count=seal.chain_count,
                         heads_digest=seal.heads_digest, prev_digest=seal.prev_digest)  # fmt: skip
    if digest != seal.digest or not hmac.compare_digest(sign(digest), seal.signature):
        return "signature does not match (forged, or signed with another AUDIT_SEAL_KEY)"
    copy = _read_copy(seal.seq)
    if copy is None:
        return f"its copy outside the database is missing ({seal_path(seal.seq)})"
    if (copy.get("digest"), copy.get("signature")) != (seal.digest, seal.signature):
        return "differs from its copy outside the database"
    return None


def _copies_beyond(last_seq: int) -> list[int]:
    folder = Path(settings.AUDIT_SEAL_DIR)
    if not folder.is_dir():
        return []
    numbers = []
    for path in folder.glob("seal-*.json"):
        try:
            numbers.append(int(path.stem.removeprefix("seal-")))
        except ValueError:
            continue
    return sorted(number for number in numbers if number > last_seq)


@dataclass
class SealReport:
    problems: list[SealProblem]
    latest: Seal | None

    @property
    def covered_before(self) -> datetime | None:
        return self.latest.sealed_at - GRACE if self.latest else None


def verify_seals() -> SealReport:
    """Check the chain of seals, each one's heads, signature and copy outside the database, and
    that no copy outside names a seal the database lost. Stops at the first bad seal: what
    comes after it can't be trusted either."""
    prev_digest, expected, latest = GENESIS_HASH, 1, None
    for seal in Seal.objects.order_by("seq").iterator(chunk_size=100):
        message = _check_seal(seal, expected, prev_digest)
        if message:
            return SealReport([SealProblem(seal.seq if seal.seq == expected else expected, message)], latest)
        prev_digest, expected, latest = seal.digest, expected + 1, seal
    missing = _copies_beyond(expected - 1)
    if missing:
        return SealReport([SealProblem(missing[0], "its copy outside the database exists, but the database has no such seal: seals were deleted")], latest)
    return SealReport([], latest)


def verify_everything():
    """Seals first (they say what the chains must contain), then every chain against them."""
    report = verify_seals()
    yield from report.problems
    yield from verify_chains(coverage=coverage(covered_before=report.covered_before))
