from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisputesConfig(AppConfig):
    name = "disputes"
    verbose_name = _("Disputes (矛盾纠纷)")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        # --- Working days, categories, deadline policy ---
        from disputes.models import CalendarDay, CalendarYear, DeadlinePolicy, DisputeCategory

        # Deadlines follow these rows: who changed a holiday, a category or a limit, and when.
        auditlog.register(CalendarYear)
        auditlog.register(CalendarDay)
        auditlog.register(DisputeCategory)
        auditlog.register(DeadlinePolicy)

        # --- Stability-risk assessment ---
        from disputes.models import RiskAssessment, RiskConsultation, RiskMatter

        auditlog.register(RiskMatter)
        auditlog.register(RiskAssessment)
        auditlog.register(RiskConsultation)

        # --- Cases ---
        from disputes.models import Case, CaseAction, CaseHandoff, CaseParty, MediationSession

        auditlog.register(Case, m2m_fields={"handlers"})
        auditlog.register(CaseParty)
        auditlog.register(CaseHandoff)
        auditlog.register(MediationSession)
        # The timeline is itself the record of every step; auditlog keeps who changed it.
        auditlog.register(CaseAction)

        # --- Extensions, listed supervision, accountability ---
        from disputes.models import AccountabilityRecord, ExtensionRequest, Supervision

        auditlog.register(ExtensionRequest)
        auditlog.register(Supervision)
        auditlog.register(AccountabilityRecord)
        # --- The two screenings ---
        from disputes import screening_tasks  # noqa: F401  the beat tasks, for the worker
        from disputes.models import ScreeningHotspot, ScreeningItem, ScreeningReport

        auditlog.register(ScreeningReport)
        auditlog.register(ScreeningItem)
        auditlog.register(ScreeningHotspot)

        # --- The mediator roster ---
        from disputes.models import MediationOrganisation, Mediator

        auditlog.register(Mediator)
        auditlog.register(MediationOrganisation, m2m_fields={"categories"})

        # --- Leaders' receptions: the booking's phone masked in the trail ---
        from disputes.models import ReceptionBooking, ReceptionSlot
        from governance.sensitive import audit_options

        auditlog.register(ReceptionSlot)
        auditlog.register(ReceptionBooking, **audit_options(ReceptionBooking))

        # --- Meetings on disputes ---
        from disputes.models import Meeting, MeetingDecision

        auditlog.register(Meeting, m2m_fields={"cases"})
        auditlog.register(MeetingDecision)
