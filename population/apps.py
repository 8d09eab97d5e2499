from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PopulationConfig(AppConfig):
    name = "population"
    verbose_name = _("Population (实有人口)")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from population.models import Organisation, Resident, VitalPart

        # The audit log reads plain values: the ID number is masked and its index left out.
        auditlog.register(Resident, mask_fields=["id_number"], exclude_fields=["id_number_index"])
        # The contacts' phones are personal data: the log shows that they changed, not to what.
        auditlog.register(Organisation, mask_fields=["liaison_phone", "safety_officer_phone"])
        auditlog.register(VitalPart)
