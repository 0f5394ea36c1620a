"""The settings module as an operator meets it: production checks clean, bad values fail loudly."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/redress",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "CACHE_URL": "redis://127.0.0.1:6379/1",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "desk.example.com",
}


def manage(*args, env: dict, tmp_path) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION and k != "DEBUG"}
    clean.update(REDRESS_VAR_DIR=str(tmp_path), **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def test_production_settings_pass_the_deployment_checklist(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_the_embedded_default_needs_no_environment(tmp_path):
    result = manage("check", env={}, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "secret_key").exists(), "the embedded key is generated under var/, not shipped"


@pytest.mark.parametrize(
    "name, value",
    [
        ("DEBUG", "maybe"),
        ("DATABASE_URL", "mysql://root@localhost/redress"),
        ("CELERY_BROKER_URL", "kafka://localhost"),
        ("REDRESS_APPEAL_WINDOW_DAYS", "thirty"),
        ("REDRESS_APPEAL_WINDOW_DAYS", "0"),
        ("SECURE_HSTS_SECONDS", "a year"),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_variable(tmp_path, name, value):
    result = manage("check", env={name: value}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert name in result.stderr
    assert "ImproperlyConfigured" in result.stderr


@pytest.mark.parametrize(
    "cache_url, engine",
    [
        ("redis://127.0.0.1:6379/1", "django.contrib.sessions.backends.cached_db"),
        ("locmemcache://", "django.contrib.sessions.backends.db"),
    ],
)
def test_sessions_are_cached_only_in_a_cache_every_worker_shares(tmp_path, cache_url, engine):
    """A session signed out in one worker must not live on in another worker's own cache."""
    show = "from django.conf import settings; print(settings.SESSION_ENGINE)"
    result = manage("shell", "-c", show, env={"CACHE_URL": cache_url}, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == engine  # after shell's own import notice


@pytest.mark.parametrize("switch, threshold", [(None, "1"), ("false", "None")])
def test_prepared_statements_can_be_turned_off_for_a_pooler_that_cannot_keep_them(tmp_path, switch, threshold):
    show = "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS']['prepare_threshold'])"
    env = {"DATABASE_URL": PRODUCTION["DATABASE_URL"], **({"DATABASE_PREPARED_STATEMENTS": switch} if switch else {})}
    result = manage("shell", "-c", show, env=env, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == threshold
