from django.core.management import call_command

from governance.models import User
from population.models import ExportStatus, SpecialGroupExportRequest
from population.selectors import special_group_exports_pending
from population.services import special_group_export_download


def test_the_demo_has_an_approved_and_a_pending_ledger_export_once(db, settings):
    """P24: the office's street ledger, one export approved and one awaiting the leader."""
    settings.DEMO_MODE = True
    call_command("load_demo")
    office = User.objects.get(username="office")
    leader = User.objects.get(username="leader")
    statuses = sorted(
        SpecialGroupExportRequest.objects.filter(requested_by=office).values_list(
            "status", flat=True
        )
    )
    assert statuses == [ExportStatus.APPROVED, ExportStatus.REQUESTED]
    assert special_group_exports_pending(user=leader).count() == 1
    call_command("load_demo")
    assert SpecialGroupExportRequest.objects.count() == 2
    approved = SpecialGroupExportRequest.objects.get(status=ExportStatus.APPROVED)
    done, _spool = special_group_export_download(actor=office, request=approved)
    assert done.row_count and done.row_count > 0  # the street's tagged people
