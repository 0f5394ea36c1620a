"""Redress settings: one module, driven by the environment.

With no environment at all it runs the embedded default: SQLite under var/, a real Celery
worker on kombu's filesystem:// broker, e-mail to the console and a local-memory cache.
Setting DATABASE_URL, CELERY_BROKER_URL, CACHE_URL, SECRET_KEY and ALLOWED_HOSTS makes it
production. A value that can't be parsed stops start-up with a message naming the variable.
"""

import secrets
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("REDRESS_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _bool(name: str, default: bool) -> bool:
    """Like env.bool, but 'maybe' is an error rather than a silent False."""
    raw = env.str(name, default=None)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def _parsed(name: str, parse, default):
    """Parse an environment variable, naming it when its value is bad."""
    try:
        return parse(name, default=default)
    except (ImproperlyConfigured, ValueError, KeyError, TypeError) as error:
        raise ImproperlyConfigured(f"{name} has a bad value: {error}") from error


def _positive_int(name: str, default: int) -> int:
    value = _parsed(name, env.int, default)
    if value <= 0:
        raise ImproperlyConfigured(f"{name} must be a positive whole number, not {value}")
    return value


def _embedded_secret_key() -> str:
    """The embedded default keeps a generated key under var/, never in the repository."""
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _embedded_seal_key() -> str:
    """Like the secret key: generated once under var/ for the embedded default. Production sets
    AUDIT_SEAL_KEY and keeps it away from the database and its backups."""
    key_file = VAR_DIR / "audit_seal_key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


DEBUG = _bool("DEBUG", False)
SECRET_KEY = env.str("SECRET_KEY", default=None) or _embedded_secret_key()
ALLOWED_HOSTS = _parsed("ALLOWED_HOSTS", env.list, ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = _parsed("CSRF_TRUSTED_ORIGINS", env.list, [])

INSTALLED_APPS = [
    "complaints.console.apps.ConsoleAdminConfig",  # django.contrib.admin with the console's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_fsm",
    "simple_history",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "accounts",
    "complaints",
    "complaints.channels",
    "escalation",
    "complaints.reporting",
    "complaints.compliance",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": _parsed("DATABASE_URL", env.db_url, f"sqlite:///{VAR_DIR / 'redress.sqlite3'}")
}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.postgresql":
    # Options in the URL arrive as strings (?pool=true breaks), so they are set here.
    if _bool("DATABASE_POOL", True):
        _db.setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": _positive_int("DATABASE_POOL_MAX_SIZE", 8),
            "timeout": 30,
        }
        _db["CONN_MAX_AGE"] = 0
    # The hot path's statements (config.database.prepared_cursor) are prepared once per
    # connection, on their second run. Off for a pooler that can't keep prepared statements
    # (PgBouncer in transaction mode before 1.21): DATABASE_PREPARED_STATEMENTS=false.
    _db.setdefault("OPTIONS", {})["prepare_threshold"] = 1 if _bool("DATABASE_PREPARED_STATEMENTS", True) else None
elif _db["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions let the web process and the embedded worker queue for the write
    # lock instead of failing with "database is locked" when a read upgrades to a write.
    _db.setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
    Path(_db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
else:
    raise ImproperlyConfigured("DATABASE_URL must name PostgreSQL or SQLite")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, e-mail ----------------------------------------------------------------------------
CACHES = {"default": _parsed("CACHE_URL", env.cache_url, "locmemcache://")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "config.cache.RedisCache"  # one client per pool, not per operation
    # Sessions are read from the shared cache and written through to the database: a signed-in
    # request no longer queries the session table. Not with a per-process cache, where a
    # session ended in one worker would live on in another's copy.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
globals().update(_parsed("EMAIL_URL", env.email_url, "consolemail://"))  # EMAIL_BACKEND, EMAIL_HOST, …
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Redress <complaints@redress.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery -----------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.split("://", 1)[0] not in {"filesystem", "redis", "rediss", "amqp", "amqps"}:
    raise ImproperlyConfigured("CELERY_BROKER_URL must be filesystem://, redis:// or amqp://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir, _control_dir = VAR_DIR / "celery" / "queue", VAR_DIR / "celery" / "control"
    for _folder in (_queue_dir, _control_dir):
        _folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "control_folder": str(_control_dir),  # kombu's default is ./control, in whatever the cwd is
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = _bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BEAT_SCHEDULE: dict = {
    # Deadlines are due times on rows, swept every minute (never long ETA tasks). A sweep
    # that waited past the next one's start is dropped rather than run late.
    "escalation-sweep": {"task": "escalation.tasks.sweep_due", "schedule": 60.0, "options": {"expires": 55}},
    # Report facts (complaints.reporting): every minute those of the complaints changed since
    # the last run; once a day all of them, as a repair.
    "reporting-refresh-recent": {"task": "complaints.reporting.tasks.refresh_recent", "schedule": 60.0, "options": {"expires": 55}},
    "reporting-refresh-daily": {"task": "complaints.reporting.tasks.refresh_all", "schedule": 24 * 3600.0},
    # Just after midnight UTC: seal the day's audit chains, then erase what retention allows.
    "audit-seal": {"task": "complaints.compliance.tasks.seal_daily", "schedule": crontab(minute=5, hour=0)},
    "retention-sweep": {"task": "complaints.compliance.tasks.retention_sweep", "schedule": crontab(minute=30, hour=0)},
}

# --- Auth -------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:sign-in"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out user before checking a password
    "accounts.backends.ProfileModelBackend",
]
# Guessing: five failures for one account from one address lock it out for an hour.
AXES_FAILURE_LIMIT = _positive_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(hours=1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Both sign-in forms (admin, portal) call authenticate(username=…); axes would otherwise read
# USERNAME_FIELD ("email") from the credentials, find nothing, and never lock the account.
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = _bool("AXES_ENABLED", True)
# Staff sign in to the admin with a TOTP second factor; on by default outside the demo.
REDRESS_STAFF_REQUIRE_2FA = _bool("REDRESS_STAFF_REQUIRE_2FA", not DEBUG)
OTP_TOTP_ISSUER = "Redress"
RATELIMIT_USE_CACHE = "default"
RATELIMIT_ENABLE = _bool("RATELIMIT_ENABLE", True)

# --- Languages and time -----------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

# --- Files --------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns at start-up when it is missing
STATICFILES_DIRS = [BASE_DIR / "static"]
# Evidence lives outside static/ and has no public URL: it is served only by a view that
# checks permission first.
EVIDENCE_ROOT = Path(env.str("EVIDENCE_ROOT", default=str(VAR_DIR / "evidence")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "evidence": {
        "BACKEND": env.str(
            "EVIDENCE_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"
        ),
        "OPTIONS": {"location": str(EVIDENCE_ROOT), "base_url": None},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- Security -----------------------------------------------------------------------------------
SECURE_SSL_REDIRECT = _bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = _parsed("SECURE_HSTS_SECONDS", env.int, 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if _bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- History ------------------------------------------------------------------------------------
SIMPLE_HISTORY_REVERT_DISABLED = True
SIMPLE_HISTORY_ENFORCE_HISTORY_MODEL_PERMISSIONS = True

# --- The desk's own rules (regimes and SLA policies in the escalation app refine these) ----------
REDRESS_REFERENCE_CURRENCY = env.str("REDRESS_REFERENCE_CURRENCY", default="USD")
REDRESS_APPEAL_WINDOW_DAYS = _positive_int("REDRESS_APPEAL_WINDOW_DAYS", 30)
REDRESS_DEEMED_ACCEPTANCE_DAYS = _positive_int("REDRESS_DEEMED_ACCEPTANCE_DAYS", 14)
REDRESS_NO_RESPONSE_DAYS = _positive_int("REDRESS_NO_RESPONSE_DAYS", 14)
REDRESS_REOPEN_WINDOW_DAYS = _positive_int("REDRESS_REOPEN_WINDOW_DAYS", 30)
REDRESS_ARCHIVE_AFTER_DAYS = _positive_int("REDRESS_ARCHIVE_AFTER_DAYS", 90)
REDRESS_DECISION_DEADLINE_MONTHS = _positive_int("REDRESS_DECISION_DEADLINE_MONTHS", 2)
REDRESS_FIRST_RESPONSE_HOURS = _positive_int("REDRESS_FIRST_RESPONSE_HOURS", 24)
REDRESS_DESK_EMAIL = env.str("REDRESS_DESK_EMAIL", default="complaints@redress.example")
REDRESS_PORTAL_URL = env.str("REDRESS_PORTAL_URL", default="http://127.0.0.1:8000/")
REDRESS_REMINDER_DAYS_BEFORE = _positive_int("REDRESS_REMINDER_DAYS_BEFORE", 3)
# Account-freeze requests for P1 account-security complaints are POSTed here (JSON, with an
# Idempotency-Key and, when a secret is set, an X-Redress-Signature HMAC). Empty: recorded only.
FREEZE_WEBHOOK_URL = env.str("FREEZE_WEBHOOK_URL", default="")
if FREEZE_WEBHOOK_URL and not FREEZE_WEBHOOK_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured("FREEZE_WEBHOOK_URL must be an http(s):// URL")
FREEZE_WEBHOOK_SECRET = env.str("FREEZE_WEBHOOK_SECRET", default="")

# --- Compliance: seals over the audit chains, retention ------------------------------------------
# The seal key signs the daily seals (HMAC-SHA256); it is never stored in the database.
AUDIT_SEAL_KEY = env.str("AUDIT_SEAL_KEY", default=None) or _embedded_seal_key()
if len(AUDIT_SEAL_KEY) < 32:
    raise ImproperlyConfigured("AUDIT_SEAL_KEY must be at least 32 characters")
# Each seal is also written here, one file per seal, outside the database (and POSTed to the URL if set).
AUDIT_SEAL_DIR = Path(env.str("AUDIT_SEAL_DIR", default=str(VAR_DIR / "seals")))
AUDIT_SEAL_URL = env.str("AUDIT_SEAL_URL", default="")
if AUDIT_SEAL_URL and not AUDIT_SEAL_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured("AUDIT_SEAL_URL must be an http(s):// URL")
# Years after closure that a complaint keeps its personal data when its regime names no period.
REDRESS_RETENTION_DEFAULT_YEARS = _positive_int("REDRESS_RETENTION_DEFAULT_YEARS", 5)

# --- Channels: e-mail in (IMAP or a Maildir) and the intake API ----------------------------------
# Outgoing customer e-mail carries Reply-To: <desk local part>+<reply token>@<desk domain>, so
# the desk's mailbox must accept plus-addressing.
if "@" not in REDRESS_DESK_EMAIL:
    raise ImproperlyConfigured("REDRESS_DESK_EMAIL must be an e-mail address")
# imaps://user:password@imap.example.com:993/INBOX (or imap:// with STARTTLS); empty: not fetched.
REDRESS_IMAP_URL = env.str("REDRESS_IMAP_URL", default="")
if REDRESS_IMAP_URL and not REDRESS_IMAP_URL.startswith(("imap://", "imaps://")):
    raise ImproperlyConfigured("REDRESS_IMAP_URL must be an imap:// or imaps:// URL")
REDRESS_MAILDIR = env.str("REDRESS_MAILDIR", default="")  # a Maildir folder read instead of IMAP
REDRESS_MAIL_FETCH_SECONDS = _positive_int("REDRESS_MAIL_FETCH_SECONDS", 60)
if REDRESS_IMAP_URL or REDRESS_MAILDIR:
    CELERY_BEAT_SCHEDULE["channels-fetch-mail"] = {
        "task": "complaints.channels.tasks.fetch_mail",
        "schedule": float(REDRESS_MAIL_FETCH_SECONDS),
        "options": {"expires": REDRESS_MAIL_FETCH_SECONDS - 1 or 1},
    }
REDRESS_RATE_API = env.str("REDRESS_RATE_API", default="120/m")  # per integration token

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
