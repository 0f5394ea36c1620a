"""The Celery app for the end-to-end worker test: the project's app, on a queue of its own, so
a worker some other test or person runs on the same broker never takes these tasks."""

import os

from config.celery import app

app.conf.task_default_queue = os.environ.get("REDRESS_E2E_QUEUE", "celery")

__all__ = ["app"]
