import uuid

import pytest
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle


@pytest.fixture(autouse=True)
def fresh_counters(monkeypatch):
    """Counters live in Redis, shared by every run; give this test keys of its own."""
    run = uuid.uuid4().hex
    monkeypatch.setattr(SimpleRateThrottle, "cache_format", f"throttle_{run}_%(scope)s_%(ident)s")


def test_a_caller_over_its_rate_gets_429_json(street_token, monkeypatch):
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "3/minute"})
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {street_token}")
    assert [client.get("/api/v1/areas/").status_code for _ in range(3)] == [200, 200, 200]
    response = client.get("/api/v1/areas/")
    assert response.status_code == 429
    assert "throttled" in response.json()["detail"].lower()
    assert int(response["Retry-After"]) > 0


def test_anonymous_callers_have_their_own_lower_rate(db, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "2/minute"})
    client = APIClient()
    codes = [client.get("/api/schema/").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
