"""A dump of the database holds no ID number or phone in clear (issue 7: "a test greps one")."""

import datetime
import os
import shutil
import subprocess

import pytest
from django.db import connection

from population.models import ResidentStatus
from population.services import resident_register, resident_reveal, resident_update
from tests.factories import ResidentFactory

PHONE = "13700001234"
NEW_PHONE = "0571-86001234"


def dump() -> str:
    settings = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": settings["PASSWORD"] or ""}
    result = subprocess.run(
        [
            "pg_dump",
            "--host",
            settings["HOST"] or "127.0.0.1",
            "--port",
            str(settings["PORT"] or 5432),
            "--username",
            settings["USER"],
            "--no-owner",
            settings["NAME"],
        ],  # fmt: skip
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode()


@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump is not installed here")
@pytest.mark.django_db(transaction=True)  # committed rows: pg_dump reads from its own session
def test_a_database_dump_holds_no_id_number_or_phone_in_clear(areas, users):
    resident = ResidentFactory(grid=areas["grid_a"], name="王秀兰", phone=PHONE)
    resident_update(actor=users["grid_worker_a"], resident=resident, phone=NEW_PHONE)
    resident_reveal(actor=users["grid_worker_a"], resident=resident, reason="核实")
    # A foreign national without an ID number (P10): the passport is encrypted and indexed.
    foreign = resident_register(
        actor=users["grid_worker_a"], grid=areas["grid_a"], name="KIM MINJUN",
        status=ResidentStatus.FOREIGN, passport_number="M70001234", nationality="KOR",
        sex="male", birth_date=datetime.date(1988, 5, 1),
    )  # fmt: skip
    resident_reveal(actor=users["grid_worker_a"], resident=foreign, reason="核对护照")
    text = dump()
    assert "王秀兰" in text and "KIM MINJUN" in text  # the dump does hold the resident's row
    number = resident.id_number
    secrets = (number, number.lower(), PHONE, NEW_PHONE, NEW_PHONE.replace("-", ""), "M70001234")
    for secret in secrets:
        assert secret not in text, f"{secret} is in the dump in clear"
