from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = _("Governance core")

    def ready(self):
        from importlib import import_module

        from auditlog.registry import auditlog
        from django.apps import apps
        from django.utils.module_loading import module_has_submodule

        from governance import sensitive  # noqa: F401  registers the check of its keys
        from governance.models import ApiToken, User

        auditlog.register(User, exclude_fields=["password", "last_login"])
        auditlog.register(ApiToken, exclude_fields=["secret_hash", "last_used_at"])
        # Admin autodiscovery, minus django-leaflet: its admin module imports GeoDjango,
        # which needs GDAL (not installed). We run SimpleAdminConfig and register the rest here.
        for app_config in apps.get_app_configs():
            if app_config.name != "leaflet" and module_has_submodule(app_config.module, "admin"):
                import_module(f"{app_config.name}.admin")
