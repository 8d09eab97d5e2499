"""A small ledger whose quality figures are known (tests of the 台账质量 figures)."""

import datetime

from django.utils import timezone

from grid.models import Area
from population.models import OrganisationKind
from population.services import resident_move_out
from tests.factories import SYSTEM, ResidentFactory
from tests.population.factories import (
    HouseFactory,
    HouseholdFactory,
    OrganisationFactory,
    SpecialGroupRecordFactory,
    VisitFactory,
)


def ledger_build(areas: dict[str, Area], users: dict) -> dict:
    """street_a: community_a (grid_a expects 4 households, grid_b 2) is partly collected;
    community_b has a grid with no expected count. The comments give each figure's share."""
    grid_a, grid_b = areas["grid_a"], areas["grid_b"]
    Area.objects.filter(pk=grid_a.pk).update(expected_households=4)
    Area.objects.filter(pk=grid_b.pk).update(expected_households=2)
    first, second = areas["community_b"].children.order_by("code")
    Area.objects.filter(pk=first.pk).update(expected_households=5)
    # grid_a: two households with a member, one empty one (not counted)
    complete = ResidentFactory(grid=grid_a, phone="13912345678", address="1幢101")
    no_phone = ResidentFactory(grid=grid_a, address="1幢102")
    HouseholdFactory(house=HouseFactory(grid=grid_a), head=complete)
    HouseholdFactory(house=HouseFactory(grid=grid_a), head=no_phone)
    HouseholdFactory(house=HouseFactory(grid=grid_a))
    # no household, phone or address: counted three times
    loner = ResidentFactory(grid=grid_a)
    # moved away: counted nowhere
    gone = ResidentFactory(grid=grid_a)
    resident_move_out(actor=SYSTEM, resident=gone, happened_on=datetime.date.today())
    # grid_b: one complete household
    member_b = ResidentFactory(grid=grid_b, phone="13912345679", address="2幢201")
    HouseholdFactory(house=HouseFactory(grid=grid_b), head=member_b)
    # rentals: one not filed in grid_b, one filed in grid_a
    HouseFactory(grid=grid_b, is_rented=True, landlord_name="王房东")
    HouseFactory(
        grid=grid_a, is_rented=True, landlord_name="李房东", filed_on=datetime.date.today()
    )
    # organisations: a 两新 one without contacts; a key unit needs none
    OrganisationFactory(grid=grid_a, kind=OrganisationKind.NEW_SOCIAL)
    OrganisationFactory(grid=grid_a)
    # special groups: one overdue (since 40 days, every 30), one not yet due
    today = timezone.localdate()
    SpecialGroupRecordFactory(
        resident=member_b, since=today - datetime.timedelta(days=40), follow_up_days=30
    )
    SpecialGroupRecordFactory(resident=complete, since=today, follow_up_days=30)
    # visits: two within 30 days in grid_a, one older; workers: grid_worker_a and _b
    now = timezone.now()
    for days in (0, 29, 40):
        VisitFactory(
            grid=grid_a,
            worker=users["grid_worker_a"],
            visited_at=now - datetime.timedelta(days=days),
        )
    return {"loner": loner, "gone": gone, "no_phone": no_phone, "second": second}
