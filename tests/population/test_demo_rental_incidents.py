from django.core.management import call_command

from governance.models import User
from population.incident_selectors import rental_incident_list
from population.models import RentalAccountability, RentalIncident


def test_the_demo_shows_incidents_at_rentals_with_decided_and_waiting_accountability(db, settings):
    """P5: the grid worker sees the one in their grid; the street office sees both and has a
    decision still to make on each; a second load adds nothing."""
    settings.DEMO_MODE = True
    call_command("load_demo")
    worker = User.objects.get(username="gridworker")
    office = User.objects.get(username="office")
    assert rental_incident_list(user=worker).count() == 1
    seen = list(rental_incident_list(user=office))
    assert len(seen) == 2
    assert all(office.has_perm("population.decide_rentalincident", each) for each in seen)
    assert [each.open_decisions for each in seen] == [2, 1]
    decided = RentalAccountability.objects.get(decided_at__isnull=False)
    assert decided.person == "landlord" and decided.decided_by == office
    call_command("load_demo")
    assert RentalIncident.objects.count() == 2
