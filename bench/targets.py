"""Issue 8's targets, on this two-core machine with 1,000,000 complaints, and where bench/run.py's
results hold each figure."""

import operator

BELOW, AT_LEAST = ("<", operator.lt), (">=", operator.ge)


def _page_p95(name):
    return lambda results: results.get("pages", {}).get(name, {}).get("p95_ms")


def _intake_rate(results):
    rate = results.get("intake", {}).get("rate")
    return round(rate, 1) if rate is not None else None


def _sweep_seconds(results):
    seconds = results.get("sweep", {}).get("seconds")
    return round(seconds, 2) if seconds is not None else None


def _worker_rss(results):
    workers = results.get("pages", {}).get("gunicorn workers after the run")
    return max(worker["rss_mb"] for worker in workers) if workers else None


# figure: (unit, (comparison, limit) or None for a figure only recorded, where it is)
TARGETS = {
    "agent queue, default (p95)": ("ms", (BELOW, 200), _page_p95("agent queue, default")),
    "agent queue, team and state (p95)": ("ms", (BELOW, 200), _page_p95("agent queue, team and state")),
    "agent queue, transaction hash (p95)": ("ms", (BELOW, 200), _page_p95("agent queue, transaction hash")),
    "complaint admin page (p95)": ("ms", (BELOW, 200), _page_p95("complaint admin page")),
    "portal complaint list, 20 complaints (p95)": ("ms", (BELOW, 150), _page_p95("portal complaint list")),
    "portal complaint page (p95)": ("ms", (BELOW, 150), _page_p95("portal complaint page")),
    "intake through the portal": ("complaints/s", (AT_LEAST, 200), _intake_rate),
    "escalation sweep, 1% due": ("s", (BELOW, 10), _sweep_seconds),
    "reports page (p95)": ("ms", (BELOW, 2000), _page_p95("reports page")),
    "pgbench -N": ("tps", None, lambda results: results.get("pgbench", {}).get("tps")),
    "gunicorn worker RSS after the run (largest)": ("MB", None, _worker_rss),
}


def target_text(target) -> str:
    if target is None:
        return "recorded"
    (symbol, _compare), limit = target
    return f"{symbol} {limit}"


def verdict(value, target) -> bool | None:
    if target is None:
        return None
    (_symbol, compare), limit = target
    return compare(value, limit)
