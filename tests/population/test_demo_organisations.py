from django.core.management import call_command

from governance.credit_code import credit_code_validate
from governance.models import User
from grid.models import Area, AreaLevel
from population.models import Organisation, VitalPart
from population.selectors import LACKING_CONTACTS, SIZE_RULE, organisation_list


def test_the_demo_registers_organisations_in_every_grid_once(db, settings):
    settings.DEMO_MODE = True
    call_command("load_demo")
    grids = Area.objects.filter(level=AreaLevel.GRID)
    assert set(Organisation.objects.values_list("grid", flat=True)) == set(
        grids.values_list("pk", flat=True)
    )
    codes = [o.credit_code for o in Organisation.objects.exclude(credit_code="")]
    assert all(credit_code_validate(code) == code for code in codes)
    worker = User.objects.get(username="gridworker")
    assert organisation_list(user=worker, problem=LACKING_CONTACTS).exists()
    assert organisation_list(user=worker, problem=SIZE_RULE).exists()
    assert VitalPart.objects.filter(organisation__grid=worker.home_area).count() == 2
    total = Organisation.objects.count()
    call_command("load_demo")
    assert Organisation.objects.count() == total
