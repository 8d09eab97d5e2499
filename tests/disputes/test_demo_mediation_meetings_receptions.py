from django.core.management import call_command

from disputes.case_selectors import mediation_organisations_routed
from disputes.models import Case, MediationOrganisation, MediationSession, Mediator
from governance.models import User
from governance.scoping import visible_to


def test_the_demo_has_a_register_of_mediation_organisations_routing_its_cases_once(db, settings):
    """D19: the district's bodies by category, each street's committee and rooms, the grid
    worker's community's room with its mediators and the session it held; a second load
    adds nothing."""
    settings.DEMO_MODE = True
    call_command("load_demo")
    district = visible_to(User.objects.get(username="admin"), MediationOrganisation.objects.all())
    assert district.filter(categories__code="medical").exists()
    assert district.filter(kind="peace_justice_room").count() == 3  # one per street
    street = visible_to(User.objects.get(username="office"), MediationOrganisation.objects.all())
    assert street.filter(kind="peace_justice_room").count() == 1  # its own street's
    room = MediationOrganisation.objects.get(kind="peoples_room")
    assert set(
        Mediator.objects.filter(mediation_organisation=room).values_list("name", flat=True)
    ) == {"陈淑芬", "王大伯"}
    assert MediationSession.objects.filter(organisation=room).exists()
    labour = Case.objects.filter(category__code="labour").first()
    assert labour is not None
    assert (
        mediation_organisations_routed(case=labour)
        .first()
        .categories.filter(code="labour")
        .exists()
    )
    total = MediationOrganisation.objects.count()
    call_command("load_demo")
    assert MediationOrganisation.objects.count() == total


def test_the_demo_has_a_leaders_receptions_past_and_coming_once(db, settings):
    """D24: last week's reception opened a case the leader took; next week's is booked."""
    from disputes.models import ReceptionBooking, ReceptionSlot

    settings.DEMO_MODE = True
    call_command("load_demo")
    leader = User.objects.get(username="leader")
    assert ReceptionSlot.objects.filter(leader=leader).count() == 2
    heard = ReceptionBooking.objects.get(status="received")
    assert heard.case.source == "leader_reception" and heard.case.responsible_leader == leader
    assert ReceptionBooking.objects.filter(status="booked").count() == 2
    call_command("load_demo")
    assert ReceptionSlot.objects.count() == 2


def test_the_demo_has_a_meeting_with_a_done_and_an_open_decision_once(db, settings):
    """D14: the street office's meeting discussed its agenda; the 司法局 closed its task."""
    from disputes.models import Meeting

    settings.DEMO_MODE = True
    call_command("load_demo")
    meeting = Meeting.objects.get()
    assert meeting.cases.exists()
    assert sorted(d.done_at is not None for d in meeting.decisions.all()) == [False, True]
    grouped = meeting.cases.filter(task_group__lead=True).get()  # D16
    assert grouped.actions.filter(action="group_report").exists()
    call_command("load_demo")
    assert Meeting.objects.count() == 1
