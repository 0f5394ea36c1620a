#!/usr/bin/env python
"""Where a portal filing's CPU goes: the bench's filing request, in-process through the WSGI handler.

    .venv/bin/python bench/profile_intake.py                  # 300 filings; CPU ms per filing
    .venv/bin/python bench/profile_intake.py --profile 40     # and cProfile's top functions
    .venv/bin/python bench/profile_intake.py --sql            # and the statements of one filing

It (re)creates the database redress_profile_bench (as bench/intake.py does its own), makes
signed-in customers, then sends bench/intake.py's multipart filing body to Django's WSGI handler
in this process, with the settings gunicorn runs under in the benchmark (DEBUG off, Redis cache
and broker when Redis answers). CPU time (time.process_time) does not count time waiting for
PostgreSQL, so it is the figure that decides how many filings two cores can take.
"""

import argparse
import cProfile
import io
import os
import pstats
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import intake  # noqa: E402

DATABASE = "redress_profile_bench"


def _args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--filings", type=int, default=300)
    parser.add_argument("--profile", type=int, default=0, help="print this many of cProfile's costliest functions")
    parser.add_argument("--sql", action="store_true", help="print the statements of one filing")
    parser.add_argument("--reuse", action="store_true", help="keep the database from the last run")
    parser.add_argument("--dump", help="with --profile: also save cProfile's stats to this file (pstats)")
    return parser.parse_args()


def _prepare(reuse: bool) -> list[str]:
    intake.DATABASE = DATABASE
    use_redis = intake._redis_answers()
    env = intake._environment(Path(tempfile.mkdtemp(prefix="redress-profile-")), use_redis)
    if not reuse or not intake._psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'"):
        intake._recreate_database(env)
    else:
        subprocess.run([intake.PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=intake.ROOT, env=env, check=True)
    sessions = intake._make_customers(env, 500)
    os.environ.update(env)
    return sessions


def _environ(session: str, number: int) -> dict:
    csrf = secrets.token_hex(intake.CSRF_SECRET_LENGTH // 2)
    boundary = "----redressbench" + secrets.token_hex(8)
    body = intake.filing_body(boundary, csrf, number)
    return {
        "REQUEST_METHOD": "POST", "PATH_INFO": "/complaints/new/", "SCRIPT_NAME": "", "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "HTTP_HOST": "127.0.0.1", "REMOTE_ADDR": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body),
        "CONTENT_TYPE": f"multipart/form-data; boundary={boundary}", "CONTENT_LENGTH": str(len(body)),
        "HTTP_COOKIE": f"sessionid={session}; csrftoken={csrf}; django_language=en",
    }  # fmt: skip


def _file(handler, session: str, number: int) -> None:
    status = []
    body = handler(_environ(session, number), lambda code, headers, *_: status.append(code))
    b"".join(body)
    if not status[0].startswith("302"):
        sys.exit(f"profile: filing answered {status[0]}")


def main() -> None:
    args = _args()
    sessions = _prepare(args.reuse)
    import django
    from django.core.wsgi import get_wsgi_application

    django.setup()
    handler = get_wsgi_application()
    numbers = iter(range(10**9))
    for _ in range(30):  # warm-up: imports, templates, translations, connections
        number = next(numbers)
        _file(handler, sessions[number % len(sessions)], number)
    if args.sql:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            number = next(numbers)
            _file(handler, sessions[number % len(sessions)], number)
        for query in captured.captured_queries:
            print(query["sql"][:300])
        print(f"{len(captured)} statements")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    backend_cpu = intake._cpu_seconds([backend])
    profiler = cProfile.Profile(time.process_time) if args.profile else None  # CPU, not waiting
    cpu, wall = time.process_time(), time.perf_counter()
    if profiler:
        profiler.enable()
    for _ in range(args.filings):
        number = next(numbers)
        _file(handler, sessions[number % len(sessions)], number)
    if profiler:
        profiler.disable()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    backend_cpu = intake._cpu_seconds([backend]) - backend_cpu
    print(f"{args.filings} filings: {cpu / args.filings * 1000:.2f} ms CPU here + {backend_cpu / args.filings * 1000:.2f} ms "
          f"CPU in PostgreSQL, {wall / args.filings * 1000:.2f} ms wall each")
    if profiler:
        stats = pstats.Stats(profiler)
        if args.dump:
            stats.dump_stats(args.dump)
        print(f"{stats.total_calls / args.filings:.0f} function calls per filing")
        stats.sort_stats("cumulative").print_stats(args.profile)
        stats.sort_stats("tottime").print_stats(args.profile)


if __name__ == "__main__":
    main()
