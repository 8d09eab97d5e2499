from django.core.management import call_command

from governance.models import User
from grid.models import Area, AreaLevel
from population.compound_selectors import compound_coverage, compound_list
from population.models import Compound, House, Organisation, SecurityBody


def test_the_demo_shows_compounds_and_security_bodies_to_each_role(db, settings):
    """P27: two compounds per community, one complete, one without its owners' committee,
    houses assigned; P13: the larger enterprises' security bodies. Loaded once."""
    settings.DEMO_MODE = True
    call_command("load_demo")
    communities = Area.objects.filter(level=AreaLevel.COMMUNITY)
    assert Compound.objects.values("grid__parent").distinct().count() == communities.count()
    worker = User.objects.get(username="gridworker")
    mine = list(compound_list(user=worker))
    assert [compound.four_in_one for compound in mine] == [True]
    assert House.objects.filter(grid=worker.home_area, compound=mine[0]).count() == 5
    office = User.objects.get(username="office")
    seen = list(compound_list(user=office))
    assert {tuple(compound.missing) for compound in seen} == {(), ("owners_committee",)}
    coverage = compound_coverage(user=office, compounds=seen)
    assert any(figures.floating for figures in coverage.values())
    assert compound_list(user=User.objects.get(username="leader")).exists()
    large = Organisation.objects.filter(security_bodies__isnull=False).distinct()
    assert large.exists() and all(organisation.has_security_body for organisation in large)
    assert SecurityBody.objects.filter(organisation__grid=worker.home_area).count() >= 5
    total = (Compound.objects.count(), SecurityBody.objects.count())
    call_command("load_demo")
    assert (Compound.objects.count(), SecurityBody.objects.count()) == total
