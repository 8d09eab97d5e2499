from django.urls import path
from rest_framework.routers import DefaultRouter

from disputes.case_api import CaseViewSet
from disputes.case_figures_api import DisputeFiguresView
from disputes.mediator_api import MediationOrganisationViewSet, MediatorViewSet
from disputes.meeting_api import MeetingDecisionViewSet, MeetingViewSet
from disputes.reception_api import ReceptionBookingViewSet, ReceptionSlotViewSet
from disputes.risk_api import RiskAssessmentViewSet, RiskMatterViewSet
from disputes.screening_api import (
    ScreeningItemViewSet,
    ScreeningPeriodViewSet,
    ScreeningReportViewSet,
)
from governance.api import NotificationViewSet
from grid.api import AreaViewSet, UnitViewSet
from population.api import (
    EmployerRegistrationsView,
    HouseholdViewSet,
    HouseViewSet,
    LedgerQualityView,
    OrganisationViewSet,
    ResidentEventViewSet,
    ResidentImportViewSet,
    ResidentViewSet,
    SpecialGroupExportRequestViewSet,
    SpecialGroupKindViewSet,
    SpecialGroupRecordViewSet,
    VisitViewSet,
    VitalPartViewSet,
)
from population.compound_api import CompoundViewSet, SecurityBodyViewSet
from population.drive_api import (
    DriveCheckViewSet,
    ResidentDriveViewSet,
    SpecialGroupCareViewSet,
)
from population.incident_api import RentalIncidentViewSet


class PortalRouter(DefaultRouter):
    """Any path segment reaches the viewset as a lookup value (DRF's default stops at a dot),
    so that /api/v1/areas/1.5/ is the API's JSON 404, not the site's HTML page."""

    def get_lookup_regex(self, viewset, lookup_prefix=""):
        kwarg = getattr(viewset, "lookup_url_kwarg", None) or getattr(viewset, "lookup_field", "pk")
        value = getattr(viewset, "lookup_value_regex", "[^/]+")
        return f"(?P<{lookup_prefix}{kwarg}>{value})"


router = PortalRouter()
router.register("disputes", CaseViewSet, basename="dispute")
router.register("mediators", MediatorViewSet, basename="mediator")
router.register("reception-slots", ReceptionSlotViewSet, basename="reception-slot")
router.register("meetings", MeetingViewSet, basename="meeting")
router.register("meeting-decisions", MeetingDecisionViewSet, basename="meeting-decision")
router.register("reception-bookings", ReceptionBookingViewSet, basename="reception-booking")
router.register(
    "mediation-organisations",
    MediationOrganisationViewSet,
    basename="mediation-organisation",
)
router.register("areas", AreaViewSet, basename="area")
router.register("units", UnitViewSet, basename="unit")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("residents", ResidentViewSet, basename="resident")
router.register("resident-events", ResidentEventViewSet, basename="resident-event")
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("vital-parts", VitalPartViewSet, basename="vital-part")
router.register("special-group-records", SpecialGroupRecordViewSet, basename="special-group-record")
router.register("special-group-kinds", SpecialGroupKindViewSet, basename="special-group-kind")
router.register(
    "special-group-exports",
    SpecialGroupExportRequestViewSet,
    basename="special-group-export",
)
router.register("houses", HouseViewSet, basename="house")
router.register("rental-incidents", RentalIncidentViewSet, basename="rental-incident")
router.register("households", HouseholdViewSet, basename="household")
router.register("visits", VisitViewSet, basename="visit")
router.register("special-group-care", SpecialGroupCareViewSet, basename="special-group-care")
router.register("resident-drives", ResidentDriveViewSet, basename="resident-drive")
router.register("drive-checks", DriveCheckViewSet, basename="drive-check")
router.register("resident-imports", ResidentImportViewSet, basename="resident-import")
router.register("risk-matters", RiskMatterViewSet, basename="risk-matter")
router.register("risk-assessments", RiskAssessmentViewSet, basename="risk-assessment")
router.register("screenings", ScreeningReportViewSet, basename="screening")
router.register("screening-items", ScreeningItemViewSet, basename="screening-item")
router.register("screening-periods", ScreeningPeriodViewSet, basename="screening-period")
# --- Compounds (P27) and internal security bodies (P13) ---
router.register("compounds", CompoundViewSet, basename="compound")
router.register("security-bodies", SecurityBodyViewSet, basename="security-body")

urlpatterns = [
    # Before the router: its case detail route would take "figures" for a case's id.
    path("disputes/figures/", DisputeFiguresView.as_view(), name="dispute-figures"),
    *router.urls,
    path("ledger-quality/", LedgerQualityView.as_view(), name="ledger-quality"),
    path(
        "employer-registrations/",
        EmployerRegistrationsView.as_view(),
        name="employer-registrations",
    ),
]
