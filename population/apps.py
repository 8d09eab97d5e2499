from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PopulationConfig(AppConfig):
    name = "population"
    verbose_name = _("Population (实有人口)")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from governance.sensitive import audit_options
        from population.models import (
            DriveCheck,
            House,
            Household,
            HouseholdEvent,
            Organisation,
            RentalAccountability,
            RentalIncident,
            Resident,
            ResidentDrive,
            ResidentEvent,
            ResidentImport,
            SpecialGroupCare,
            SpecialGroupEvent,
            SpecialGroupExportRequest,
            SpecialGroupKind,
            SpecialGroupRecord,
            Visit,
            VitalPart,
        )

        # The audit log reads plain values: every encrypted field (ID number, phones) is masked
        # entirely and its index left out.
        auditlog.register(Resident, **audit_options(Resident))
        auditlog.register(ResidentEvent)
        auditlog.register(Organisation, **audit_options(Organisation))
        auditlog.register(VitalPart)
        auditlog.register(SpecialGroupKind)
        auditlog.register(SpecialGroupRecord)
        auditlog.register(SpecialGroupEvent)
        # Care (P16, P23) like its record, whose notes are logged too (both are seen only by
        # those who see the record: reviews_record_history); a drive and each check (who
        # checked, what, when: a re-check overwrites, the log keeps the earlier one).
        auditlog.register(SpecialGroupCare)

        # --- Compounds (P27) and internal security bodies (P13) ---
        from population.models import Compound, SecurityBody

        auditlog.register(Compound)
        auditlog.register(SecurityBody, **audit_options(SecurityBody))
        auditlog.register(ResidentDrive)
        auditlog.register(DriveCheck)
        auditlog.register(House, **audit_options(House))
        auditlog.register(Household)
        auditlog.register(HouseholdEvent)
        auditlog.register(Visit)
        # An import's load is one audited change (status, rows loaded) of the import, which
        # names who uploaded it; its residents are bulk-inserted, which auditlog does not see.
        auditlog.register(ResidentImport, exclude_fields=["content", "problems"])
        # Who asked, who decided and when; each download adds an ACCESS entry (the service).
        auditlog.register(SpecialGroupExportRequest, exclude_fields=["reason"])
        auditlog.register(RentalIncident)
        auditlog.register(RentalAccountability)
