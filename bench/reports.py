#!/usr/bin/env python
"""Time the staff report page (and its CSV and the public transparency page) against a filled
database, in-process, signed in as a bench supervisor.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/redress_bench .venv/bin/python bench/reports.py --refresh

--refresh first runs `manage.py reporting_refresh --full` (the facts and roll-ups of every
complaint, timed). Each scenario is requested once to warm up, then --repeat times in a row;
p50 and p95 are printed per scenario (target, issue 6: the report page under 2 s at 1,000,000
complaints). Needs the staff bench/generate.py makes (supervisor100000@bench.test).
"""

import argparse
import json
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("REDRESS_STAFF_REQUIRE_2FA", "false")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ["DATABASE_POOL"] = "false"
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
os.environ.setdefault("DEBUG", "false")

SUPERVISOR = "supervisor100000@bench.test"
TARGET_MS = 2000


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--refresh", action="store_true", help="run reporting_refresh --full first (timed)")
    parser.add_argument("--repeat", type=int, default=20, help="requests per scenario after the warm-up (default 20)")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("only", nargs="*", help="scenario names to run (default: all)")
    return parser.parse_args()


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def scenarios(latest, team_id) -> dict[str, str]:
    from django.urls import reverse

    from complaints.reporting.transparency import last_complete_quarter

    report, csv = reverse("reporting:report"), reverse("reporting:report-csv")

    def period(days, team=None):
        query = f"start={latest - timedelta(days=days)}&end={latest}"
        return query + (f"&team={team}" if team else "")

    return {
        "report, default (12 weeks)": report,
        "report, quarter, one team": f"{report}?{period(91, team_id)}",
        "report, one year": f"{report}?{period(365)}",
        "report, three years": f"{report}?{period(3 * 365)}",
        "csv, one year": f"{csv}?{period(365)}",
        "transparency, last quarter": reverse("portal:transparency-quarter", args=[str(last_complete_quarter())]),
    }


def refresh() -> float:
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("reporting_refresh", "--full")
    return time.perf_counter() - started


def time_scenario(client, path: str, repeat: int) -> dict:
    response = client.get(path)  # warm
    if response.status_code != 200:
        raise SystemExit(f"reports: {path} answered {response.status_code}")
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": round(percentile(timings, 50), 1), "p95_ms": round(percentile(timings, 95), 1), "requests": repeat}


def main():
    args = parse_args()
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import override_settings

    # DEBUG stays off (cached templates, as served) without a manifest of collected static
    # files: the pages only name their stylesheets.
    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}).enable()
    from django.db.models import Max
    from django.test import Client

    from accounts.models import Team, User
    from complaints.models import Complaint
    from complaints.reporting.models import ComplaintFact

    results = {"complaints": Complaint.objects.count()}
    if args.refresh:
        results["refresh_seconds"] = round(refresh(), 1)
        print(f"reporting_refresh --full: {results['refresh_seconds']} s for {results['complaints']} complaints")
    results["facts"] = ComplaintFact.objects.count()
    latest = ComplaintFact.objects.aggregate(last=Max("received_on"))["last"]
    if latest is None:
        raise SystemExit("reports: no facts; run with --refresh (or manage.py reporting_refresh) first")
    client = Client()
    client.force_login(User.objects.get(email=SUPERVISOR))
    team = Team.objects.get(code="customer_service").pk
    print(f"{results['complaints']} complaints, {results['facts']} facts; p50 / p95 over {args.repeat} requests each")
    for name, path in scenarios(latest, team).items():
        if args.only and not any(word in name for word in args.only):
            continue
        figures = results[name] = time_scenario(client, path, args.repeat)
        flag = "" if not name.startswith("report") or figures["p95_ms"] < TARGET_MS else "  ABOVE THE 2 s TARGET"
        print(f"  {name:32s} p50 {figures['p50_ms']:8.1f} ms   p95 {figures['p95_ms']:8.1f} ms{flag}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
