"""A real server for the benchmarks: gunicorn (2 workers) on the bench database, loopback only.

A scenario that stands for an API call times the whole HTTP call against it, beside the
in-process figure (DESIGN.md: the view, serializers and rendering are part of the cost).

The server is bound to 127.0.0.1 on a free port, runs under `timeout` so that it stops by
itself even when the bench is killed, and is stopped when the `with` block ends.
"""

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from bench import generate

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2
LIFETIME_SECONDS = 30 * 60  # the server never outlives a forgotten bench by more than this
# A Redis database of the bench's own (the tests use 15): the server's cache lives there.
BENCH_REDIS_URL = "redis://127.0.0.1:6379/13"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_environment() -> dict[str, str]:
    """Production settings (DEBUG=0) on the bench database, plain HTTP on loopback."""
    from django.conf import settings  # configured by the bench before any server starts

    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "DEBUG", "DATABASE_URL", "REDIS_URL"}
    }
    return env | {
        "DJANGO_SETTINGS_MODULE": "governance.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        # The bench process's own keys (DEBUG's development ones), so that the server reads
        # what the generator encrypted.
        "SENSITIVE_DATA_KEYS": settings.SENSITIVE_DATA_KEYS,
        "SENSITIVE_DATA_KEY_ID": settings.SENSITIVE_DATA_KEY_ID,
        "SENSITIVE_INDEX_KEY": settings.SENSITIVE_INDEX_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": generate.bench_database_url(),
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", BENCH_REDIS_URL),
        "SECURE_SSL_REDIRECT": "0",  # no TLS proxy in front of the bench
        "BEHIND_TLS_PROXY": "0",
        "OTP_REQUIRED": "0",
        "LOG_LEVEL": "WARNING",
        "API_THROTTLE_USER": "1000000/minute",
    }


@contextmanager
def gunicorn_server(*, workers: int = WORKERS) -> Iterator[str]:
    """Start gunicorn, wait for /healthz, yield its base URL; stop it afterwards."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    command = [
        *("timeout", "--signal=TERM", "--kill-after=10", str(LIFETIME_SECONDS)),
        *(sys.executable, "-m", "gunicorn", "governance.wsgi"),
        *("--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--timeout", "120"),
        *("--log-level", "warning"),
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=server_environment(), start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped at start (exit {process.returncode})")
            try:
                if requests.get(f"{base}/healthz", timeout=10).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not answer /healthz within 60 s")
            time.sleep(0.2)
        yield base
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def timed_request(session: requests.Session, method: str, url: str, **kwargs):
    """(seconds, response) for one whole call: request sent, answer read to the last byte."""
    started = time.perf_counter()
    response = session.request(method, url, timeout=120, **kwargs)
    _ = response.content
    return time.perf_counter() - started, response
