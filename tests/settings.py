"""Test settings: the real services (PostgreSQL, Redis), fast hashing, mail kept in memory."""

import os

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
# One test database per run, so that runs side by side (a developer and CI) never collide.
DATABASES["default"]["TEST"] = {"NAME": f"test_governance_{os.getpid()}"}  # noqa: F405
