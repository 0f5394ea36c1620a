"""Memory settings for a benchmark run: set with ALTER SYSTEM, the server restarted, and put back
(ALTER SYSTEM RESET, restarted again) when the run ends, however it ends.

Only memory and checkpoint spacing are tuned (issue 8 allows memory settings such as
shared_buffers and work_mem); fsync and synchronous_commit are never touched. The server is the
local cluster (127.0.0.1:5432, pg_ctlcluster), so this needs root, as the bench machine gives.
"""

import contextlib
import subprocess
import time
from pathlib import Path

PG = ["-h", "127.0.0.1", "-p", "5432", "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-qAtc"]
DEFAULT = "shared_buffers=4GB effective_cache_size=16GB work_mem=16MB maintenance_work_mem=512MB max_wal_size=8GB"
NEVER = {"fsync", "synchronous_commit", "full_page_writes", "wal_sync_method"}


def parse(settings: str) -> dict[str, str]:
    """'name=value name=value' → {name: value}; refuses the durability settings."""
    pairs = dict(item.split("=", 1) for item in settings.split())
    refused = NEVER & set(pairs)
    if refused:
        raise SystemExit(f"pgtune: durability settings stay as they are: {sorted(refused)}")
    return pairs


def _psql(sql: str) -> str:
    return subprocess.run(["psql", *PG, sql], check=True, capture_output=True, text=True).stdout.strip()


def _restart() -> None:
    for version in sorted(path.name for path in Path("/etc/postgresql").iterdir()):
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"], check=True)
    for _ in range(120):
        if subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"]).returncode == 0:
            return
        time.sleep(0.5)
    raise SystemExit("pgtune: PostgreSQL did not come back after the restart")


@contextlib.contextmanager
def tuned(settings: str):
    """Run the block with these settings in force; the server's own come back afterwards."""
    pairs = parse(settings) if settings else {}
    if not pairs:
        yield {}
        return
    for name, value in pairs.items():
        _psql(f"ALTER SYSTEM SET {name} = '{value}'")
    _restart()
    try:
        yield {name: _psql(f"SHOW {name}") for name in pairs}
    finally:
        for name in pairs:
            _psql(f"ALTER SYSTEM RESET {name}")
        _restart()
