#!/usr/bin/env python
"""Time the complaint admin page in-process, one request at a time, on complaints sampled from
the database: milliseconds (p50, p95), queries and SQL time, and the slowest statements.
Everything runs in one transaction that is rolled back, so the signing-in leaves no row behind
(the 1M database can be used read-only).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/redress_bench .venv/bin/python bench/complaint_page.py --pages 40
"""

import argparse
import os
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("REDRESS_STAFF_REQUIRE_2FA", "false")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("DEBUG", "false")
os.environ["DATABASE_POOL"] = "false"


class Rollback(Exception):
    pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--email", default="agent@bench.test")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--slowest", type=int, default=5, help="statements to list, by total time")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    # DEBUG off as in production, without needing collectstatic's manifest.
    plain_static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain_static}).enable()

    from accounts.models import User

    with connection.cursor() as cursor:
        # A repeatable 0.5 % sample of the pages (quick on a big table); a small table may give none.
        cursor.execute("SELECT id FROM complaints_complaint TABLESAMPLE SYSTEM (0.5) REPEATABLE (%s) LIMIT %s",
                       [args.seed, args.pages])  # fmt: skip
        ids = [row[0] for row in cursor.fetchall()]
        if not ids:
            cursor.execute("SELECT id FROM complaints_complaint ORDER BY id LIMIT %s", [args.pages])
            ids = [row[0] for row in cursor.fetchall()]
    random.Random(args.seed).shuffle(ids)
    totals, cpu, sql, counts, statements = [], [], [], [], Counter()
    try:
        with transaction.atomic():
            client = Client()
            client.force_login(User.objects.get(email=args.email))
            for pk in ids[:3]:
                client.get(f"/admin/complaints/complaint/{pk}/change/")  # warm
            for pk in ids:
                with CaptureQueriesContext(connection) as queries:
                    started, started_cpu = time.perf_counter(), time.process_time()
                    response = client.get(f"/admin/complaints/complaint/{pk}/change/")
                    totals.append((time.perf_counter() - started) * 1000)
                    cpu.append((time.process_time() - started_cpu) * 1000)
                assert response.status_code == 200, (pk, response.status_code)
                sql.append(sum(float(q["time"]) for q in queries.captured_queries) * 1000)
                counts.append(len(queries))
                for query in queries.captured_queries:
                    statements[query["sql"][:160]] += float(query["time"]) * 1000
            raise Rollback
    except Rollback:
        pass

    def pct(values, p):
        return sorted(values)[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]

    print(f"{len(ids)} pages as {args.email}: total p50 {statistics.median(totals):.1f} ms, p95 {pct(totals, 95):.1f} ms, "
          f"mean {statistics.mean(totals):.1f} ms; this process's CPU mean {statistics.mean(cpu):.1f} ms; SQL mean {statistics.mean(sql):.1f} ms; "
          f"queries {min(counts)}-{max(counts)} (mean {statistics.mean(counts):.1f})")  # fmt: skip
    for statement, ms in statements.most_common(args.slowest):
        print(f"  {ms / len(ids):6.2f} ms/page  {statement}")


if __name__ == "__main__":
    main()
