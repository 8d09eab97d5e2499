from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PopulationConfig(AppConfig):
    name = "population"
    verbose_name = _("Population (实有人口)")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from governance.sensitive import audit_options
        from population.models import Resident, ResidentEvent

        # The audit log reads plain values: the ID number and phone are masked entirely and
        # their indexes left out.
        auditlog.register(Resident, **audit_options(Resident))
        auditlog.register(ResidentEvent)
