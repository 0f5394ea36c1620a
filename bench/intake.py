#!/usr/bin/env python
"""Intake throughput: signed-in customers POST the portal's filing form to gunicorn on PostgreSQL.

    .venv/bin/python bench/intake.py                      # 30 s, 4 connections, 2 workers
    .venv/bin/python bench/intake.py --seconds 10 --keep  # shorter; keep the databases
    .venv/bin/python bench/intake.py --database redress_bench --existing  # into the 1M data (bench/run.py)

One command, nothing else to start. It
  1. (re)creates the database redress_intake_bench and migrates it (PostgreSQL at
     127.0.0.1:5432, user postgres; fsync and synchronous_commit must be on, and are checked);
  2. makes --customers customers with confirmed e-mail addresses and a signed-in session each
     (written before the run where sign-in would write them: the session table, and the cache
     when sessions are cached — so sign-in is not measured);
  3. starts gunicorn with --workers sync workers, DEBUG off, Redis for the cache (rate limits
     shared across workers, as in production) and the Celery broker when Redis answers;
  4. for --seconds, keeps --connections connections busy POSTing the filing form
     (multipart/form-data, no files, a fresh form token each time, customers taken in turn so
     the per-customer filing limit is never what limits the run), after a short warm-up; a
     complaint counts when its 302 to the confirmation page arrives — the redirect is not
     followed, so it is not measured;
  5. checks every complaint has its two history rows, two audit events (file, acknowledge) and
     its acknowledgement in the outbox, all written in the filing transaction;
  6. runs PostgreSQL's own `pgbench -N` with the same number of connections for the same time,
     on this machine, right after, as the ceiling for one-commit transactions;
  7. prints the figures as a Markdown table for bench/RESULTS.md, and drops the databases.
"""

import argparse
import http.client
import itertools
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PG = {"host": "127.0.0.1", "port": "5432", "user": "postgres"}
DATABASE = "redress_intake_bench"
PGBENCH_DATABASE = "redress_intake_pgbench"
TARGET = 200  # complaints per second
REDIS_CACHE = "redis://127.0.0.1:6379/14"
REDIS_BROKER = "redis://127.0.0.1:6379/13"
ETH_TX = "0x" + "7c" * 32
CSRF_SECRET_LENGTH = 32


def _args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (more than 1: gunicorn's gthread worker)")
    parser.add_argument("--customers", type=int, default=3000)
    parser.add_argument("--port", type=int, default=0, help="gunicorn's port (default: a free one)")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument("--no-pgbench", action="store_true")
    parser.add_argument("--database", default=DATABASE, help=f"the database (default {DATABASE})")
    parser.add_argument("--existing", action="store_true",
                        help="file into the database as it is (e.g. bench/generate.py's): no re-creation, nothing dropped")
    parser.add_argument("--json", help="also write the figures here")
    return parser.parse_args()


def _psql(sql: str, database: str = "postgres") -> str:
    command = ["psql", "-h", PG["host"], "-p", PG["port"], "-U", PG["user"], "-d", database, "-v", "ON_ERROR_STOP=1", "-qAtc", sql]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _flush_redis(url: str) -> None:
    number = url.rsplit("/", 1)[1]
    with socket.create_connection(("127.0.0.1", 6379), timeout=2) as connection:
        connection.sendall(f"SELECT {number}\r\nFLUSHDB\r\n".encode())
        connection.recv(64)


# --- Setting up -----------------------------------------------------------------------------------------


def _environment(var_dir: Path, use_redis: bool) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "CELERY_", "CACHE_"))}
    env.update({
        "DATABASE_URL": f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{DATABASE}",
        "DEBUG": "false", "SECURE_SSL_REDIRECT": "false", "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost", "REDRESS_VAR_DIR": str(var_dir), "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_POOL": "true",  # as in production, whatever the calling bench set for itself
    })  # fmt: skip
    if use_redis:
        env.update({"CACHE_URL": REDIS_CACHE, "CELERY_BROKER_URL": REDIS_BROKER})
    return env


def _check_durability() -> dict:
    settings = {name: _psql(f"SHOW {name}") for name in ("fsync", "synchronous_commit", "wal_sync_method", "full_page_writes")}
    if settings["fsync"] != "on" or settings["synchronous_commit"] != "on":
        sys.exit(f"intake: fsync and synchronous_commit must be on; they are {settings}")
    return settings


def _recreate_database(env: dict) -> None:
    _psql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    _psql(f"CREATE DATABASE {DATABASE}")
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)


_MAKE_CUSTOMERS = r"""
import sys
from datetime import timedelta
from importlib import import_module
from django.conf import settings
from django.core.cache import caches
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone
from accounts.models import CustomerProfile, User
from accounts.roles import Role

count, batch = int(sys.argv[1]), sys.argv[2]
password = make_password("bench-customer-password")
users = User.objects.bulk_create(User(email=f"customer{n}.{batch}@intake.bench", password=password) for n in range(count))
now = timezone.now()
CustomerProfile.objects.bulk_create(
    CustomerProfile(user=u, language="zh-hans" if u.pk % 2 else "en", email_verified_at=now) for u in users)
group = Group.objects.get(name=Role.CUSTOMER)
User.groups.through.objects.bulk_create(User.groups.through(user_id=u.pk, group_id=group.pk) for u in users)
store, expires, keys, sessions, contents = SessionStore(), now + timedelta(days=1), [], [], {}
for user in users:
    key = store._get_new_session_key()
    data = {SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: "accounts.backends.ProfileModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash()}
    sessions.append(Session(session_key=key, session_data=store.encode(data), expire_date=expires))
    keys.append(key)
    contents[key] = data
Session.objects.bulk_create(sessions)
engine = import_module(settings.SESSION_ENGINE)
if hasattr(engine, "KEY_PREFIX"):  # cached_db: a sign-in writes the session to the cache too
    caches[settings.SESSION_CACHE_ALIAS].set_many({engine.KEY_PREFIX + key: data for key, data in contents.items()}, 86400)
print("\n".join(keys))
"""


def _make_customers(env: dict, count: int) -> list[str]:
    """Customers with confirmed addresses, each with a session made before the run."""
    result = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", f"import sys; sys.argv=['x', '{count}', '{secrets.token_hex(4)}']\n{_MAKE_CUSTOMERS}"],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    keys = [line for line in result.stdout.split() if re.fullmatch(r"[a-z0-9]{32}", line)]
    assert len(keys) == count, result.stdout[-500:] + result.stderr[-2000:]
    return keys


def _start_gunicorn(env: dict, port: int, workers: int, threads: int) -> subprocess.Popen:
    worker_class = ["--worker-class", "gthread", "--threads", str(threads)] if threads > 1 else ["--worker-class", "sync"]
    command = [str(Path(PYTHON).parent / "gunicorn"), "config.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{port}",
               *worker_class, "--backlog", "2048", "--log-level", "warning"]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    sys.exit("intake: gunicorn did not start")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# --- The load -----------------------------------------------------------------------------------------


def _field(boundary: str, name: str, value: str) -> str:
    return f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'


def _empty_file(boundary: str, name: str) -> str:
    return (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename=""\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n\r\n")  # fmt: skip


def filing_body(boundary: str, csrf: str, number: int) -> bytes:
    """What a browser sends for the filing form with no file chosen."""
    fields = {
        "csrfmiddlewaretoken": csrf,
        "form_token": secrets.token_urlsafe(24),
        "category": "deposit_withdrawal",
        "subcategory": "withdrawal_missing",
        "summary": f"Withdrawal {number} of 250 USDT never arrived",
        "description": ("I withdrew 250 USDT to my own wallet on the Ethereum network. The exchange shows the "
                        "withdrawal as completed, but my wallet has not received it after three days. "
                        "I have checked the address and the network twice."),  # fmt: skip
        "desired_outcome": "Credit the 250 USDT back to my exchange account.",
        "occurred_on": "2026-11-03",
        "order_ids": f"WD-{number:08d}",
        "tx_network": "ETH",
        "tx_hashes": ETH_TX,
        "disputed_amount": "250",
        "disputed_asset": "USDT",
    }
    parts = [_field(boundary, name, value) for name, value in fields.items()]
    parts += [_empty_file(boundary, "evidence"), _empty_file(boundary, "power_of_attorney"), f"--{boundary}--\r\n"]
    return "".join(parts).encode()


class Load:
    def __init__(self, port: int, sessions: list[str]):
        self.port, self.sessions = port, sessions
        self.turn = itertools.count()
        self.lock = threading.Lock()
        self.counting = False
        self.stop = threading.Event()
        self.filed, self.latencies, self.failures = 0, [], {}

    def post(self, number: int) -> tuple[int, str]:
        session = self.sessions[number % len(self.sessions)]
        csrf = secrets.token_hex(CSRF_SECRET_LENGTH // 2)
        boundary = "----redressbench" + secrets.token_hex(8)
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("POST", "/complaints/new/", body=filing_body(boundary, csrf, number), headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Cookie": f"sessionid={session}; csrftoken={csrf}; django_language=en",
                "Host": "127.0.0.1",
            })  # fmt: skip
            response = connection.getresponse()
            response.read()
            return response.status, response.getheader("Location", "")
        finally:
            connection.close()

    def run(self) -> None:
        while not self.stop.is_set():
            number = next(self.turn)
            started = time.perf_counter()
            try:
                status, location = self.post(number)
            except OSError as error:
                status, location = type(error).__name__, ""
            elapsed = time.perf_counter() - started
            ok = status == 302 and re.search(r"/complaints/CMP-\d{4}-\d{7}/filed/$", location)
            if not self.counting:
                continue
            with self.lock:
                if ok:
                    self.filed += 1
                    self.latencies.append(elapsed)
                else:
                    self.failures[status] = self.failures.get(status, 0) + 1


def _cpu_seconds(pids) -> float:
    """User + system CPU time of these processes so far (Linux /proc)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _our_processes(server: subprocess.Popen) -> dict[str, list[int]]:
    """gunicorn's workers, and the PostgreSQL backends serving this benchmark's database only (other
    work on the machine is not counted)."""
    workers = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
    backends = _psql(f"SELECT pid FROM pg_stat_activity WHERE datname = '{DATABASE}' AND pid <> pg_backend_pid()").split()
    return {"gunicorn": [int(pid) for pid in workers], "postgres": [int(pid) for pid in backends]}


def run_load(port: int, sessions: list[str], connections: int, warmup: float, seconds: float, server) -> dict:
    load = Load(port, sessions)
    threads = [threading.Thread(target=load.run, daemon=True) for _ in range(connections)]
    for thread in threads:
        thread.start()
    time.sleep(warmup)
    processes = _our_processes(server)
    with load.lock:
        load.counting = True
        started = time.perf_counter()
        cpu_before = {name: _cpu_seconds(pids) for name, pids in processes.items()}
        client_before = time.process_time()
    time.sleep(seconds)
    with load.lock:
        load.counting = False
        elapsed = time.perf_counter() - started
        cpu = {name: _cpu_seconds(pids) - cpu_before[name] for name, pids in processes.items()}
        client = time.process_time() - client_before
        filed, latencies, failures = load.filed, sorted(load.latencies), dict(load.failures)
    load.stop.set()
    for thread in threads:
        thread.join(timeout=35)
    percentile = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies else 0  # noqa: E731
    return {
        "filed": filed, "seconds": elapsed, "rate": filed / elapsed, "failures": failures,
        "p50_ms": percentile(0.50), "p95_ms": percentile(0.95), "p99_ms": percentile(0.99),
        "mean_ms": statistics.fmean(latencies) * 1000 if latencies else 0,
        "cpu_ms": {name: used / max(filed, 1) * 1000 for name, used in cpu.items()},
        "client_cpu_ms": client / max(filed, 1) * 1000,
    }  # fmt: skip


# --- Checking and pgbench ---------------------------------------------------------------------------------


def check_records(since_id: int = 0) -> dict:
    """The complaints filed in the run (ids above `since_id`) and what each must have."""
    new = f"c.id > {int(since_id)}"
    counts = {
        "complaints": f"SELECT count(*) FROM complaints_complaint c WHERE {new}",
        "history rows": f"SELECT count(*) FROM complaints_historicalcomplaint c WHERE {new}",
        "audit events": f"SELECT count(*) FROM complaints_auditevent c WHERE c.complaint_id > {int(since_id)}",
        "acknowledgements queued": f"SELECT count(*) FROM complaints_notification c WHERE kind = 'acknowledgement' AND c.complaint_id > {int(since_id)}",
        "complaints not at triage": f"SELECT count(*) FROM complaints_complaint c WHERE state <> 'triage' AND {new}",
        "complaints missing a piece": f"""
            SELECT count(*) FROM complaints_complaint c WHERE {new} AND (
              (SELECT count(*) FROM complaints_historicalcomplaint h WHERE h.id = c.id) <> 2
              OR (SELECT count(*) FROM complaints_auditevent e WHERE e.complaint_id = c.id) <> 2
              OR NOT EXISTS (SELECT 1 FROM complaints_notification n WHERE n.complaint_id = c.id)
              OR NOT EXISTS (SELECT 1 FROM complaints_complaintidentifier i WHERE i.complaint_id = c.id))""",
    }
    return {label: int(_psql(sql, DATABASE)) for label, sql in counts.items()}


def run_pgbench(connections: int, seconds: float) -> dict:
    _psql(f"DROP DATABASE IF EXISTS {PGBENCH_DATABASE} WITH (FORCE)")
    _psql(f"CREATE DATABASE {PGBENCH_DATABASE}")
    base = ["-h", PG["host"], "-p", PG["port"], "-U", PG["user"]]
    subprocess.run(["pgbench", *base, "-i", "-s", "10", "-q", PGBENCH_DATABASE], check=True, capture_output=True)
    jobs = str(min(connections, os.cpu_count() or 1))
    command = ["pgbench", *base, "-N", "-c", str(connections), "-j", jobs, "-T", str(int(seconds)), PGBENCH_DATABASE]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    tps = float(re.search(r"tps = ([\d.]+)", output).group(1))
    latency = float(re.search(r"latency average = ([\d.]+) ms", output).group(1))
    return {"tps": tps, "latency_ms": latency, "command": "pgbench " + " ".join(command[1 + len(base):])}


LOAD_BEFORE = ""


def main() -> None:
    global LOAD_BEFORE, DATABASE
    args = _args()
    DATABASE = args.database
    LOAD_BEFORE = " / ".join(f"{value:.2f}" for value in os.getloadavg())
    os.chdir(ROOT)
    for tool in ("psql", "pgbench"):
        if not shutil.which(tool):
            sys.exit(f"intake: {tool} is missing (apt-get install postgresql-client)")
    durability = _check_durability()
    use_redis = _redis_answers()
    var_dir = Path(tempfile.mkdtemp(prefix="redress-intake-"))
    env = _environment(var_dir, use_redis)
    if use_redis:
        _flush_redis(REDIS_CACHE)
        _flush_redis(REDIS_BROKER)
    if args.existing and "AUDIT_SEAL_KEY" not in env and (ROOT / "var" / "audit_seal_key").exists():
        env["AUDIT_SEAL_KEY"] = (ROOT / "var" / "audit_seal_key").read_text().strip()  # the data's seal key
    print(f"intake: preparing {DATABASE} and {args.customers} signed-in customers …", flush=True)
    if args.existing:
        subprocess.run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    else:
        _recreate_database(env)
    since_id = int(_psql("SELECT coalesce(max(id), 0) FROM complaints_complaint", DATABASE))
    sessions = _make_customers(env, args.customers)
    port = args.port or _free_port()
    server = _start_gunicorn(env, port, args.workers, args.threads)
    try:
        print(f"intake: {args.connections} connections → gunicorn ({args.workers} workers × {args.threads} threads) for {args.seconds:.0f} s "
              f"after {args.warmup:.0f} s of warm-up …", flush=True)  # fmt: skip
        result = run_load(port, sessions, args.connections, args.warmup, args.seconds, server)
    finally:
        _stop(server)
    records = check_records(since_id)
    pgbench = None if args.no_pgbench else run_pgbench(args.connections, args.seconds)
    if args.json:
        Path(args.json).write_text(json.dumps({**result, "records": records, "pgbench": pgbench, "durability": durability,
                                               "redis": use_redis, "load_before": LOAD_BEFORE, "database": DATABASE}))  # fmt: skip
    report(args, result, records, pgbench, durability, use_redis)
    if not args.keep and not args.existing:
        _psql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        _psql(f"DROP DATABASE IF EXISTS {PGBENCH_DATABASE} WITH (FORCE)")
        if use_redis:
            _flush_redis(REDIS_CACHE)
            _flush_redis(REDIS_BROKER)
    shutil.rmtree(var_dir, ignore_errors=True)


def report(args, result, records, pgbench, durability, use_redis) -> None:
    verdict = "meets" if result["rate"] >= TARGET else "MISSES"
    print()
    print("| measure | value |\n|---|---|")
    print(f"| complaints filed per second | **{result['rate']:.1f}** ({verdict} the target of {TARGET}/s) |")
    print(f"| complaints filed in {result['seconds']:.1f} s | {result['filed']} |")
    print(f"| failed requests | {result['failures'] or 'none'} |")
    print(f"| latency p50 / p95 / p99 | {result['p50_ms']:.1f} / {result['p95_ms']:.1f} / {result['p99_ms']:.1f} ms |")
    cpu = result["cpu_ms"]
    per_complaint = sum(cpu.values())
    ceiling = (os.cpu_count() or 1) * 1000 / per_complaint if per_complaint else 0
    print(f"| CPU per complaint | gunicorn {cpu['gunicorn']:.1f} ms + PostgreSQL {cpu['postgres']:.1f} ms = {per_complaint:.1f} ms "
          f"→ at most {ceiling:.0f}/s on {os.cpu_count()} cores |")  # fmt: skip
    print(f"| CPU per complaint of this load generator (same machine, not counted above) | {result['client_cpu_ms']:.1f} ms |")
    if pgbench:
        print(f"| PostgreSQL `{pgbench['command']}` | {pgbench['tps']:.0f} tps, {pgbench['latency_ms']:.2f} ms average |")
    print(f"| PostgreSQL durability | fsync={durability['fsync']}, synchronous_commit={durability['synchronous_commit']}, "
          f"wal_sync_method={durability['wal_sync_method']} |")  # fmt: skip
    print(f"| gunicorn | {args.workers} workers, {'gthread × ' + str(args.threads) if args.threads > 1 else 'sync'} |")
    print(f"| machine | {os.cpu_count()} cores; load average before the run {LOAD_BEFORE} (other work on the machine counts against the figure) |")
    print(f"| cache / broker | {'Redis / Redis' if use_redis else 'local memory / filesystem'} |")
    print(f"| records (whole run, warm-up included) | {records} |")
    if records["complaints missing a piece"] or records["complaints not at triage"]:
        sys.exit("intake: some complaints lack their history, audit events, identifier or acknowledgement")


if __name__ == "__main__":
    main()
