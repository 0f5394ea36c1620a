#!/usr/bin/env python
"""How long one escalation sweep takes with a million open complaints, 1% of them due.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/redress_sweep_bench \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/14 \\
        .venv/bin/python bench/sweep.py --complaints 1000000 --due-percent 1 --recreate

Makes (or reuses) the rows with INSERT … SELECT generate_series — complaints, their audit
chains and their clock rows: 99% due in the future, 1% with a breached resolution target (two
rules each: the at-risk alert and the tier-two hand-over) — then times `escalation.sweep.sweep`
several times, putting the rows back between runs. The sweep is what runs every minute: read
the due rows through the partial index, claim their firings with INSERT … ON CONFLICT DO
NOTHING RETURNING, move their cursors, and publish the claimed firings to the broker (a queue
of the bench's own, deleted afterwards; no worker runs them). It also times an empty sweep, and
— separately, because that is the workers' job, not the sweep's — how fast one process works
through claimed firings with the real services (audit event, e-mail rendering, history row).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/redress_bench .venv/bin/python bench/sweep.py --existing

With --existing it sweeps bench/generate.py's data instead (bench/run.py does this): its clock
rows hold the cursors a sweep at the moment of generation left, so nothing is due as of then;
the bench makes 1% of the complaints (all open ones) due by moving their cursors back, times one
sweep as of that moment, and puts the firings and cursors back as they were.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["DATABASE_POOL"] = "false"
os.environ.setdefault("EMAIL_URL", "memorymail://")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/14")  # never the demo's filesystem queue

QUEUE = "redress-sweep-bench"
NOW = datetime.now(UTC).replace(microsecond=0)


def _args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument("--due-percent", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--execute", type=int, default=300, help="firings to run through the services afterwards (0: none)")
    parser.add_argument("--recreate", action="store_true", help="drop and create the database first")
    parser.add_argument("--existing", action="store_true", help="sweep bench/generate.py's data (see above)")
    parser.add_argument("--json", help="also write the figures here")
    return parser.parse_args()


def _database_name() -> tuple[str, str]:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("sweep bench: set DATABASE_URL to a PostgreSQL database whose name contains 'bench'")
    name = url.rsplit("/", 1)[-1].split("?", 1)[0]
    if "bench" not in name:
        sys.exit(f"sweep bench: refusing to use {name!r}; use a database named *bench*")
    return url, name


def _recreate(url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    print(f"recreated {name}")


# --- Making the rows ------------------------------------------------------------------------------------


def _people():
    from decimal import Decimal

    from django.contrib.auth.models import Group

    from accounts.models import CustomerProfile, StaffProfile, Team, User
    from accounts.roles import Role

    def staff(email, role, team):
        user, created = User.objects.get_or_create(email=email, defaults={"is_staff": True})
        if created:
            user.groups.add(Group.objects.get(name=role))
            StaffProfile.objects.create(user=user, team=Team.objects.get(code=team), approval_limit=Decimal(100000))
        return user

    customer, created = User.objects.get_or_create(email="customer@bench.test")
    if created:
        CustomerProfile.objects.create(user=customer, exchange_uid="BENCH-0001")
    return customer, staff("agent@sweep-bench.test", Role.AGENT, "trade_risk"), staff("supervisor@sweep-bench.test", Role.SUPERVISOR, "customer_service")


def _generate(cursor, count: int, due_every: int, customer, agent) -> None:
    from accounts.models import Team
    from complaints.models import Complaint
    from escalation.models import Regime, SlaPolicy

    team = Team.objects.get(code="trade_risk").pk
    regime, policy = Regime.objects.get(code="mica").pk, SlaPolicy.objects.get(priority="P3").pk
    fields = {f.column: f for f in Complaint._meta.concrete_fields if f.column != "id"}
    values = {column: ("NULL" if f.null else "''" if f.get_internal_type() in {"CharField", "TextField"} else None)
              for column, f in fields.items()}  # fmt: skip
    values.update({
        "reference": "'CMP-2025-' || lpad(g::text, 7, '0')", "customer_id": str(customer.pk), "channel": "'web'",
        "category": "'trade_dispute'", "subcategory": "'delayed_fill'", "summary": "'Order filled late #' || g",
        "description": "'My limit order filled late.'", "funds_at_risk": "false", "language": "'en'",
        "received_at": "%(now)s - (20 + g %% 40) * interval '1 day'",
        "state": "'investigating'", "priority": "'P3'", "team_id": str(team), "assignee_id": str(agent.pk),
        "legal_hold": "false", "version": "2", "updated_at": "%(now)s", "acknowledged_at": "%(now)s - (20 + g %% 40) * interval '1 day'",
        "investigation_started_at": "%(now)s - (20 + g %% 40) * interval '1 day'",
    })  # fmt: skip
    missing = [column for column, value in values.items() if value is None]
    assert not missing, f"no value for {missing}"
    started = time.monotonic()
    cursor.execute(
        f"INSERT INTO complaints_complaint ({', '.join(values)}) SELECT {', '.join(values.values())} FROM generate_series(1, %(count)s) g",
        {"now": NOW, "count": count},
    )
    cursor.execute(
        "INSERT INTO complaints_auditchain (complaint_id, is_system, head_seq, head_hash) "
        "SELECT id, false, 0, repeat('0', 64) FROM complaints_complaint"
    )
    # Due rows: resolution at risk two hours ago and breached a minute ago. The rest: due in 1–30 days.
    cursor.execute(
        """
        INSERT INTO escalation_complaintclock (complaint_id, regime_id, sla_policy_id, tier, revision, updated_at,
            resolution_due_at, resolution_at_risk_at, decision_due_at, decision_at_risk_at,
            next_due_at, next_at_risk_at, next_check_at)
        SELECT id, %(regime)s, %(policy)s, 1, 1, %(now)s, r.due, r.at_risk, %(now)s + interval '45 days', %(now)s + interval '20 days',
               r.due, r.at_risk, r.at_risk
        FROM complaints_complaint c,
             LATERAL (SELECT CASE WHEN c.id %% %(every)s = 0 THEN %(now)s - interval '1 minute'
                                  ELSE %(now)s + (1 + c.id %% 30) * interval '1 day' END AS due) d,
             LATERAL (SELECT d.due AS due, d.due - interval '2 hours' AS at_risk) r
        """,
        {"now": NOW, "regime": regime, "policy": policy, "every": due_every},
    )
    print(f"made {count:,} complaints, their chains and clock rows in {time.monotonic() - started:.1f}s")
    cursor.execute("VACUUM ANALYZE complaints_complaint")
    cursor.execute("VACUUM ANALYZE escalation_complaintclock")
    cursor.execute("VACUUM ANALYZE complaints_auditchain")


def _reset(cursor) -> None:
    """Put the due rows back as they were before a sweep: no firings, cursors at their at-risk time."""
    cursor.execute("DELETE FROM escalation_firing")
    cursor.execute(
        "UPDATE escalation_complaintclock SET next_check_at = next_at_risk_at "
        "WHERE next_due_at <= %(now)s AND next_check_at IS DISTINCT FROM next_at_risk_at",
        {"now": NOW},
    )
    cursor.execute("VACUUM ANALYZE escalation_firing")
    cursor.execute("VACUUM ANALYZE escalation_complaintclock")


# --- Measuring --------------------------------------------------------------------------------------------


def _explain(cursor) -> str:
    from escalation.models import ComplaintClock

    # The query escalation.sweep._due_rows runs for its first batch.
    query = ComplaintClock.objects.filter(next_check_at__lte=NOW).order_by("next_check_at", "complaint_id").values("complaint_id")[:2000]
    sql, params = query.query.sql_with_params()
    cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) {sql}", params)
    return "\n".join(row[0] for row in cursor.fetchall())


def _purge_queue() -> int:
    from config.celery import app

    with app.connection_for_write() as conn:
        return conn.default_channel.queue_purge(QUEUE) or 0


def _forget_queue() -> None:
    """Leave nothing on the broker: the bench's queue and kombu's bindings for it."""
    if os.environ["CELERY_BROKER_URL"].startswith("redis"):
        import redis

        broker = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"])
        broker.delete(QUEUE, *broker.keys(f"_kombu.binding*{QUEUE}*"))


def _execute_sample(count: int) -> None:
    """Run some claimed firings through the services, then roll it all back (the rows stay as
    generated, so the bench can be run again on the same database)."""
    from django.db import transaction

    from escalation.models import Firing
    from escalation.sweep import firing_execute

    ids = list(Firing.objects.filter(status="pending").order_by("id").values_list("id", flat=True)[:count])
    with transaction.atomic():
        started = time.monotonic()
        outcomes = [firing_execute(firing_id) for firing_id in ids]
        seconds = time.monotonic() - started
        transaction.set_rollback(True)
    done = outcomes.count(Firing.Status.DONE)
    print(f"workers' share: {len(ids)} firings through the services in {seconds:.2f}s "
          f"({seconds / max(len(ids), 1) * 1000:.1f} ms each, {done} done) — one worker process")  # fmt: skip


def main():
    args = _args()
    url, name = _database_name()
    if args.existing:
        return sweep_existing(args)
    if args.recreate:
        _recreate(url, name)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from config.celery import app

    app.conf.task_default_queue = QUEUE
    app.conf.task_always_eager = False
    call_command("migrate", verbosity=0)
    customer, agent, _supervisor = _people()
    due_every = max(1, round(100 / args.due_percent))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM complaints_complaint")
        have = cursor.fetchone()[0]
        if have == 0:
            _generate(cursor, args.complaints, due_every, customer, agent)
        elif have != args.complaints:
            sys.exit(f"the database holds {have:,} complaints, not {args.complaints:,}: use --recreate")
        cursor.execute("SELECT count(*) FROM escalation_complaintclock WHERE next_due_at <= %s", [NOW])
        due = cursor.fetchone()[0]
    print(f"{args.complaints:,} open complaints, {due:,} due ({due / args.complaints:.1%})")
    _run(args, connection, due)


def _run(args, connection, due: int) -> None:
    from escalation.sweep import sweep

    with connection.cursor() as cursor:
        _reset(cursor)
        print("the due-rows query, as the sweep runs it:\n" + _explain(cursor))
    timings = []
    for run in range(1, args.runs + 1):
        with connection.cursor() as cursor:
            _reset(cursor)
        started = time.monotonic()
        report = sweep(now=NOW, budget_seconds=600)
        timings.append(time.monotonic() - started)
        published = _purge_queue()
        print(f"sweep {run}: {report.rows:,} rows, {report.claimed:,} firings claimed, {timings[-1]:.2f}s "
              f"({published} messages published to the broker)")  # fmt: skip
        assert report.rows == due and report.claimed == 2 * due, report
    started = time.monotonic()
    empty = sweep(now=NOW)
    print(f"the next sweep, with nothing newly due: {empty.rows} rows in {time.monotonic() - started:.3f}s")
    print(f"median sweep: {statistics.median(timings):.2f}s for {due:,} due of {args.complaints:,} open")
    if args.execute:
        _execute_sample(args.execute)
    _forget_queue()



# --- On the generated data (--existing) ----------------------------------------------------------------------


def _generated_at(cursor) -> datetime:
    import json

    cursor.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = current_database()")
    note = cursor.fetchone()[0]
    if not note:
        sys.exit("sweep bench: no generation note on the database; make it with bench/generate.py")
    return datetime.fromisoformat(json.loads(note)["generated_at"])


def _make_due(cursor, count: int, moment: datetime) -> list[tuple[int, datetime | None]]:
    """Move the cursors of `count` open complaints (a fixed pseudo-random pick) back to just
    before `moment`; returns their cursors as they were."""
    cursor.execute(
        """
        SELECT c.complaint_id, c.next_check_at FROM escalation_complaintclock c
        JOIN complaints_complaint p ON p.id = c.complaint_id
        WHERE p.state NOT IN ('closed', 'archived') AND c.next_check_at > %s
        ORDER BY md5(c.complaint_id::text) LIMIT %s
        """,
        [moment, count],
    )
    picked = cursor.fetchall()
    cursor.execute(
        "UPDATE escalation_complaintclock SET next_check_at = %s WHERE complaint_id = ANY(%s)",
        [moment - timedelta(minutes=1), [complaint_id for complaint_id, _at in picked]],
    )
    return picked


def _put_back(cursor, picked, first_new_firing: int) -> None:
    cursor.execute("DELETE FROM escalation_firing WHERE id >= %s", [first_new_firing])
    cursor.execute(
        "UPDATE escalation_complaintclock c SET next_check_at = v.at FROM unnest(%s::bigint[], %s::timestamptz[]) AS v(id, at) "
        "WHERE c.complaint_id = v.id",
        [[complaint_id for complaint_id, _at in picked], [at for _id, at in picked]],
    )


def sweep_existing(args) -> None:
    import json

    import django

    django.setup()
    from django.db import connection

    from config.celery import app
    from escalation.sweep import sweep

    app.conf.task_default_queue = QUEUE
    app.conf.task_always_eager = False
    with connection.cursor() as cursor:
        moment = _generated_at(cursor)
        cursor.execute("SELECT count(*) FROM complaints_complaint")
        total = cursor.fetchone()[0]
        cursor.execute("SELECT coalesce(max(id), 0) + 1 FROM escalation_firing")
        first_new_firing = cursor.fetchone()[0]
        picked = _make_due(cursor, max(1, round(total * args.due_percent / 100)), moment)
    print(f"{total:,} complaints; {len(picked):,} open ones made due as of {moment:%Y-%m-%d %H:%M} (the generation)")
    try:
        started = time.monotonic()
        report = sweep(now=moment, budget_seconds=600)
        seconds = time.monotonic() - started
        published = _purge_queue()
    finally:
        with connection.cursor() as cursor:
            _put_back(cursor, picked, first_new_firing)
        _forget_queue()
    print(f"sweep: {report.rows:,} rows, {report.claimed:,} firings claimed, {seconds:.2f}s ({published} messages published)")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "complaints": total, "due": len(picked), "rows": report.rows, "claimed": report.claimed,
            "seconds": round(seconds, 3), "messages_published": published, "as_of": moment.isoformat(),
        }))  # fmt: skip


if __name__ == "__main__":
    main()
