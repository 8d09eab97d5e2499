from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from governance.models import User
from population.care_selectors import special_group_care_list
from population.drive_selectors import drive_check_list, drive_progress, resident_drive_list
from population.models import DriveKind, ResidentDrive
from tests.conftest import login


def test_the_demo_has_a_running_clean_up_and_last_years_key_youth_drive_once(db, settings):
    """P8, P16, P23: each role finds the drives, their progress and the care records."""
    settings.DEMO_MODE = True
    call_command("load_demo")
    today = timezone.localdate()
    office = User.objects.get(username="office")
    worker = User.objects.get(username="gridworker")
    leader = User.objects.get(username="leader")
    cleanup = ResidentDrive.objects.get(kind=DriveKind.FLOATING_CLEANUP)
    youth = ResidentDrive.objects.get(kind=DriveKind.KEY_YOUTH_CARE)
    assert cleanup.is_running(today) and youth.ends_on < today
    assert set(resident_drive_list(user=worker)) == {cleanup, youth}
    mine = drive_check_list(user=worker, drive=cleanup)
    assert set(mine.values_list("outcome", flat=True)) >= {"confirmed", "not_found", ""}
    assert drive_check_list(user=worker, drive=youth).exclude(outcome="").count() == 2
    assert sum(row.total for row in drive_progress(user=leader, drive=youth)) >= 2
    assert special_group_care_list(user=office).count() >= 3
    assert special_group_care_list(user=worker).filter(kind="counselling").exists()
    client = Client()
    login(client, worker)
    page = client.get(f"/drives/{cleanup.pk}/").content.decode()
    assert 'data-testid="check-form"' in page
    call_command("load_demo")
    assert ResidentDrive.objects.count() == 2
