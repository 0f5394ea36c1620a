"""End to end: a real Celery worker, started here, takes the sweep from the broker and does it.

The worker is `celery -A … worker --pool=solo` in a subprocess, on the Redis at TEST_REDIS_URL
(default redis://127.0.0.1:6379/15) and on this test's PostgreSQL database (pytest-django's
test_<name>), on a queue of its own. The test puts the sweep on the broker and watches the
database: the deemed acceptance happens and its notice is sent, all by the worker.
"""

import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.models import Team
from complaints import services
from complaints.choices import Liability, Outcome, RemedyKind, State
from complaints.models import Complaint, Notification
from escalation.notifications import DEEMED_ACCEPTANCE

from .conftest import file_complaint

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
ROOT = Path(settings.BASE_DIR)


def _redis_reachable() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:  # noqa: BLE001 - any failure means: skip
        return False


pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the worker needs a database it can see: PostgreSQL"),
    pytest.mark.skipif(not _redis_reachable(), reason=f"no Redis at {REDIS_URL}"),
    pytest.mark.django_db(transaction=True),
]


def _database_url() -> str:
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(tmp_path):
    queue = f"redress-e2e-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DATABASE_POOL": "false",
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_URL": "consolemail://",
        "REDRESS_E2E_QUEUE": queue,
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "tests.escalation.celery_e2e", "worker", "--pool=solo", "-Q", queue,
         "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        yield queue
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        log.close()
        import redis

        broker = redis.Redis.from_url(REDIS_URL)
        broker.delete(queue, *broker.keys(f"_kombu.binding*{queue}*"))  # the queue and its bindings
        print((tmp_path / "worker.log").read_text()[-4000:])


def _send(task: str, queue: str) -> None:
    from celery import Celery

    producer = Celery("redress-e2e-producer", broker=REDIS_URL)
    try:
        producer.send_task(task, queue=queue)
    finally:
        producer.close()


def _wait_for(check, seconds: float = 90) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.5)
    return False


def test_a_real_worker_takes_the_sweep_from_the_broker_and_deems_a_decision_accepted(alice, agent, worker, settings):
    decided = timezone.now() - timedelta(days=settings.REDRESS_DEEMED_ACCEPTANCE_DAYS, minutes=5)
    with time_machine.travel(decided, tick=False):
        complaint = services.complaint_start_investigation(
            complaint=file_complaint(alice), actor=agent, priority="P3", team=Team.objects.get(code="trade_risk"), assignee=agent
        )
        decision = services.Decision(
            outcome=Outcome.UPHELD, liability=Liability.PLATFORM_FAULT, reasons="Late fill.", recourse="Appeal within 30 days.",
            remedies=(services.RemedyInput(kind=RemedyKind.APOLOGY),),
        )  # fmt: skip
        services.complaint_propose_resolution(complaint=complaint, actor=agent, decision=decision)

    _send("escalation.tasks.sweep_due", worker)

    def done():
        resolved = Complaint.objects.filter(pk=complaint.pk, state=State.RESOLVED).exists()
        sent = Notification.objects.filter(complaint=complaint, kind=DEEMED_ACCEPTANCE, status=Notification.Status.SENT).exists()
        return resolved and sent

    assert _wait_for(done), "the worker did not deem the decision accepted and send the notice"
