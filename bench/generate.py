#!/usr/bin/env python
"""Fill a PostgreSQL database with complaints for the console benchmark.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/redress_bench \\
        .venv/bin/python bench/generate.py --complaints 1000000 --recreate

One command: (re)creates the database when asked, migrates it, makes the staff (the bench
agent signs in as agent@bench.test), then streams customers, complaints in every state, team,
category and channel, their identifiers, messages, remedies, simple-history rows and audit
events into PostgreSQL with COPY. The audit chains are real: every event's hash is computed
with complaints.audit.event_text (canonical() assembled from its parts) and sha256, so `manage.py
verify_audit` passes.

Rows are made in chunks and each chunk is one transaction, so memory stays flat. Foreign-key
triggers are switched off for the load (session_replication_role = replica, which needs a
superuser): the rows are consistent by construction, and checking 17 million references one by
one would triple the load time.
"""

import argparse
import hashlib
import multiprocessing
import operator
import os
import random
import shutil
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["DATABASE_POOL"] = "false"  # forked workers must not share a pool's connections

BENCH_PASSWORD = "bench-password-2026"
CHUNK = 10_000
NOW = datetime.now(UTC).replace(microsecond=0)


def _parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--complaints", type=int, default=10_000, help="how many complaints (default 10,000)")
    parser.add_argument("--customers", type=int, default=0, help="how many customers (default: complaints / 4)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="processes making rows (default: CPUs)")
    parser.add_argument("--recreate", action="store_true", help="drop and create the database first")
    parser.add_argument("--force", action="store_true", help="allow a database whose name lacks 'bench'")
    parser.add_argument("--verify", type=int, default=2000, help="verify this many random chains at the end (0: none)")
    parser.add_argument("--no-after", action="store_true", help="skip sealing the audit and reporting_refresh")
    parser.add_argument("--after-only", action="store_true",
                        help="only seal the audit and run reporting_refresh, on data generated before")
    return parser.parse_args()


def _database_url_checks(args):
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("generate: set DATABASE_URL to a PostgreSQL database, e.g. postgres://postgres@127.0.0.1:5432/redress_bench")
    name = url.rsplit("/", 1)[-1].split("?", 1)[0]
    if "bench" not in name and not args.force:
        sys.exit(f"generate: refusing to fill {name!r}; use a database named *bench* or pass --force")
    return url, name


def _recreate_database(url: str, name: str) -> None:
    import psycopg

    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    print(f"generate: recreated database {name}")


# --- Vocabulary -------------------------------------------------------------------------------------

# Two made-up words end each summary (a memo, a wallet label, a project's name): 6,000 of them,
# pronounceable, from 90 consonant-vowel syllables. (A first version used 16 syllables: every
# trigram of every word was then in a third of the table, a worst case for a trigram index that
# ordinary text does not have; bench/RESULTS.md records both.)
CONSONANTS, VOWELS, CODAS = "bcdfghjklmnprstvwz", "aeiou", "nrslx"
ASSETS = ["USDT", "BTC", "ETH", "SOL", "TRX", "BNB", "USDC", "XRP", "DOGE", "LTC"]
PHRASES = {
    "trade_dispute": ["Filled at a bad price", "Order filled late", "Limit order cancelled by itself"],
    "account_security": ["Funds stolen from my account", "Abnormal login from abroad", "Account locked after login"],
    "deposit_withdrawal": ["Withdrawal never arrived", "Deposit not credited", "Withdrawal delayed for days"],
    "liquidation": ["Forced liquidation during outage", "Auto-deleveraging took my position", "No margin call received"],
    "kyc": ["Verification refused again", "KYC pending for weeks"],
    "api": ["API returns error 500", "API rate limit too strict"],
    "fees": ["Charged a double fee", "Withdrawal fee not explained"],
    "service_quality": ["Support never answered", "Rude chat agent"],
    "technical_fault": ["App crashed during trade", "Website outage during volatility"],
    "fraud": ["Phishing site took my funds", "Scam project listed on exchange", "Impersonator asked for my code"],
    "other": ["Something else went wrong"],
}
SUBCATEGORY = {
    "trade_dispute": "slippage", "account_security": "abnormal_login", "deposit_withdrawal": "withdrawal_missing",
    "liquidation": "forced_liquidation", "kyc": "kyc_delayed", "api": "api_error", "fees": "fee_overcharged",
    "service_quality": "slow_response", "technical_fault": "outage", "fraud": "phishing", "other": "other",
}  # fmt: skip
TEAM_OF_CATEGORY = {
    "trade_dispute": "trade_risk", "liquidation": "trade_risk", "account_security": "security", "fraud": "legal",
    "api": "technical", "technical_fault": "technical", "kyc": "kyc",
}  # fmt: skip
CHANNELS = ["web"] * 12 + ["email"] * 4 + ["live_chat"] * 4 + ["phone", "social", "forum", "in_app", "in_app", "branch", "post", "api"]
REPLIES = [
    "Thank you, we are looking into this with the {team} team.",
    "Could you confirm the time of the transaction and the receiving address?",
    "We checked the ledger: the transfer left our hot wallet at the time shown.",
    "I have attached the trade records for the order you named.",
    "Escalated internally; the node provider confirmed a delay on the network.",
]

# final state → (weight, min age days, max age days, path of states)
STATES = {
    "received": (0.2, 0, 0.01, ["received"]),
    "triage": (3, 0, 3, ["received", "triage"]),
    "awaiting_customer": (3, 2, 27, ["received", "triage", "investigating", "awaiting_customer"]),
    "investigating": (8, 1, 75, ["received", "triage", "investigating"]),
    "awaiting_approval": (1.2, 5, 50, ["received", "triage", "investigating", "awaiting_approval"]),
    "resolution_proposed": (3, 5, 60, ["received", "triage", "investigating", "resolution_proposed"]),
    "resolved": (6, 10, 90, ["received", "triage", "investigating", "resolution_proposed", "resolved"]),
    "appealed": (1, 20, 120, ["received", "triage", "investigating", "resolution_proposed", "resolved", "appealed"]),
    "closed": (29.6, 30, 300, ["received", "triage", "investigating", "resolution_proposed", "resolved", "closed"]),
    "archived": (45, 120, 1100, ["received", "triage", "investigating", "resolution_proposed", "resolved", "closed", "archived"]),
}
OUT_OF_SCOPE_PATH = ["received", "triage", "closed"]
ACTION = {
    ("received", "triage"): "acknowledge",
    ("triage", "investigating"): "start_investigation",
    ("triage", "closed"): "reject_out_of_scope",
    ("investigating", "awaiting_customer"): "request_information",
    ("investigating", "awaiting_approval"): "submit_for_approval",
    ("investigating", "resolution_proposed"): "propose_resolution",
    ("resolution_proposed", "resolved"): "accept_resolution",
    ("resolved", "appealed"): "appeal",
    ("resolved", "closed"): "close",
    ("closed", "archived"): "archive",
}
DECIDED = {"resolution_proposed", "resolved", "appealed", "closed", "archived"}
OPEN = set(STATES) - {"closed", "archived"}


# How many ids of each kind one complaint may use (its path has at most 7 states and 4 messages).
ID_SLOTS = {"complaint": 1, "chain": 1, "identifier": 1, "remedy": 1, "message": 10, "event": 20, "evidence": 1, "pause": 1}
# Every customer-facing state a complaint passes through brings a message (its author and
# visibility drawn at random); open complaints get a further exchange or two. About 5 each.
MESSAGE_STATES = {"triage", "investigating", "awaiting_customer", "resolution_proposed", "resolved", "closed"}
EXTRA_MESSAGES_OPEN = 2
# Customers' countries: the regime a complaint gets at intake follows them (MiCA for the EU,
# FCA DISP for GB, the default regime for the rest).
JURISDICTIONS = ["DE"] * 4 + ["FR"] * 2 + ["IE", "NL", "GB", "GB", "GB", "SG", ""]
# Some customers have exactly this many complaints (the portal's list and complaint pages are
# measured as one of them): one complaint in every PORTAL_STRIDE goes to them in turn.
PORTAL_COMPLAINTS, PORTAL_STRIDE = 20, 250


class Table:
    """A model's table for COPY: column names, and a row built from a dict with defaults."""

    def __init__(self, model, **defaults):
        self.name = model._meta.db_table
        self.columns = [f.column for f in model._meta.concrete_fields if f.column != "history_id"]
        self.defaults = {}
        for field in model._meta.concrete_fields:
            if field.column == "history_id":
                continue
            if field.has_default() and not callable(field.default):
                self.defaults[field.column] = field.default
            elif field.null:
                self.defaults[field.column] = None
            elif field.get_internal_type() in {"CharField", "TextField"}:
                self.defaults[field.column] = ""
        self.defaults.update(defaults)
        self.rows = []
        self.lines = []  # rows already in COPY's text format (copy_text)
        self._row = operator.itemgetter(*self.columns)  # a KeyError names a column left out

    def add(self, values: dict) -> None:
        self.rows.append(self._row({**self.defaults, **values}))

    def template(self, values: dict) -> list:
        """A row as a list, for callers that stamp out many rows differing in a few columns."""
        merged = {**self.defaults, **values}
        return [merged.get(column) for column in self.columns]

    def position(self, column: str) -> int:
        return self.columns.index(column)

    def copy(self, cursor) -> int:
        count = len(self.rows) + len(self.lines)
        if count:
            statement = f"COPY {self.name} ({', '.join(self.columns)}) FROM STDIN"
            with cursor.copy(statement) as copy:
                for row in self.rows:
                    copy.write_row(row)
                for start in range(0, len(self.lines), 1000):
                    copy.write("".join(self.lines[start : start + 1000]))
        self.rows, self.lines = [], []
        return count


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value) -> str:
    """A value as COPY's text format writes it (what psycopg's write_row would send)."""
    if value is None:
        return "\\N"
    kind = type(value)
    if kind is str:
        return value.translate(_COPY_ESCAPES)
    if kind is bool:
        return "t" if value else "f"
    if kind in (int, Decimal, uuid.UUID):
        return str(value)
    if kind in (datetime, date):
        return value.isoformat()
    raise TypeError(f"copy_text: no text for {kind.__name__}")


class Generator:
    def __init__(self, seed, staff, customers, first_ids, evidence_files):
        from complaints.audit import GENESIS_HASH, canonical, digest, event_text
        from complaints.models import AuditChain, AuditEvent, Complaint, ComplaintIdentifier, Evidence, Message, Remedy
        from escalation.models import ClockPause, ComplaintClock

        from clocks import ClockMaker  # bench/clocks.py

        self.event_text, self.digest, self.genesis = event_text, digest, GENESIS_HASH
        self.canonical = canonical
        # A message event's data is {"body_sha256", "message", "visibility"}: the digest of each
        # reply is the same every time.
        self.reply_digests = {reply: digest(reply.format(team="investigations")) for reply in REPLIES}
        self.seed = self.rng_seed = seed
        self.rng = random.Random(seed)
        self.staff, self.customers = staff, customers
        self.customer_ids = customers.others
        self.evidence_files = evidence_files
        self.clocks = ClockMaker(jurisdiction_of, NOW)
        self.base = dict(first_ids)
        self.counter: dict[str, int] = {}
        self.reference_numbers: dict[int, int] = {}
        self.vocabulary = self._vocabulary()
        self.shared_hashes: list[str] = []
        self.t_complaint = Table(Complaint)
        self.t_hcomplaint = Table(Complaint.history.model)
        self.t_message = Table(Message)
        self.t_hmessage = Table(Message.history.model)
        self.t_identifier = Table(ComplaintIdentifier)
        self.t_chain = Table(AuditChain)
        self.t_event = Table(AuditEvent)
        self.t_remedy = Table(Remedy)
        self.t_hremedy = Table(Remedy.history.model)
        self.t_evidence = Table(Evidence)
        self.t_hevidence = Table(Evidence.history.model)
        self.t_pause = Table(ClockPause)
        self.t_clock = Table(ComplaintClock)
        assert self.t_event.columns == ["id", "chain_id", "complaint_id", "seq", "at", "actor_id", "action",
                                        "from_state", "to_state", "data", "prev_hash", "hash"]  # fmt: skip
        self.history_positions = [self.t_hcomplaint.position(column) for column in (
            "state", "version", "history_date", "history_change_reason", "history_type", "history_user_id")]  # fmt: skip
        weights = [STATES[state][0] for state in STATES]
        self.state_cycle = self.rng.choices(list(STATES), weights=weights, k=100_000)

    def tables(self):
        # Parents before children (the triggers are off, but keep the order readable).
        return [self.t_complaint, self.t_hcomplaint, self.t_chain, self.t_event, self.t_message, self.t_hmessage,
                self.t_identifier, self.t_remedy, self.t_hremedy, self.t_evidence, self.t_hevidence,
                self.t_pause, self.t_clock]  # fmt: skip

    def _vocabulary(self):
        def syllable():
            coda = self.rng.choice(CODAS) if self.rng.random() < 0.3 else ""
            return self.rng.choice(CONSONANTS) + self.rng.choice(VOWELS) + coda

        words = set()
        while len(words) < 6000:
            words.add("".join(syllable() for _ in range(self.rng.randint(2, 3))))
        return sorted(words)

    def start_chunk(self, chunk: int) -> None:
        # Each chunk has its own random stream, so the data is the same whatever the workers.
        self.rng = random.Random(self.seed * 7919 + chunk)

    def _next(self, key: str) -> int:
        self.counter[key] += 1
        return self.counter[key]

    # --- one complaint ---------------------------------------------------------------------------

    def complaint(self, n: int) -> None:
        rng = self.rng
        final = self.state_cycle[n % len(self.state_cycle)]
        _weight, low, high, path = STATES[final]
        category = rng.choice(list(PHRASES))
        if final in {"closed", "archived"} and rng.random() < 0.06:
            path = OUT_OF_SCOPE_PATH + (["archived"] if final == "archived" else [])
        received_at = NOW - timedelta(days=rng.uniform(low, high))
        received_at = received_at.replace(microsecond=rng.randrange(1_000_000))
        # Every id is a function of n (with room per complaint), so workers never collide.
        self.counter = {key: self.base[key] + n * width for key, width in ID_SLOTS.items()}
        pk = self._next("complaint")
        year = received_at.year
        self.reference_numbers[year] = max(self.reference_numbers.get(year, 0), n + 1)
        customer = self._customer(n)
        asset = rng.choice(ASSETS)
        amount = Decimal(rng.randrange(10, 500_000)) / 100
        words = rng.sample(self.vocabulary, 2)
        team_code = TEAM_OF_CATEGORY.get(category, "customer_service") if "investigating" in path else None
        team = self.staff["teams"][team_code] if team_code else None
        assignee = None
        if team_code and rng.random() < 0.9:
            assignee = rng.choice(self.staff["workers"][team_code])
        row = {
            "id": pk,
            "reference": f"CMP-{year}-{n + 1:07d}",
            "customer_id": customer,
            "channel": rng.choice(CHANNELS),
            "category": category,
            "subcategory": SUBCATEGORY[category],
            "summary": f"{rng.choice(PHRASES[category])}: {amount} {asset}, {words[0]} {words[1]}",
            "description": f"On {received_at:%d %B} I had a problem with {amount} {asset}. {words[0].capitalize()} was the memo I used.",
            "desired_outcome": "Refund the amount" if rng.random() < 0.5 else "",
            "occurred_on": (received_at - timedelta(days=rng.randint(0, 10))).date(),
            "disputed_amount": amount,
            "disputed_asset": asset,
            "disputed_reference_value": amount,
            "funds_at_risk": False,
            "language": "zh-hans" if rng.random() < 0.25 else "en",
            "received_at": received_at,
            "state": final,
            "priority": rng.choice(["P1", "P2", "P3", "P3", "P3", "P4"]) if team else "",
            "team_id": team,
            "assignee_id": assignee,
            "legal_hold": False,
            "version": len(path),
            "updated_at": received_at,
        }
        self._fill_dates(row, path, received_at)
        decider = assignee or self.staff["workers"]["customer_service"][0]
        out_of_scope = path[:3] == OUT_OF_SCOPE_PATH
        if (final in DECIDED or final == "awaiting_approval") and not out_of_scope:
            row.update(outcome=rng.choice(["upheld", "partly_upheld", "not_upheld"]),
                       liability=rng.choice(["platform_fault", "customer_error", "third_party", "undetermined"]),
                       reasons="We reviewed the ledger and the order book for the time you named.",
                       recourse="You may accept, dispute once, or appeal within 30 days.", decider_id=decider)  # fmt: skip
        if out_of_scope:
            row.update(closure_reason="out_of_scope", decider_id=decider, reasons="Not a matter the exchange decides.",
                       recourse="Please contact the issuer of the token.")  # fmt: skip
        elif final in {"closed", "archived"}:
            row["closure_reason"] = "decided"
        times = row["_times"]
        self.t_complaint.add(row)
        identifiers = self._identifiers(pk)
        evidence = self._evidence(pk, row)
        remedies = [] if out_of_scope else self._remedies(pk, final, decider, row)
        messages, events = self._history_and_audit(pk, row, path, identifiers, decider, remedies, evidence)
        self._clock_rows(row, times, messages, remedies, events)

    def _customer(self, n: int) -> int:
        portal = self.customers.portal
        if portal and n % PORTAL_STRIDE == 0 and n // PORTAL_STRIDE < len(portal) * PORTAL_COMPLAINTS:
            return portal[(n // PORTAL_STRIDE) % len(portal)]
        return self.rng.choice(self.customer_ids)

    def _evidence(self, pk, row):
        """One file with every complaint, uploaded with it: a row pointing at one of a few
        stored files (bench_evidence_files), with that file's real type, size and sha256."""
        stored = self.evidence_files[pk % len(self.evidence_files)]
        evidence = {
            "id": self._next("evidence"), "complaint_id": pk, "message_id": None, "file": stored["file"],
            "original_name": stored["original_name"], "purpose": "evidence", "content_type": stored["content_type"],
            "extension": stored["extension"], "size": stored["size"], "sha256": stored["sha256"],
            "uploaded_by_id": row["customer_id"], "uploaded_at": row["received_at"],
        }  # fmt: skip
        self.t_evidence.add(evidence)
        self.t_hevidence.add({**evidence, "history_date": evidence["uploaded_at"], "history_change_reason": "uploaded",
                              "history_type": "+", "history_user_id": row["customer_id"]})  # fmt: skip
        return [evidence]

    def _clock_rows(self, row, times, messages, remedies, events):
        """The clock row clocks_recompute would write (bench/clocks.py), and the open pause of a
        complaint waiting on its customer."""
        if row["state"] == "awaiting_customer":
            self.t_pause.add({"id": self._next("pause"), "complaint_id": row["id"],
                              "started_at": row["information_requested_at"], "ended_at": None})  # fmt: skip
        pauses = ((row["information_requested_at"], None),) if row["state"] == "awaiting_customer" else ()
        clock = self.clocks.row({**self.t_complaint.defaults, **row}, messages, remedies, pauses)
        clock.update(revision=events, updated_at=times[-1])
        self.t_clock.add(clock)

    def _fill_dates(self, row, path, received_at):
        span = (NOW - received_at) / (len(path) + 1)
        row["_times"] = times = [received_at + span * i for i in range(len(path))]  # read by _history_and_audit
        for state, at in zip(path, times, strict=True):
            if state == "triage":
                row["acknowledged_at"] = at
            elif state == "investigating":
                row["investigation_started_at"] = at
            elif state == "awaiting_customer":
                row["information_requested_at"], row["return_state"] = at, "investigating"
            elif state == "resolution_proposed":
                row["decided_at"] = at
            elif state == "resolved":
                row["resolved_at"] = at
            elif state == "appealed":
                row["appealed_at"] = at
            elif state == "closed":
                row["closed_at"] = at
                if row.get("decided_at") is None:
                    row["decided_at"] = at
            elif state == "archived":
                row["archived_at"] = at
        row["updated_at"] = times[-1]

    def _identifiers(self, pk):
        rng = self.rng
        made = []
        roll = rng.random()
        if roll < 0.3:
            made.append(("order_id", "", f"ORD{rng.getrandbits(48):014d}"))
        elif roll < 0.6:
            if self.shared_hashes and rng.random() < 0.02:
                value = rng.choice(self.shared_hashes)
            else:
                value = "%064x" % rng.getrandbits(256)
                if len(self.shared_hashes) < 5000:
                    self.shared_hashes.append(value)
            made.append(("tx_hash", "TRON", value))
        for kind, network, value in made:
            self.t_identifier.add({"id": self._next("identifier"), "complaint_id": pk, "kind": kind, "network": network, "value": value})
        return made

    def _remedies(self, pk, final, decider, row):
        if final not in DECIDED and final != "awaiting_approval":
            return []
        rng = self.rng
        if final == "awaiting_approval":
            kind, value = "compensation", Decimal(rng.randrange(600, 20_000))
        elif rng.random() < 0.7:
            kind, value = "explanation", Decimal(0)
        else:
            kind, value = "fee_refund", Decimal(rng.randrange(1, 400))
        state = {
            "awaiting_approval": "proposed", "resolution_proposed": "proposed", "resolved": "accepted",
            "appealed": "accepted",
        }.get(final, "executed")  # fmt: skip
        if final == "resolved" and rng.random() < 0.03:
            state = "failed"
        remedy = {
            "id": self._next("remedy"), "complaint_id": pk, "kind": kind,
            "amount": value if value else None, "asset": "USDT" if value else "", "reference_value": value,
            "proposed_by_id": decider, "state": state, "from_appeal": False,
            "idempotency_key": uuid.UUID(int=rng.getrandbits(128)),
            "ledger_reference": f"LEDGER-{pk}" if state == "executed" and value else "",
            "failure_reason": "Ledger rejected the payout" if state == "failed" else "",
            "executed_at": row.get("closed_at") if state == "executed" else None,
            "created_at": row.get("decided_at") or row["received_at"],
        }  # fmt: skip
        self.t_remedy.add(remedy)
        self.t_hremedy.add({**remedy, "history_date": remedy["created_at"], "history_change_reason": "proposed",
                            "history_type": "+", "history_user_id": decider})  # fmt: skip
        return [remedy]

    def _history_and_audit(self, pk, row, path, identifiers, decider, remedies, evidence):
        canonical, event_text = self.canonical, self.event_text
        times = row.pop("_times")
        chain_id = self._next("chain")
        seq, prev = 0, self.genesis
        staff = row["assignee_id"] or decider
        messages = []

        def event(at, actor, action, from_state, to_state, data: str):
            """Append an event whose data is already canonical text (the column takes it as is)."""
            nonlocal seq, prev
            seq += 1
            moment = at.isoformat(timespec="microseconds")  # = audit._encode(at): every time here is UTC
            text = event_text(chain_id=chain_id, complaint_id=pk, seq=seq, at=moment, actor_id=actor, action=action,
                              from_state=from_state, to_state=to_state, data=data)  # fmt: skip
            digest = hashlib.sha256((prev + text).encode()).hexdigest()  # = audit.text_hash(prev, text)
            self.t_event.rows.append((self._next("event"), chain_id, pk, seq, moment, actor, action, from_state,
                                      to_state, data, prev, digest))  # fmt: skip
            prev = digest

        # The complaint's history rows differ in six columns: its other sixty are put in COPY's
        # text form once, not once per row.
        history = self.t_hcomplaint
        base = [copy_text(value) for value in history.template(row)]
        at_state, at_version, at_date, at_reason, at_type, at_user = self.history_positions
        for index, (state, at) in enumerate(zip(path, times, strict=True)):
            previous = path[index - 1] if index else ""
            action = ACTION.get((previous, state), "file") if index else "file"
            actor = row["customer_id"] if index == 0 else (None if action in {"acknowledge", "close", "archive"} else staff)
            base[at_state], base[at_version], base[at_date] = state, str(index + 1), at.isoformat()
            base[at_reason], base[at_type], base[at_user] = action, "+" if index == 0 else "~", copy_text(actor)
            history.lines.append("\t".join(base) + "\n")
            if index == 0:
                data = {"channel": row["channel"], "category": row["category"], "identifiers": len(identifiers),
                        "evidence": [e["id"] for e in evidence], "description_sha256": self.digest(row["description"])}  # fmt: skip
            elif action == "start_investigation":
                data = {"priority": row["priority"], "team": row["team_id"], "category": row["category"],
                        "assignee": row["assignee_id"]}  # fmt: skip
            elif action in {"propose_resolution", "submit_for_approval"}:
                data = {"outcome": row["outcome"], "liability": row["liability"], "remedies": [r["id"] for r in remedies],
                        "total": str(sum((r["reference_value"] for r in remedies), Decimal(0)))}  # fmt: skip
            else:
                data = {}
            event(at, actor, action, previous, state, canonical(data) if data else "{}")
            if index and state in MESSAGE_STATES:
                messages.append(self._message(pk, row, at + timedelta(minutes=5), staff, event))
        if row["state"] in OPEN:
            # A further exchange or two since the last step, before now.
            last = times[-1] + timedelta(minutes=5)
            for extra in range(1, EXTRA_MESSAGES_OPEN + 1):
                at = last + (NOW - last) * extra / (EXTRA_MESSAGES_OPEN + 1)
                messages.append(self._message(pk, row, at, staff, event))
        self.t_chain.add({"id": chain_id, "complaint_id": pk, "is_system": False, "head_seq": seq, "head_hash": prev})
        return messages, seq

    def _message(self, pk, row, at, staff, event):
        rng = self.rng
        internal = rng.random() < 0.3
        author = staff if rng.random() < 0.7 else row["customer_id"]
        if author == row["customer_id"]:
            internal = False
        reply = rng.choice(REPLIES)
        body = reply.format(team="investigations")
        message_id = self._next("message")
        message = {"id": message_id, "complaint_id": pk, "author_id": author,
                   "visibility": "internal" if internal else "public", "kind": "comment",
                   "channel": "web", "body": body, "created_at": at}  # fmt: skip
        self.t_message.add(message)
        self.t_hmessage.add({**message, "history_date": at, "history_change_reason": "comment", "history_type": "+",
                             "history_user_id": author})  # fmt: skip
        # canonical({"message": …, "body_sha256": …, "visibility": …}), keys in order
        event(at, author, "message", "", "", f'{{"body_sha256":"{self.reply_digests[reply]}","message":{message_id},'
                                             f'"visibility":"{message["visibility"]}"}}')  # fmt: skip
        return {**message, "by_staff": author != row["customer_id"]}


# --- set-up -----------------------------------------------------------------------------------------


def _make_staff():
    """Staff through the ORM (their role and limit changes go on the system chain, validly)."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from accounts.models import StaffProfile, Team, User
    from accounts.roles import Role

    password = make_password(BENCH_PASSWORD)
    teams = {team.code: team.pk for team in Team.objects.all()}
    workers: dict[str, list[int]] = {}

    def person(email, role, team, limit):
        user, created = User.objects.get_or_create(email=email, defaults={"is_staff": True, "password": password})
        if created:
            user.groups.add(Group.objects.get(name=role))
            StaffProfile.objects.create(user=user, team_id=teams.get(team), approval_limit=Decimal(limit))
        return user.pk

    workers["customer_service"] = [person("agent@bench.test", Role.AGENT, "customer_service", 500)]
    for code in teams:
        role = Role.AGENT if code == "customer_service" else Role.SPECIALIST
        if code == "appeals":
            role = Role.APPEALS_REVIEWER
        members = [person(f"{code}{i}@bench.test", role, code, 500 if role == Role.AGENT else 1000) for i in range(1, 9)]
        workers.setdefault(code, []).extend(members)
    for limit in (1000, 10_000, 100_000):
        person(f"supervisor{limit}@bench.test", Role.SUPERVISOR, "customer_service", limit)
    person("compliance@bench.test", Role.COMPLIANCE_OFFICER, None, 0)
    return {"teams": teams, "workers": workers}


def _max_ids(cursor):
    names = {
        "complaint": "complaints_complaint", "identifier": "complaints_complaintidentifier",
        "message": "complaints_message", "chain": "complaints_auditchain", "event": "complaints_auditevent",
        "remedy": "complaints_remedy", "user": "accounts_user", "profile": "accounts_customerprofile",
        "user_group": "accounts_user_groups", "evidence": "complaints_evidence", "pause": "escalation_clockpause",
    }  # fmt: skip
    ids = {}
    for key, table in names.items():
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")
        ids[key] = cursor.fetchone()[0]
    return ids


def jurisdiction_of(customer_id: int) -> str:
    return JURISDICTIONS[customer_id % len(JURISDICTIONS)]


@dataclass(frozen=True)
class Customers:
    portal: list[int]  # each has exactly PORTAL_COMPLAINTS complaints (portal@N.bench.test)
    others: list[int]


def _make_customers(cursor, count, complaints, ids) -> Customers:
    """Customers with profiles (their country picks the regime); the first few are the portal
    bench's customers, with exactly PORTAL_COMPLAINTS complaints each and confirmed e-mail."""
    from django.contrib.auth.models import Group

    from accounts.models import CustomerProfile, User

    group = Group.objects.get(name="customer").pk
    users, profiles, memberships = Table(User), Table(CustomerProfile), Table(User.groups.through)
    joined = NOW - timedelta(days=1200)
    portal = max(1, complaints // (PORTAL_STRIDE * PORTAL_COMPLAINTS))
    customer_ids = []
    for n in range(count):
        pk = ids["user"] + n + 1
        customer_ids.append(pk)
        email = f"portal{n}@bench.test" if n < portal else f"customer{pk}@bench.test"
        users.add({"id": pk, "password": "!bench", "is_superuser": False, "first_name": f"Customer{n}",
                   "is_staff": False, "is_active": True, "date_joined": joined, "email": email})  # fmt: skip
        profiles.add({"id": ids["profile"] + n + 1, "user_id": pk, "exchange_uid": f"UID{pk:09d}",
                      "language": "en", "verified": n % 3 == 0, "jurisdiction": jurisdiction_of(pk),
                      "email_verified_at": joined})  # fmt: skip
        memberships.add({"id": ids["user_group"] + n + 1, "user_id": pk, "group_id": group})
    for table in (users, profiles, memberships):
        table.copy(cursor)
    return Customers(portal=customer_ids[:portal], others=customer_ids[portal:])


EVIDENCE_SAMPLES = {
    # name: content — a PNG (1×1), a PDF, a text file and a CSV, all passing the upload checks
    "screenshot.png": bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
    ),
    "statement.pdf": b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
    "chat-log.txt": b"10:02 me: my withdrawal has not arrived\n10:05 agent: please wait 24 hours\n",
    "trades.csv": b"time,pair,side,price,amount\n2026-11-01T10:00:00Z,BTC/USDT,sell,67000,0.5\n",
}


def _evidence_files() -> list[dict]:
    """A few small files in the evidence storage, checked like an upload (type sniffed from the
    content, sha256, size); every generated evidence row points at one of them."""
    from django.core.files.storage import storages
    from django.core.files.uploadedfile import SimpleUploadedFile

    from complaints.evidence import check_upload

    storage, files = storages["evidence"], []
    for name, content in EVIDENCE_SAMPLES.items():
        checked = check_upload(SimpleUploadedFile(name, content))
        path = f"bench/{checked.sha256}{checked.type.extension}"
        if not storage.exists(path):
            storage.save(path, SimpleUploadedFile(name, content))
        files.append({"file": path, "original_name": checked.original_name, "content_type": checked.type.content_type,
                      "extension": checked.type.extension, "size": checked.size, "sha256": checked.sha256})  # fmt: skip
    return files


BULK_TABLES = [
    "complaints_complaint", "complaints_historicalcomplaint", "complaints_auditchain", "complaints_auditevent",
    "complaints_message", "complaints_historicalmessage", "complaints_complaintidentifier", "complaints_remedy",
    "complaints_historicalremedy", "complaints_evidence", "complaints_historicalevidence", "escalation_clockpause",
    "escalation_complaintclock",
]  # fmt: skip


def _drop_plain_indexes(cursor) -> list[str]:
    """Drop the indexes no constraint needs; building them once at the end is far cheaper than
    updating them row by row (the trigram GIN index most of all). Returns their definitions."""
    cursor.execute(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.schemaname = 'public' AND i.tablename = ANY(%s)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
        """,
        [BULK_TABLES],
    )
    found = cursor.fetchall()
    # Per-column statistics targets (migration 0005 sets one on the trigram index) go with the
    # index: remember them to set again.
    cursor.execute(
        """
        SELECT c.relname, a.attnum, a.attstattarget FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        WHERE c.relname = ANY(%s) AND a.attstattarget > 0
        """,
        [[name for name, _definition in found]],
    )
    targets = [f'ALTER INDEX "{name}" ALTER COLUMN {number} SET STATISTICS {target}' for name, number, target in cursor.fetchall()]
    for name, _definition in found:
        cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _name, definition in found] + targets


def _create_indexes(cursor, statements: list[str], parallel: bool) -> None:
    cursor.execute("SET maintenance_work_mem = '1GB'")
    # A B-tree build may sort with a second process when no other work has the other core.
    cursor.execute(f"SET max_parallel_maintenance_workers = {2 if parallel else 0}")
    for statement in statements:
        cursor.execute(statement)


def _reset_sequences(cursor, reference_numbers):
    for table in ["accounts_user", "accounts_customerprofile", "accounts_user_groups", "complaints_complaint",
                  "complaints_complaintidentifier", "complaints_message", "complaints_auditchain",
                  "complaints_auditevent", "complaints_remedy", "complaints_historicalcomplaint",
                  "complaints_historicalmessage", "complaints_historicalremedy", "complaints_evidence",
                  "complaints_historicalevidence", "escalation_clockpause"]:  # fmt: skip
        column = "history_id" if "historical" in table else "id"
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), coalesce((SELECT max({column}) FROM {table}), 1))"
        )
    for year, last in reference_numbers.items():
        cursor.execute(f"SELECT setval('complaint_reference_{year}', %s)", [last])


def main():
    args = _parse_args()
    url, name = _database_url_checks(args)
    os.environ.setdefault("AUDIT_SEAL_DIR", str(seal_dir(name)))
    if args.recreate and not args.after_only:
        _recreate_database(url, name)
        if os.environ["AUDIT_SEAL_DIR"] == str(seal_dir(name)):  # the dropped database's seals go with it
            shutil.rmtree(seal_dir(name), ignore_errors=True)
    import django

    django.setup()
    if args.after_only:
        return _after_generation()
    from django.core.management import call_command
    from django.db import connection, transaction

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    from complaints.models import Complaint

    if Complaint.objects.exists():
        sys.exit("generate: the database already holds complaints; pass --recreate to start again")
    staff = _make_staff()
    customers = args.customers or max(10, args.complaints // 4)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        ids = _max_ids(cursor)
        customer_ids = _make_customers(cursor, customers, args.complaints, ids)
    print(f"generate: {customers:,} customers in {time.monotonic() - started:.0f} s")
    with connection.cursor() as cursor:
        indexes = _drop_plain_indexes(cursor)
    global GENERATOR
    GENERATOR = Generator(args.seed, staff, customer_ids, ids, _evidence_files())  # reads the configuration
    connection.close()  # each worker opens its own
    chunks = range((args.complaints + CHUNK - 1) // CHUNK)
    rows, references = 0, {}
    with multiprocessing.get_context("fork").Pool(args.workers) as pool:
        work = pool.imap_unordered(_load_chunk, [(chunk, args.complaints) for chunk in chunks])
        for done, (count, numbers) in enumerate(work, start=1):
            rows += count
            for year, last in numbers.items():
                references[year] = max(references.get(year, 0), last)
            if done % 10 == 0 or done == len(chunks):
                elapsed = time.monotonic() - started
                print(f"generate: {min(done * CHUNK, args.complaints):,} complaints, {rows:,} rows, {elapsed:.0f} s", flush=True)
    print(f"generate: loaded in {time.monotonic() - started:.0f} s", flush=True)
    after = None if args.no_after else _start_after_generation()
    phase = time.monotonic()
    with connection.cursor() as cursor:
        print(f"generate: building {sum(1 for i in indexes if i.startswith('CREATE'))} indexes", flush=True)
        _create_indexes(cursor, indexes, parallel=after is None)
        _reset_sequences(cursor, references)
        print(f"generate: indexes built in {time.monotonic() - phase:.0f} s; analysing", flush=True)
        phase = time.monotonic()
        # VACUUM sets the visibility map (index-only scans) on the tables the queues read; the
        # rest only need statistics. (Not a database-wide ANALYZE: the reports' tables are being
        # rebuilt alongside, and their refresh analyses them itself.)
        cursor.execute("VACUUM (ANALYZE) complaints_complaint, complaints_complaintidentifier, accounts_user, "
                       "accounts_customerprofile, complaints_remedy")  # fmt: skip
        cursor.execute(f"ANALYZE {', '.join(BULK_TABLES + ['accounts_user_groups'])}")
        print(f"generate: analysed in {time.monotonic() - phase:.0f} s", flush=True)
    _record_generation(cursor_of=connection, complaints=args.complaints)
    print(f"generate: done: {args.complaints:,} complaints, {rows:,} rows in {time.monotonic() - started:.0f} s")
    if args.verify:
        _verify_sample(args.verify)
        _check_clocks(min(200, args.verify))
    if after is not None:
        after.join()
        print(f"generate: everything done in {time.monotonic() - started:.0f} s", flush=True)
        if after.exitcode:
            sys.exit(f"generate: sealing or reporting_refresh failed (exit code {after.exitcode})")


def _start_after_generation():
    """Seal the audit and refresh the reports in a process of their own while this one builds
    the indexes: neither needs them (the seal reads chains by primary key and events by their
    unique (chain, seq) constraint; the reports read whole tables), and on two cores the
    seal's Python and the index builds' sorting run side by side."""
    from django.db import connections

    connections.close_all()  # the child opens its own
    process = multiprocessing.get_context("fork").Process(target=_after_generation, name="after-generation")
    process.start()
    return process


def _record_generation(cursor_of, complaints: int) -> None:
    """The moment the data describes, on the database itself: the sweep bench sweeps as of it
    (every clock cursor was set as a sweep at that moment would leave it)."""
    import json

    with cursor_of.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        name = cursor.fetchone()[0]
        note = json.dumps({"generated_at": NOW.isoformat(), "complaints": complaints})
        cursor.execute(f"COMMENT ON DATABASE \"{name}\" IS %s", [note])


def _check_clocks(count: int) -> None:
    from clocks import check_sample  # bench/clocks.py

    problems = check_sample(count, NOW)
    print(f"generate: clock rows of {count} random complaints against clocks_recompute: {len(problems)} differences")
    for problem in problems[:10]:
        print(f"  {problem}")
    if problems:
        sys.exit(1)


def seal_dir(database: str) -> Path:
    """Each bench database keeps the outside copies of its seals apart: seal numbers start at 1
    in every database, and a copy that differs from its seal fails verify_audit."""
    return ROOT / "var" / "seals" / database


def _after_generation() -> None:
    """What other parts of Redress build from the data, when they exist: the daily audit seal
    (complaints.compliance) and the reports' tables (complaints.reporting)."""
    from django.core.management import call_command, get_commands

    commands = get_commands()
    started = time.monotonic()
    seal = _seal_function()
    if seal is not None:
        seal()
        print(f"generate: audit sealed in {time.monotonic() - started:.0f} s", flush=True)
    if "reporting_refresh" in commands:
        started = time.monotonic()
        call_command("reporting_refresh")
        print(f"generate: reporting_refresh in {time.monotonic() - started:.0f} s", flush=True)


def _seal_function():
    from complaints.compliance.seals import seal_create

    return seal_create


GENERATOR: Generator | None = None  # set in the parent, inherited by the forked workers


def _load_chunk(task) -> tuple[int, dict[int, int]]:
    from django.db import connection, transaction

    chunk, total = task
    generator = GENERATOR
    generator.start_chunk(chunk)
    generator.reference_numbers = {}
    for n in range(chunk * CHUNK, min((chunk + 1) * CHUNK, total)):
        generator.complaint(n)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("SET LOCAL session_replication_role = replica")
        rows = sum(table.copy(cursor.cursor) for table in generator.tables())
    return rows, generator.reference_numbers


def _verify_sample(count: int) -> None:
    from complaints.audit import verify_chains
    from complaints.models import AuditChain

    ids = list(AuditChain.objects.order_by("?").values_list("id", flat=True)[:count])
    problems = list(verify_chains(chain_ids=ids))
    print(f"generate: verified {len(ids):,} random chains: {len(problems)} problems")
    for problem in problems[:5]:
        print(f"  {problem}")
    if problems:
        sys.exit(1)


if __name__ == "__main__":
    main()
