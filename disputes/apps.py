from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisputesConfig(AppConfig):
    name = "disputes"
    verbose_name = _("Disputes (矛盾纠纷)")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        # --- Stability-risk assessment ---
        from disputes.models import RiskAssessment, RiskConsultation, RiskMatter

        auditlog.register(RiskMatter)
        auditlog.register(RiskAssessment)
        auditlog.register(RiskConsultation)
