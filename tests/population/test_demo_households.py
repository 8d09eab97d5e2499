from django.core.management import call_command

from governance.models import User
from grid.models import Area, AreaLevel
from population.models import House, Household
from population.selectors import household_list, rentals_not_filed


def test_the_demo_has_houses_households_and_unfiled_rentals_in_every_grid_once(db, settings):
    """P4: the demo shows rentals filed and not filed; P25: households with their members."""
    settings.DEMO_MODE = True
    call_command("load_demo")
    grids = Area.objects.filter(level=AreaLevel.GRID).count()
    assert House.objects.values("grid").distinct().count() == grids
    worker = User.objects.get(username="gridworker")
    mine = list(household_list(user=worker))
    assert len(mine) == 4
    assert sum(len(h.members.all()) for h in mine) == 6  # every demo resident of the grid
    assert rentals_not_filed(user=worker).count() == 2
    total = (House.objects.count(), Household.objects.count())
    call_command("load_demo")
    assert (House.objects.count(), Household.objects.count()) == total
