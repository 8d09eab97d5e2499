"""Behind the portal's proxy, a client cannot escape the anonymous rate by writing its own
X-Forwarded-For: the throttle counts the address that our proxy appended."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle

from tests.api.test_throttling import fresh_counters  # noqa: F401  (autouse)

REAL_CLIENT = "203.0.113.7"


@pytest.fixture
def two_a_minute(monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "2/minute"})


def codes_with_forged_addresses(forwarded_for) -> list[int]:
    client = APIClient()
    return [
        client.get("/api/schema/", HTTP_X_FORWARDED_FOR=forwarded_for(n)).status_code
        for n in range(3)
    ]


def test_behind_one_proxy_a_forged_forwarded_for_does_not_escape_the_limit(db, two_a_minute):
    # The client forges the first entry; our proxy appends the address it really saw.
    codes = codes_with_forged_addresses(lambda n: f"10.9.8.{n}, {REAL_CLIENT}")
    assert codes == [200, 200, 429]


def test_behind_one_proxy_distinct_clients_keep_their_own_counters(db, two_a_minute):
    codes = codes_with_forged_addresses(lambda n: f"198.51.100.{n}")
    assert codes == [200, 200, 200]


def test_without_a_proxy_forwarded_for_is_ignored(db, two_a_minute, settings):
    with override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "NUM_PROXIES": 0}):
        assert codes_with_forged_addresses(lambda n: f"10.9.8.{n}") == [200, 200, 429]


@pytest.mark.parametrize(
    ("environment", "expected"),
    [({}, 1), ({"BEHIND_TLS_PROXY": "0"}, 0), ({"BEHIND_TLS_PROXY": "1", "NUM_PROXIES": "2"}, 2)],
)
def test_the_proxy_count_follows_the_deployment_setting(environment, expected):
    env = {k: v for k, v in os.environ.items() if k not in {"BEHIND_TLS_PROXY", "NUM_PROXIES"}}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from governance import settings; print(settings.REST_FRAMEWORK['NUM_PROXIES'])",
        ],
        cwd=Path(__file__).resolve().parents[2],
        env=env | {"DEBUG": "1"} | environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split()[-1:] == [str(expected)], result.stderr
