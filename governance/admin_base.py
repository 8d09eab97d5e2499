from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from rules.contrib.admin import ObjectPermissionsModelAdminMixin

from governance.admin_scope import ScopedHistoryMixin
from governance.permissions import is_administrator
from governance.scoping import visible_to


class ScopedAdminMixin(ScopedHistoryMixin, ObjectPermissionsModelAdminMixin):
    """Admin pages show and change only the rows inside the administrator's area (and name no
    one outside it in their history); what they may do with a row is what its model's
    `Meta.rules_permissions` says (see `rules`)."""

    def get_queryset(self, request):
        return visible_to(request.user, super().get_queryset(request))

    def has_module_permission(self, request):
        return is_administrator(request.user)


class ActorFormMixin:
    """The one way a ModelAdmin hands the signed-in administrator to its form: the form class
    takes `actor` as a keyword argument, and this binds it per request."""

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        actor = request.user

        class ActorBoundForm(form):
            def __init__(self, *args, **inner):
                super().__init__(*args, actor=actor, **inner)

        ActorBoundForm.__name__ = form.__name__
        return ActorBoundForm


admin.site.site_header = _("Grid Governance Portal · administration")
admin.site.site_title = _("Grid Governance Portal")
admin.site.index_title = _("Areas, accounts and API clients")
