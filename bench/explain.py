#!/usr/bin/env python
"""Profile one request per console scenario in-process: time, SQL queries, and EXPLAIN ANALYZE
of the slowest. For finding what bench/console.py's figures are made of.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/redress_bench .venv/bin/python bench/explain.py
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("REDRESS_STAFF_REQUIRE_2FA", "false")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ["DATABASE_POOL"] = "false"
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
os.environ.setdefault("DEBUG", "true")  # the test client has no HTTPS


def main():
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from console import samples, scenarios  # bench/console.py

    client = Client()
    client.force_login(User.objects.get(email="agent@bench.test"))
    only = sys.argv[1:]
    for name, make_path in scenarios(samples(50)).items():
        if only and name not in only:
            continue
        path = make_path()
        client.get(path)  # warm
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(path)
            total = (time.perf_counter() - started) * 1000
        sql_ms = sum(float(q["time"]) for q in queries.captured_queries) * 1000
        print(f"\n== {name}: {path}\n   HTTP {response.status_code}, {total:.1f} ms total, {len(queries)} queries, {sql_ms:.1f} ms in SQL")
        for query in sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:2]:
            print(f"   {float(query['time']) * 1000:7.1f} ms  {query['sql'][:300]}")
            if float(query["time"]) > 0.005 and query["sql"].startswith("SELECT"):
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                    for (line,) in cursor.fetchall():
                        print("      " + line)


if __name__ == "__main__":
    main()
