from auditlog.models import LogEntry
from django.core.management import call_command

from governance.identity import id_number_validate
from governance.models import User
from population.models import Resident
from population.selectors import resident_list


def test_the_demo_registers_valid_residents_in_the_grid_workers_grid_once(db, settings):
    settings.DEMO_MODE = True
    call_command("load_demo")
    worker = User.objects.get(username="gridworker")
    mine = list(resident_list(user=worker))
    assert len(mine) == 6 and {r.grid_id for r in mine} == {worker.home_area_id}
    assert all(id_number_validate(r.id_number) == r.id_number for r in Resident.objects.all())
    total = Resident.objects.count()
    assert total > len(mine)
    call_command("load_demo")
    assert Resident.objects.count() == total


def test_the_demo_shows_one_logged_reveal_in_the_grid_workers_grid(db, settings):
    settings.DEMO_MODE = True
    call_command("load_demo")
    call_command("load_demo")
    (entry,) = LogEntry.objects.filter(action=LogEntry.Action.ACCESS)
    assert entry.actor.username == "gridworker" and entry.additional_data["reason"]
