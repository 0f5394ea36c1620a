#!/usr/bin/env python
"""Measure the console's queue pages over HTTP: p50/p95 per scenario.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/redress_bench \\
        .venv/bin/python bench/console.py --serve --duration 30 --concurrency 4

With --serve it collects the static files and starts gunicorn (2 workers, production settings
with DEBUG off, no HTTPS redirect, no second factor) against DATABASE_URL, and stops it at the
end; without it, it measures whatever serves --base-url. It signs in as the bench agent (made by
bench/generate.py), picks real references, transaction hashes and summary words from the
database, then for each scenario runs `concurrency` clients back to back for `duration` seconds.
Every response must be a 200 showing the queue; anything else counts as an error.
"""

import argparse
import http.client
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
QUEUE = "/admin/complaints/complaint/"
TARGET_MS = 200
# Sessions written straight to the database (bench/run.py) must be signed with the server's key.
BENCH_SECRET_KEY = "bench-" + "x" * 50


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8765")
    parser.add_argument("--serve", action="store_true", help="start gunicorn (2 workers) for the run")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per scenario")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--email", default="agent@bench.test")
    parser.add_argument("--password", default="bench-password-2026")
    parser.add_argument("--only", nargs="*", help="run only these scenarios")
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--quiet-load", type=float, default=0.0,
                        help="before each scenario, wait (up to 10 min) until the 1-minute load average is below this")
    return parser.parse_args()


# --- the server -------------------------------------------------------------------------------------


def serve(base_url: str, workers: int):
    """Start gunicorn with production-like settings; returns the process."""
    host, port = urlsplit(base_url).hostname, urlsplit(base_url).port
    var = Path(tempfile.mkdtemp(prefix="redress-bench-"))
    env = {
        "EVIDENCE_ROOT": str(ROOT / "var" / "evidence"),  # where bench/generate.py stored the files
        **os.environ,
        "DEBUG": "false", "SECRET_KEY": os.environ.get("SECRET_KEY", BENCH_SECRET_KEY), "ALLOWED_HOSTS": f"{host},localhost",
        "SECURE_SSL_REDIRECT": "false", "REDRESS_STAFF_REQUIRE_2FA": "false", "REDRESS_VAR_DIR": str(var),
        "LOG_LEVEL": "WARNING",
        # As in production: each worker keeps its connections in psycopg's pool. (The bench's own
        # processes turn the pool off for themselves; that must not reach the server.)
        "DATABASE_POOL": "true",
    }  # fmt: skip
    seal_key = ROOT / "var" / "audit_seal_key"  # the key the data was sealed with (config.settings)
    if "AUDIT_SEAL_KEY" not in env and seal_key.exists():
        env["AUDIT_SEAL_KEY"] = seal_key.read_text().strip()
    python = sys.executable
    subprocess.run([python, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    process = subprocess.Popen(
        [str(Path(python).with_name("gunicorn")), "config.wsgi", "-w", str(workers), "-b", f"{host}:{port}",
         "--access-logfile", "-", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(var / "gunicorn.log", "w"),
    )  # fmt: skip
    for _ in range(100):
        try:
            connection = http.client.HTTPConnection(host, port, timeout=2)
            connection.request("GET", "/admin/login/")
            connection.getresponse().read()
            return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    sys.exit(f"console: gunicorn did not start; see {var / 'gunicorn.log'}")


# --- HTTP with a session cookie -------------------------------------------------------------------------


class Session:
    def __init__(self, base_url: str):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port or 80
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str, dict]:
        # gunicorn's sync workers close the connection after each response: one connection each.
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), "Host": f"{self.host}:{self.port}"}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://{self.host}:{self.port}{path}"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        content = response.read().decode("utf-8", "replace")
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        connection.close()
        return response.status, content, dict(response.getheaders())

    def sign_in(self, email: str, password: str) -> None:
        status, page, _ = self.request("GET", "/admin/login/?next=/admin/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        body = urlencode({"csrfmiddlewaretoken": token, "username": email, "password": password, "next": "/admin/"})
        status, _, headers = self.request("POST", "/admin/login/?next=/admin/", body)
        if status != 302 or "sessionid" not in self.cookies:
            sys.exit(f"console: signing in as {email} failed (HTTP {status}); did bench/generate.py run?")


# --- scenarios ------------------------------------------------------------------------------------------


def samples(count: int = 300) -> dict[str, list[str]]:
    """Real search terms from the database (outside the timed part)."""
    import psycopg

    url = os.environ["DATABASE_URL"]

    def sample(conn, column, table, where="TRUE"):
        # A 1% sample of the pages is quick on a big table; a small one may give nothing.
        for sampling in ("TABLESAMPLE SYSTEM (1)", ""):
            rows = [r[0] for r in conn.execute(f"SELECT {column} FROM {table} {sampling} WHERE {where} LIMIT %s", [count])]
            if rows:
                return rows
        return rows

    with psycopg.connect(url) as conn:
        hashes = sample(conn, "value", "complaints_complaintidentifier", "kind = 'tx_hash'")
        references = sample(conn, "reference", "complaints_complaint")
        summaries = sample(conn, "summary", "complaints_complaint")
    # The generator ends each summary with two words drawn from 6,000: each word is in ~0.03 %
    # of the complaints (a rare-word search); the phrase before the colon is common.
    words = [summary.rsplit(" ", 1)[-1] for summary in summaries]
    return {"hashes": hashes, "references": references, "words": words}


def scenarios(terms: dict) -> dict[str, callable]:
    def query(params):
        return f"{QUEUE}?{urlencode(params)}"

    # States in which a team holds complaints (triage has no team yet: an empty page would flatter).
    states = ["investigating", "awaiting_customer", "awaiting_approval", "resolution_proposed", "resolved"]
    return {
        "default queue": lambda: QUEUE,
        "my team, by state": lambda: query({"assignee": "team", "state": random.choice(states)}),
        "tx hash search": lambda: query({"q": random.choice(terms["hashes"])}),
        "reference search": lambda: query({"q": random.choice(terms["references"])}),
        "summary text search": lambda: query({"q": random.choice(terms["words"])}),
    }


def shows_queue(page: str) -> bool:
    return 'id="changelist"' in page


def run(session_cookies, base_url, make_path, duration, concurrency, check=shows_queue):
    latencies, errors = [], []
    lock = threading.Lock()
    stop_at = time.monotonic() + duration

    def client():
        session = Session(base_url)
        session.cookies = dict(session_cookies)
        while time.monotonic() < stop_at:
            path = make_path()
            started = time.perf_counter()
            status, page, _ = session.request("GET", path)
            elapsed = (time.perf_counter() - started) * 1000
            ok = status == 200 and check(page)
            with lock:
                (latencies if ok else errors).append(elapsed if ok else f"{status} {path}")

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors


def wait_for_quiet(threshold: float) -> None:
    """The machine may be shared: measure when nothing else is busy, if asked."""
    if threshold <= 0:
        return
    deadline = time.monotonic() + 600
    while os.getloadavg()[0] >= threshold and time.monotonic() < deadline:
        time.sleep(5)


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main():
    args = parse_args()
    if "DATABASE_URL" not in os.environ:
        sys.exit("console: set DATABASE_URL to the bench database (it picks search terms from it)")
    server = serve(args.base_url, args.workers) if args.serve else None
    try:
        terms = samples()
        session = Session(args.base_url)
        session.sign_in(args.email, args.password)
        results = {}
        for name, make_path in scenarios(terms).items():
            if args.only and name not in args.only:
                continue
            wait_for_quiet(args.quiet_load)
            for _ in range(3):  # warm the workers and the buffer cache a little
                session.request("GET", make_path())
            load_before = os.getloadavg()[0]
            latencies, errors = run(session.cookies, args.base_url, make_path, args.duration, args.concurrency)
            results[name] = {
                "requests": len(latencies), "errors": len(errors), "rps": round(len(latencies) / args.duration, 1),
                "p50_ms": round(percentile(latencies, 50), 1) if latencies else None,
                "p95_ms": round(percentile(latencies, 95), 1) if latencies else None,
                "p99_ms": round(percentile(latencies, 99), 1) if latencies else None,
                "mean_ms": round(statistics.fmean(latencies), 1) if latencies else None,
                "max_ms": round(max(latencies), 1) if latencies else None,
                "first_errors": errors[:3],
                "load_before": round(load_before, 2), "load_after": round(os.getloadavg()[0], 2),
            }  # fmt: skip
            row = results[name]
            verdict = "ok" if row["p95_ms"] is not None and row["p95_ms"] < TARGET_MS and not errors else "MISSED"
            print(f"{name:22} n={row['requests']:5} err={row['errors']:3} rps={row['rps']:6} p50={row['p50_ms']:7} ms "
                  f"p95={row['p95_ms']:7} ms p99={row['p99_ms']:7} ms max={row['max_ms']:7} ms  load {row['load_before']}"
                  f"→{row['load_after']}  {verdict}", flush=True)  # fmt: skip
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=2))
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
