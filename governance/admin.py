from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from governance import services
from governance.admin_base import ActorFormMixin, ScopedAdminMixin
from governance.admin_scope import OUTSIDE_YOUR_AREA
from governance.forms import PortalUserChangeForm, PortalUserCreationForm
from governance.models import ApiToken, Notification, Role, User
from governance.scoping import in_scope, visible_to
from governance.services import USER_FIELDS
from grid.models import Unit, UnitKind


class ScopedAreaChoiceMixin:
    """Area (and unit) choices in a form are those the administrator may see."""

    area_fields: tuple[str, ...] = ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.area_fields:
            areas = db_field.remote_field.model._default_manager.all()  # grid.Area
            kwargs["queryset"] = visible_to(request.user, areas)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(User)
class UserAdmin(ActorFormMixin, ScopedAreaChoiceMixin, ScopedAdminMixin, DjangoUserAdmin):
    form = PortalUserChangeForm
    add_form = PortalUserCreationForm
    area_fields = ("home_area", "unit")
    list_display = [
        "username",
        "display_name",
        "role",
        "home_area",
        "unit",
        "is_active",
        "last_login",
    ]
    list_filter = ["role", "is_active"]
    list_select_related = ["home_area", "unit"]
    search_fields = ["username", "first_name", "last_name", "email"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("last_name", "first_name", "email", "phone")}),
        (
            _("Role and area"),
            {"fields": ("role", "home_area", "unit", "is_active", "is_superuser")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {"fields": ("username", "password1", "password2", "role", "home_area", "unit")},
        ),
    )
    readonly_fields = ["last_login", "date_joined"]
    actions = ["reset_second_factor"]

    @admin.action(description=_("Reset the second factor (lost authenticator)"))
    def reset_second_factor(self, request, queryset):
        users = [u for u in queryset if request.user.has_perm("governance.change_user", u)]
        with transaction.atomic():
            for user in users:
                services.user_second_factor_reset(actor=request.user, user=user)
        messages.success(
            request,
            _("%(n)d account(s) will enrol a new authenticator at their next sign-in.")
            % {"n": len(users)},
        )
        if len(users) < len(queryset):
            messages.warning(
                request,
                _("%(n)d selected account(s) are not yours to manage and were left as they are.")
                % {"n": len(queryset) - len(users)},
            )

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields if request.user.is_superuser else [*fields, "is_superuser"]

    def save_model(self, request, obj, form, change):
        data = {name: value for name, value in form.cleaned_data.items() if name in USER_FIELDS}
        if change:
            saved = services.user_update(actor=request.user, user=obj, **data)
        else:
            saved = services.user_create(
                actor=request.user, password=form.cleaned_data["password1"], **data
            )
        # The admin goes on with `obj` (its log entry, the redirect): give it the saved row.
        obj.pk, obj.password, obj.is_staff = saved.pk, saved.password, saved.is_staff


class ApiTokenIssueForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["client", "name", "area", "unit", "expires_at"]

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        if "expires_at" in self.fields:  # absent on the read-only page of an issued token
            self.fields["expires_at"].required = False
            self.fields["expires_at"].help_text = _("Empty: one year from now.")

    def clean(self):
        data = super().clean()
        if not self.errors:
            try:
                services.api_token_validate(
                    actor=self.actor,
                    client=data["client"],
                    area=data.get("area"),
                    unit=data.get("unit"),
                    expires_at=data.get("expires_at"),
                )
            except ValidationError as error:
                self._update_errors(error)
        return data


def client_column(actor):
    @admin.display(description=ApiToken._meta.get_field("client").verbose_name)
    def client_column(token: ApiToken) -> str:
        return token.client.username if in_scope(actor, token.client) else OUTSIDE_YOUR_AREA

    return client_column


@admin.register(ApiToken)
class ApiTokenAdmin(ActorFormMixin, ScopedAreaChoiceMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Tokens are issued here and shown once; only a hash is stored. They are revoked, not edited."""

    area_fields = ("area",)
    form = ApiTokenIssueForm
    list_select_related = ["client__home_area", "area", "unit"]
    list_filter = ["revoked_at"]
    actions = ["revoke"]

    def get_queryset(self, request):
        # A unit's token has no area: it is shown to the administrators whose area holds the
        # unit (ApiToken's rules: unit_token_in_scope).
        tokens = admin.ModelAdmin.get_queryset(self, request)
        units = visible_to(request.user, Unit.objects.all()).values("pk")
        return visible_to(request.user, tokens) | tokens.filter(unit__in=units)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "client":
            # API clients for an area's token; a department's or an enterprise's own people
            # for its unit's token (P7).
            kwargs["queryset"] = visible_to(
                request.user,
                User.objects.filter(
                    Q(role=Role.API_CLIENT) | Q(role=Role.DEPARTMENT, unit__isnull=False)
                ),
            )
            return admin.ModelAdmin.formfield_for_foreignkey(self, db_field, request, **kwargs)
        if db_field.name == "unit":
            kwargs["queryset"] = visible_to(
                request.user, Unit.objects.exclude(kind=UnitKind.OFFICE)
            )
            kwargs["required"] = False
            return admin.ModelAdmin.formfield_for_foreignkey(self, db_field, request, **kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_list_display(self, request):
        return [
            "name",
            "prefix",
            client_column(request.user),
            "scope_label",
            "active",
            "expires_at",
            "revoked_at",
            "last_used_at",
        ]

    @admin.display(description=_("scope"))
    def scope_label(self, token: ApiToken) -> str:
        return token.scope_label

    @admin.display(boolean=True, description=_("active"))
    def active(self, token: ApiToken) -> bool:
        return token.is_active()

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ["prefix", "created_at", "revoked_at", "last_used_at"]
        # A token in the administrator's area may belong to a client above it (a district
        # system given a street's token): that account is not theirs to see.
        return [
            "client" if in_scope(request.user, obj.client) else "client_outside_scope",
            "name",
            "area",
            "unit",
            "prefix",
            "created_at",
            "expires_at",
            "revoked_at",
            "last_used_at",
        ]

    @admin.display(description=ApiToken._meta.get_field("client").verbose_name)
    def client_outside_scope(self, token: ApiToken) -> str:
        return OUTSIDE_YOUR_AREA

    def get_fields(self, request, obj=None):
        return (
            ["client", "name", "area", "unit", "expires_at"]
            if obj is None
            else self.get_readonly_fields(request, obj)
        )

    def save_model(self, request, obj, form, change):
        if change:
            return
        data = form.cleaned_data
        token, key = services.api_token_issue(
            actor=request.user,
            client=data["client"],
            name=data["name"],
            area=data.get("area"),
            unit=data.get("unit"),
            expires_at=data.get("expires_at"),
        )
        obj.pk, obj.prefix = token.pk, token.prefix
        messages.warning(
            request,
            _(
                "Token issued. Copy the key now; it is not stored and will not be shown again: %(key)s"
            )
            % {"key": key},
        )

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        for token in queryset:
            services.api_token_revoke(actor=request.user, token=token)
        messages.success(request, _("%(n)d token(s) revoked.") % {"n": queryset.count()})


@admin.register(Notification)
class NotificationAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["title", "recipient", "kind", "created_at", "read_at", "emailed_at"]
    list_filter = ["kind"]
    list_select_related = ["recipient"]

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False
