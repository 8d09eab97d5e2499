"""The fixtures of the scoping matrix, for every module of tests/scoping/: the world, built
once per test module inside one transaction, and a `db` that runs each test in a savepoint
of it. A module whose tests ask for neither (test_routes_declared.py) builds no world."""

import pytest
from django.db import connection, transaction

from tests.scoping.world import World


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once per test module inside one transaction that is rolled back at the module's
    end; each test (`db`) runs in a savepoint of it."""
    with django_db_blocker.unblock():
        assert connection.settings_dict["NAME"].startswith("test_"), "not the test database"
        outer = transaction.atomic()
        outer.__enter__()
        try:
            built = World()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def db(world, django_db_blocker):
    """This package's `db`, in place of pytest-django's for every module of tests/scoping/:
    one savepoint of the world's transaction per cell, rolled back after it. (pytest-django's
    `db` opens a whole TestCase per test, which costs more than most cells; the name still
    tells pytest-django to create the test database.)"""
    with django_db_blocker.unblock(), transaction.atomic():
        yield world
        transaction.set_rollback(True)
