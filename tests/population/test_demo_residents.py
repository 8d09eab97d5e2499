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
    # PEOPLE, a floating worker and a foreign national of the permits demo (P3, P10), and the
    # two key youth of the drives demo (P16).
    assert len(mine) == 10 and {r.grid_id for r in mine} == {worker.home_area_id}
    # The demo's Korean engineer has no 身份证 (P10): known by his passport instead.
    people = list(Resident.objects.all())
    assert all(id_number_validate(r.id_number) == r.id_number for r in people if r.id_number)
    without = [r for r in people if not r.id_number]
    assert without and all(r.status == "foreign" and r.passport_number for r in without)
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


def test_the_demo_shows_special_groups_in_every_grid_with_residents_once(db, settings):
    """P17, P20, P21: open first-month aid, a relapse, a high-risk patient without guardian."""
    from population.models import SpecialGroupRecord
    from population.selectors import follow_ups_due, high_risk_without_guardian

    settings.DEMO_MODE = True
    call_command("load_demo")
    from django.db.models import Count

    grids = set(
        Resident.objects.values("grid")
        .annotate(people=Count("pk"))
        .filter(people__gte=4)
        .values_list("grid", flat=True)
    )
    tagged = set(SpecialGroupRecord.objects.values_list("resident__grid", flat=True))
    assert grids == tagged
    office = User.objects.get(username="office")
    purposes = {item.purpose for item in follow_ups_due(user=office)}
    assert {"follow_up", "first_month_aid"} <= purposes
    assert high_risk_without_guardian(user=office).exists()
    total = SpecialGroupRecord.objects.count()
    call_command("load_demo")
    assert SpecialGroupRecord.objects.count() == total


def test_the_demo_imports_people_into_every_grid_and_leaves_the_office_one_to_load(db, settings):
    from grid.models import Area, AreaLevel
    from population.imports import resident_import_load
    from population.models import ResidentImport

    settings.DEMO_MODE = True
    call_command("load_demo")
    office = User.objects.get(username="office")
    outside = Area.objects.filter(level=AreaLevel.GRID).exclude(
        path__startswith=office.home_area.path
    )
    assert all(Resident.objects.filter(grid=grid).exists() for grid in outside)
    pending = ResidentImport.objects.get(status="checked")
    assert pending.uploaded_by == office and len(pending.rejected_rows) == 2
    assert {p["column"] for p in pending.problems} == {"id_number"}
    call_command("load_demo")
    assert ResidentImport.objects.count() == 2
    loaded = resident_import_load(actor=office, resident_import=pending, valid_only=True)
    assert loaded.loaded_count == pending.row_count - 2
    grids = Area.objects.filter(level=AreaLevel.GRID)
    assert all(Resident.objects.filter(grid=grid).exists() for grid in grids)
