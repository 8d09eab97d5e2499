from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PopulationConfig(AppConfig):
    name = "population"
    verbose_name = _("Population (实有人口)")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from population.models import Resident, ResidentImport

        # The audit log reads plain values: the ID number is masked and its index left out.
        auditlog.register(Resident, mask_fields=["id_number"], exclude_fields=["id_number_index"])
        # An import's load is one audited change (status, rows loaded) of the import, which
        # names who uploaded it; its residents are bulk-inserted, which auditlog does not see.
        auditlog.register(ResidentImport, exclude_fields=["content", "problems"])
