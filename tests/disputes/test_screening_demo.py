from django.core.management import call_command

from disputes.models import ScreeningItem, ScreeningReport, ScreeningState
from disputes.screening_selectors import screening_report_list
from governance.models import Notification, User


def test_the_demo_has_submitted_zero_late_and_missing_screenings_once(db, settings):
    """Issue 8 (Demo): recent periods with submitted (D3), zero (D4) and late reports for the
    demo district's units; the department account sees its 司法局's reports."""
    settings.DEMO_MODE = True
    call_command("load_demo")
    reports = ScreeningReport.objects.all()
    submitted = reports.filter(state=ScreeningState.SUBMITTED)
    assert submitted.filter(late=False, disputes_zero=True, security_zero=True).exists()
    assert submitted.filter(late=True).exists()
    assert reports.filter(state=ScreeningState.OPEN, late=True).exists()  # missing
    assert Notification.objects.filter(kind="screening_late").exists()
    assert ScreeningItem.objects.filter(added_by__username="gridworker").exists()
    department = User.objects.get(username="department")
    mine = screening_report_list(user=department)
    assert mine.exists() and set(mine.values_list("unit", flat=True)) == {department.unit_id}
    office = User.objects.get(username="office")
    assert screening_report_list(user=office).filter(state=ScreeningState.SUBMITTED).exists()
    count = submitted.count()
    call_command("load_demo")
    assert reports.filter(state=ScreeningState.SUBMITTED).count() == count
