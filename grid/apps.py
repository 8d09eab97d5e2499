from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridConfig(AppConfig):
    name = "grid"
    verbose_name = _("Area tree and grids")

    def ready(self):
        from auditlog.registry import auditlog

        from grid.models import Area, GridTeamMember, Unit

        auditlog.register(Area)
        auditlog.register(GridTeamMember)
        auditlog.register(Unit)
