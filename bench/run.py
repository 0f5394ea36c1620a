#!/usr/bin/env python
"""Issue 8 in one command: a million complaints, generated and measured.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/redress_bench .venv/bin/python bench/run.py
    DATABASE_URL=… .venv/bin/python bench/run.py --skip-generate       # measure the data already there

1. Unless --skip-generate: bench/generate.py --complaints 1,000,000 --recreate (COPY; history,
   identifiers, messages, evidence, remedies, clock rows, audit chains; seals and the reports'
   tables when those apps exist). With --skip-generate the database is only migrated.
2. gunicorn (2 sync workers, DEBUG off) against DATABASE_URL; for each page, `--concurrency`
   connections back to back for `--duration` seconds over HTTP: the agent queue (default, by
   team and state, transaction-hash search), the complaint admin page, the portal's list and
   complaint pages of a customer with 20 complaints, the reports page (bench/reports.py, when
   it exists). Then the workers' resident memory.
3. Intake through the portal (bench/intake.py) into the same database.
4. One escalation sweep with 1% of the complaints due (bench/sweep.py --existing).
5. PostgreSQL's `pgbench -N` with the same connections and duration, as the yardstick.

It prints a table (figure, target, met?) and writes everything, with the PostgreSQL settings,
the database's size, the machine and its load average, to --json. --pg-memory sets PostgreSQL's
memory (shared_buffers, work_mem, …) for the run and puts the server's own back afterwards
(bench/pgtune.py); fsync and synchronous_commit are never changed (on).
"""

import argparse
import json
import os
import platform
import random
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["DATABASE_POOL"] = "false"

import console  # noqa: E402  (bench/console.py)
import pgtune  # noqa: E402  (bench/pgtune.py)

os.environ.setdefault("SECRET_KEY", console.BENCH_SECRET_KEY)  # the sessions made here are the server's
from targets import TARGETS, target_text, verdict  # noqa: E402  (bench/targets.py)

try:
    import reports  # noqa: E402  (bench/reports.py, from the reporting work)
except ImportError:
    reports = None

PARTS = ["pages", "intake", "sweep", "pgbench"]
PG_SETTINGS = ["server_version", "shared_buffers", "work_mem", "maintenance_work_mem", "effective_cache_size",
               "random_page_cost", "jit", "max_parallel_workers_per_gather", "max_connections", "fsync",
               "synchronous_commit", "wal_level", "full_page_writes", "checkpoint_timeout", "max_wal_size"]  # fmt: skip


def _args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-generate", action="store_true", help="measure the data already in the database")
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per HTTP scenario and for intake/pgbench")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--base-url", default="http://127.0.0.1:8765")
    parser.add_argument("--only", nargs="*", choices=PARTS, help="run only these parts")
    parser.add_argument("--pages", nargs="*", help="only these page scenarios (by name)")
    parser.add_argument("--quiet-load", type=float, default=0.0,
                        help="before each part, wait (up to 10 min) until the 1-minute load average is below this")
    parser.add_argument("--pg-memory", default=pgtune.DEFAULT,
                        help=f"PostgreSQL memory settings for the run, put back afterwards ('' for the server's own; default: {pgtune.DEFAULT})")
    parser.add_argument("--json", default=str(BENCH / "results-issue8.json"))
    return parser.parse_args()


def _database_url() -> tuple[str, str]:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("run: set DATABASE_URL to a PostgreSQL database, e.g. postgres://postgres@127.0.0.1:5432/redress_bench")
    return url, url.rsplit("/", 1)[-1].split("?", 1)[0]


def _wanted(args, name: str) -> bool:
    return not args.only or name in args.only


def _python(script: str, *arguments: str, env: dict | None = None) -> None:
    command = [sys.executable, str(BENCH / script), *arguments]
    print(f"\nrun: {' '.join(command[1:])}", flush=True)
    subprocess.run(command, cwd=ROOT, env=env or os.environ.copy(), check=True)


def _load() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


# --- The pages --------------------------------------------------------------------------------------------


def _page_samples(count: int = 300) -> dict:
    """Complaints to open, and a customer with 20 complaints signed in (a session row written
    before the run, so signing in is not measured)."""
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection
    from django.db.models import Count

    from accounts.models import User
    from complaints.models import Complaint

    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM complaints_complaint TABLESAMPLE SYSTEM (0.5) LIMIT %s", [count])
        complaint_ids = [row[0] for row in cursor.fetchall()]
        if not complaint_ids:  # a small database
            cursor.execute("SELECT id FROM complaints_complaint ORDER BY random() LIMIT %s", [count])
            complaint_ids = [row[0] for row in cursor.fetchall()]
    customer = (
        User.objects.filter(email__startswith="portal", email__endswith="@bench.test")
        .annotate(n=Count("complaints")).filter(n=20).order_by("id").first()
    )  # fmt: skip
    if customer is None:
        sys.exit("run: no customer with exactly 20 complaints (portal…@bench.test); regenerate with bench/generate.py")
    store = SessionStore()
    store.update({SESSION_KEY: str(customer.pk), BACKEND_SESSION_KEY: "accounts.backends.ProfileModelBackend",
                  HASH_SESSION_KEY: customer.get_session_auth_hash()})  # fmt: skip
    store.create()
    references = list(Complaint.objects.filter(customer=customer).values_list("reference", flat=True))
    report_paths = _report_paths()
    connection.close()
    return {"complaint_ids": complaint_ids, "portal_session": store.session_key, "portal_references": references,
            "report_paths": report_paths}  # fmt: skip


def page_scenarios(terms: dict, samples: dict) -> list[tuple[str, str, callable, callable]]:
    """(name, who, path maker, page check) for each page measured."""
    queue = console.scenarios(terms)
    admin_page = "/admin/complaints/complaint/{}/change/"
    return [
        ("agent queue, default", "agent", queue["default queue"], console.shows_queue),
        ("agent queue, team and state", "agent", queue["my team, by state"], console.shows_queue),
        ("agent queue, transaction hash", "agent", queue["tx hash search"], console.shows_queue),
        ("complaint admin page", "agent", lambda: admin_page.format(random.choice(samples["complaint_ids"])),
         lambda page: 'id="content"' in page and "CMP-" in page),
        ("portal complaint list", "customer", lambda: "/complaints/", lambda page: page.count("CMP-") >= 10),
        ("portal complaint page", "customer", lambda: f"/complaints/{random.choice(samples['portal_references'])}/",
         lambda page: "CMP-" in page),
    ]  # fmt: skip


def _measure(name, cookies, args, make_path, check) -> dict:
    console.wait_for_quiet(args.quiet_load)
    session = console.Session(args.base_url)
    session.cookies = dict(cookies)
    for _ in range(3):  # warm the workers and the buffer cache a little
        session.request("GET", make_path())
    load_before = _load()
    latencies, errors = console.run(cookies, args.base_url, make_path, args.duration, args.concurrency, check)
    result = {
        "requests": len(latencies), "errors": len(errors), "first_errors": errors[:3],
        "per_second": round(len(latencies) / args.duration, 1),
        "p50_ms": round(console.percentile(latencies, 50), 1) if latencies else None,
        "p95_ms": round(console.percentile(latencies, 95), 1) if latencies else None,
        "p99_ms": round(console.percentile(latencies, 99), 1) if latencies else None,
        "load_before": load_before, "load_after": _load(),
    }  # fmt: skip
    print(f"{name:32} n={result['requests']:5} err={result['errors']:3} {result['per_second']:6}/s "
          f"p50={result['p50_ms']} ms p95={result['p95_ms']} ms  load {load_before[0]}→{result['load_after'][0]}", flush=True)  # fmt: skip
    return result


def worker_memory(server) -> list[dict]:
    """Resident memory of gunicorn's workers now, and the most each ever held (Linux /proc)."""
    children = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
    memory = []
    for pid in children:
        status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
        memory.append({"pid": int(pid), "rss_mb": round(int(status["VmRSS"].split()[0]) / 1024, 1),
                       "peak_rss_mb": round(int(status["VmHWM"].split()[0]) / 1024, 1)})  # fmt: skip
    return memory


def measure_pages(args) -> dict:
    samples = _page_samples()
    terms = console.samples()
    server = console.serve(args.base_url, args.workers)
    results = {}
    try:
        agent = console.Session(args.base_url)
        agent.sign_in("agent@bench.test", "bench-password-2026")  # made by bench/generate.py
        cookies = {"agent": agent.cookies, "customer": {"sessionid": samples["portal_session"]}}
        for name, who, make_path, check in page_scenarios(terms, samples):
            if not args.pages or name in args.pages:
                results[name] = _measure(name, cookies[who], args, make_path, check)
        if samples["report_paths"] and (not args.pages or "reports page" in args.pages):
            supervisor = console.Session(args.base_url)
            supervisor.sign_in(reports.SUPERVISOR, "bench-password-2026")
            results["reports page"] = _measure(
                "reports page", supervisor.cookies, args, lambda: samples["report_paths"]["report, default (12 weeks)"],
                lambda page: "<h1" in page,
            )  # fmt: skip
        results["gunicorn workers after the run"] = worker_memory(server)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    return results


def _report_paths() -> dict | None:
    """The reports page's addresses (bench/reports.py's scenarios), when the reporting app and
    its facts are there (reporting_refresh, run by bench/generate.py)."""
    from django.apps import apps
    from django.db.models import Max

    if reports is None or not apps.is_installed("complaints.reporting"):
        return None
    from accounts.models import Team
    from complaints.reporting.models import ComplaintFact

    latest = ComplaintFact.objects.aggregate(last=Max("received_on"))["last"]
    if latest is None:
        print("run: no report facts (manage.py reporting_refresh); the reports page is not measured")
        return None
    return reports.scenarios(latest, Team.objects.get(code="customer_service").pk)


# --- Intake, sweep, pgbench ----------------------------------------------------------------------------------


def _json_of(script: str, *arguments: str) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        output = Path(handle.name)
    try:
        _python(script, *arguments, "--json", str(output))
        return json.loads(output.read_text())
    finally:
        output.unlink(missing_ok=True)


def measure_intake(args, database: str) -> dict:
    console.wait_for_quiet(args.quiet_load)
    return _json_of("intake.py", "--database", database, "--existing", "--seconds", str(args.duration),
                    "--connections", str(args.concurrency), "--workers", str(args.workers), "--no-pgbench")  # fmt: skip


def measure_sweep(args) -> dict:
    console.wait_for_quiet(args.quiet_load)
    return _json_of("sweep.py", "--existing", "--due-percent", "1", "--runs", "1", "--execute", "0")


def measure_pgbench(args) -> dict:
    import intake  # bench/intake.py

    console.wait_for_quiet(args.quiet_load)
    load_before = _load()
    result = intake.run_pgbench(args.concurrency, args.duration)
    intake._psql(f"DROP DATABASE IF EXISTS {intake.PGBENCH_DATABASE} WITH (FORCE)")
    return {**result, "load_before": load_before, "load_after": _load()}


# --- What was measured on ------------------------------------------------------------------------------------


def environment(database: str) -> dict:
    import psycopg

    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
        settings = {name: conn.execute(f"SHOW {name}").fetchone()[0] for name in PG_SETTINGS}
        size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]
        rows = dict(conn.execute(
            "SELECT relname, reltuples::bigint FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace "
            "AND reltuples > 100000 ORDER BY reltuples DESC").fetchall())  # fmt: skip
        states = dict(conn.execute("SELECT state, count(*) FROM complaints_complaint GROUP BY state").fetchall())
        note = conn.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = current_database()").fetchone()[0]
    memory = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")), "0")
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())  # fmt: skip
    return {
        "database": database, "database_size": size, "generated": json.loads(note) if note else None,
        "complaints_by_state": states, "rows_estimated": rows, "postgresql": settings,
        "machine": {"cpus": os.cpu_count(), "cpu": cpu, "memory_gb": round(int(memory) / 1024 / 1024, 1),
                    "python": platform.python_version()},
    }  # fmt: skip


def summary(results: dict) -> list[dict]:
    """One line per figure: what was measured, its target, whether it was met."""
    lines = []
    for figure, (unit, target, measured_by) in TARGETS.items():
        value = measured_by(results)
        if value is not None:
            lines.append({"figure": figure, "value": value, "unit": unit, "target": target_text(target),
                          "met": verdict(value, target)})
    return lines


def _print_summary(lines: list[dict]) -> None:
    print("\n| figure | measured | target | met? |\n|---|---:|---|---|")
    for line in lines:
        met = {True: "yes", False: "**no**", None: "—"}[line["met"]]
        print(f"| {line['figure']} | {line['value']} {line['unit']} | {line['target']} {line['unit']} | {met} |")


def main():
    args = _args()
    with pgtune.tuned(args.pg_memory) as applied:
        print(f"run: PostgreSQL settings for this run: {applied or 'as the server has them'}", flush=True)
        run(args)


def run(args):
    url, database = _database_url()
    started = time.monotonic()
    results = {"started_at": datetime.now(UTC).isoformat(timespec="seconds"), "load_at_start": _load(),
               "command": " ".join(sys.argv)}  # fmt: skip
    if args.skip_generate:
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, check=True)
    else:
        before = time.monotonic()
        _python("generate.py", "--complaints", str(args.complaints), "--recreate")
        results["generation_seconds"] = round(time.monotonic() - before)
    if _wanted(args, "pages"):
        results["pages"] = measure_pages(args)
    if _wanted(args, "intake"):
        results["intake"] = measure_intake(args, database)
    if _wanted(args, "sweep"):
        results["sweep"] = measure_sweep(args)
    if _wanted(args, "pgbench"):
        results["pgbench"] = measure_pgbench(args)
    results["environment"] = environment(database)
    results["load_at_end"] = _load()
    results["seconds"] = round(time.monotonic() - started)
    results["summary"] = summary(results)
    _print_summary(results["summary"])
    Path(args.json).write_text(json.dumps(results, indent=2, default=str))
    print(f"\nrun: wrote {args.json} ({results['seconds']} s in all)")


if __name__ == "__main__":
    main()
