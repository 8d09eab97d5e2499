"""Test settings: the real services (PostgreSQL, Redis), fast hashing, mail kept in memory."""

import fcntl
import hashlib
import os
from pathlib import Path

os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/governance")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("OTP_REQUIRED", "1")

from governance.settings import *  # noqa: E402,F403
from governance.settings import REST_FRAMEWORK  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
GRID_INDEX_CHECK_SECONDS = 0  # every lookup sees the latest boundaries
GRID_INDEX_REBUILD_IN_BACKGROUND = False  # ... at once; tests/grid/test_index.py tests both
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"anon": "10000/minute", "user": "100000/minute"},
}
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405  live-server threads must not hold connections


# --- The test database ----------------------------------------------------------------------
# Kept between runs (`--reuse-db` in pyproject.toml), so its name must be stable, yet two runs
# must never share one. It is named after
# - the checkout's directory: two checkouts (worktrees, a developer and CI) never collide;
# - the project's migrations: a migration added, edited or removed (another branch checked
#   out) gets a fresh database instead of a stale schema (`--create-db` forces one anyway).
# A second run in the same checkout while the first holds the lock gets a database of its
# own (by process id), created and dropped by pytest-django (tests/conftest.py turns reuse
# off for it). tests/conftest.py also drops this checkout's databases of older migrations.
ROOT = Path(__file__).resolve().parent.parent


def _fingerprint(*parts: bytes) -> str:
    return hashlib.sha256(b"\0".join(parts)).hexdigest()[:8]


CHECKOUT_ID = _fingerprint(str(ROOT).encode())
MIGRATIONS_ID = _fingerprint(
    *(
        path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes()
        for path in sorted(ROOT.glob("*/migrations/*.py"))
    )
)
TEST_DATABASE_PREFIX = f"test_governance_{CHECKOUT_ID}_"
_lock = open(f"/tmp/{TEST_DATABASE_PREFIX}.lock", "w")  # noqa: SIM115  held until the run ends
try:
    fcntl.flock(_lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    TEST_DATABASE_KEPT = True
    _test_database = TEST_DATABASE_PREFIX + MIGRATIONS_ID
except BlockingIOError:
    TEST_DATABASE_KEPT = False  # another run of this checkout holds the kept database
    _test_database = f"{TEST_DATABASE_PREFIX}run{os.getpid()}"
DATABASES["default"]["TEST"] = {"NAME": _test_database}  # noqa: F405
