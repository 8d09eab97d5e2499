from django.core.management import call_command

from governance.models import User
from grid.models import Area, AreaLevel
from population.models import Visit
from population.selectors import visit_list


def test_the_demo_logs_visits_in_every_grid_one_flagged_outside_each_and_only_once(db, settings):
    settings.DEMO_MODE = True
    call_command("load_demo")
    grids = Area.objects.filter(level=AreaLevel.GRID)
    for grid in grids:
        visits = Visit.objects.filter(grid=grid)
        assert visits.count() >= 5, grid
        assert visits.filter(outside_grid=True).count() == 1, grid
        assert visits.values("purpose").distinct().count() == 5, grid
    worker = User.objects.get(username="gridworker")
    mine = list(visit_list(user=worker, worker=worker))
    assert len(mine) == 5 and any(v.resident_id for v in mine)
    assert all(v.located_grid_id == v.grid_id for v in mine if not v.outside_grid)
    total = Visit.objects.count()
    call_command("load_demo")
    assert Visit.objects.count() == total
