"""What people who deploy rely on: the compose file, production settings, the demo loader."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from governance.models import ApiToken, Role, User
from grid.models import Area, AreaLevel

ROOT = Path(__file__).resolve().parent.parent


def test_docker_compose_names_the_services_with_health_checks_and_volumes():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"db", "redis", "web", "worker", "beat"} <= set(services)
    for name in ("db", "redis", "web", "worker", "beat"):
        assert "healthcheck" in services[name], name
    assert "gunicorn" in services["web"]["command"]
    assert "beat" in services["beat"]["command"]
    assert {"pgdata", "redisdata"} <= set(compose["volumes"])
    for name in ("web", "worker", "beat"):
        assert services[name]["environment"]["DATABASE_URL"].startswith("postgres://")


def production_env(**extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {"DEBUG", "DJANGO_SETTINGS_MODULE", "OTP_REQUIRED", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return env | {
        "DEBUG": "0",
        "DJANGO_SETTINGS_MODULE": "governance.settings",
        "SECRET_KEY": "x7#kQ9$vLm2@pR5!zW8^nB3&cT6*yH1%dF4(gJ0)sA-eU_iO+oP=lK~qX",
        "ALLOWED_HOSTS": "portal.example.gov.cn",
        "SENSITIVE_DATA_KEYS": "k2026:8f3a61c2d94e07b5a1c3e2f4d6b8a0c9",
        "SENSITIVE_DATA_KEY_ID": "k2026",
        "SENSITIVE_INDEX_KEY": "5e0b7d2c9a4f6183e7d1c0b9a8f7e6d5",
        **extra,
    }


def production_settings(*names: str, **env: str) -> dict:
    """The named settings as production (DEBUG=0) reads them, from a fresh process."""
    script = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {list(names)!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=production_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_language_cookie_is_secure_http_only_and_same_site():
    assert production_settings(
        "LANGUAGE_COOKIE_SECURE", "LANGUAGE_COOKIE_HTTPONLY", "LANGUAGE_COOKIE_SAMESITE"
    ) == {
        "LANGUAGE_COOKIE_SECURE": True,
        "LANGUAGE_COOKIE_HTTPONLY": True,
        "LANGUAGE_COOKIE_SAMESITE": "Lax",
    }


def test_production_csp_allows_only_the_portal_and_the_tile_server():
    offline = production_settings("CONTENT_SECURITY_POLICY")["CONTENT_SECURITY_POLICY"]
    directives = offline["DIRECTIVES"]
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["img-src"] == ["'self'", "data:"]
    tiles = production_settings(
        "CONTENT_SECURITY_POLICY", MAP_TILES_URL="https://{s}.tiles.gov.local/osm/{z}/{x}/{y}.png"
    )["CONTENT_SECURITY_POLICY"]
    assert tiles["DIRECTIVES"]["img-src"] == ["'self'", "data:", "https://*.tiles.gov.local"]
    assert tiles["DIRECTIVES"]["script-src"] == ["'self'"]


def test_production_settings_pass_the_deploy_check():
    env = production_env()
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "name", ["SECRET_KEY", "SENSITIVE_DATA_KEYS", "SENSITIVE_DATA_KEY_ID", "SENSITIVE_INDEX_KEY"]
)
def test_production_refuses_to_start_without_each_key_and_names_it(name):
    env = production_env()
    del env[name]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert f"{name} must be set when DEBUG is off" in result.stderr


def test_production_refuses_malformed_sensitive_keys_at_the_check():
    env = production_env(SENSITIVE_DATA_KEY_ID="k2025")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "governance.E100" in result.stderr and "SENSITIVE_DATA_KEY_ID" in result.stderr


def test_the_demo_refuses_to_run_outside_demo_mode(db, settings):
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="DEMO_MODE"):
        call_command("load_demo")
    assert not User.objects.filter(username="admin").exists()


def test_the_demo_loads_a_district_with_one_account_per_role_and_reloads_cleanly(
    db, capsys, settings
):
    settings.DEMO_MODE = True
    call_command("load_demo")
    first = capsys.readouterr().out
    assert "Grid@Demo2026" in first and "ggp_" in first
    assert {
        u.role
        for u in User.objects.filter(
            username__in=["admin", "leader", "office", "gridworker", "api-client"]
        )
    } == {
        Role.ADMIN,
        Role.LEADER,
        Role.OFFICE_STAFF,
        Role.GRID_WORKER,
        Role.API_CLIENT,
    }
    assert Area.objects.filter(level=AreaLevel.GRID).count() == 36
    assert User.objects.get(username="gridworker").home_area.level == AreaLevel.GRID
    grids = Area.objects.count()
    call_command("load_demo")
    assert "already loaded" in capsys.readouterr().out
    assert Area.objects.count() == grids
    # One demo token per system, none piled up: the API client's (its area) and the unit
    # tokens of the department and the enterprise (P7).
    demo_tokens = ApiToken.objects.filter(name="demo")
    assert demo_tokens.count() == 3
    assert {token.client.username for token in demo_tokens} == {
        "api-client",
        "department",
        "enterprise",
    }


def test_every_model_change_has_its_migration(db):
    from io import StringIO

    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_every_data_migration_has_its_rows_restored_for_a_kept_test_database():
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations import RunPython

    from tests.conftest import DATA_MIGRATION_ROWS

    loader = MigrationLoader(None, ignore_no_migrations=True)
    data_migrations = {
        f"{app}.{name}"
        for (app, name), migration in loader.disk_migrations.items()
        if (ROOT / app).is_dir() and any(isinstance(op, RunPython) for op in migration.operations)
    }
    assert data_migrations == set(DATA_MIGRATION_ROWS), (
        "tests/conftest.py DATA_MIGRATION_ROWS must name one function per data migration that "
        "makes its rows again (a transactional test flushes them from the kept test database): "
        f"missing {sorted(data_migrations - set(DATA_MIGRATION_ROWS))}, "
        f"stale {sorted(set(DATA_MIGRATION_ROWS) - data_migrations)}"
    )
