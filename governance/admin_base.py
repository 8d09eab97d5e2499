from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from governance.admin_scope import ScopedHistoryMixin
from governance.permissions import is_administrator
from governance.scoping import visible_to


class ScopedAdminMixin(ScopedHistoryMixin):
    """Admin pages show and change only the rows inside the administrator's area (and name no
    one outside it in their history)."""

    def get_queryset(self, request):
        return visible_to(request.user, super().get_queryset(request))

    def _has(self, request, action: str, obj=None) -> bool:
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}", obj)

    def has_module_permission(self, request):
        return is_administrator(request.user)

    def has_view_permission(self, request, obj=None):
        return self._has(request, "view", obj) or self._has(request, "change", obj)

    def has_add_permission(self, request, *args):
        return self._has(request, "add")

    def has_change_permission(self, request, obj=None):
        return self._has(request, "change", obj)

    def has_delete_permission(self, request, obj=None):
        return self._has(request, "delete", obj)


admin.site.site_header = _("Grid Governance Portal · administration")
admin.site.site_title = _("Grid Governance Portal")
admin.site.index_title = _("Areas, accounts and API clients")
