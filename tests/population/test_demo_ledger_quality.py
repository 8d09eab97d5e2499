from django.core.management import call_command

from governance.models import User
from grid.models import Area, AreaLevel
from population.demo import NEWCOMER
from population.models import Resident
from population.selectors import ledger_quality


def test_the_demo_shows_thin_and_complete_grids_once(db, settings):
    """P1: every demo grid has an expected count, and the rates differ from grid to grid."""
    settings.DEMO_MODE = True
    call_command("load_demo")
    assert not Area.objects.filter(level=AreaLevel.GRID, expected_households__isnull=True).exists()
    worker = User.objects.get(username="gridworker")
    assert ledger_quality(user=worker).total.collection_rate is not None
    admin = User.objects.get(username="admin")
    communities = ledger_quality(user=admin, area=worker.home_area.parent.parent).rows
    rates = {row.collection_rate for row in communities}
    assert len(rates) > 1
    district = ledger_quality(user=admin).total
    assert district.without_household > 0 and district.missing_phone > 0
    newcomers = Resident.objects.filter(name=NEWCOMER).count()
    call_command("load_demo")
    assert Resident.objects.filter(name=NEWCOMER).count() == newcomers
