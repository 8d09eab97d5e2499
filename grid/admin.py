from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from rules.contrib.admin import ObjectPermissionsModelAdmin

from governance.admin import ScopedAreaChoiceMixin
from governance.admin_base import ActorFormMixin, ScopedAdminMixin
from governance.admin_scope import OUTSIDE_YOUR_AREA
from governance.models import User
from governance.scoping import in_scope, visible_to
from grid import services
from grid.forms import AreaForm
from grid.models import Area, GridTeamMember, TeamRole, Unit


class GridTeamMemberInline(admin.TabularInline):
    """The team of a grid, edited on the grid's page; saved through the team_member_*
    services (AreaAdmin.save_formset). `obj` is the grid here: the members' rules are asked
    about the grid they would sit in (any area-bound row answers `in_scope`)."""

    model = GridTeamMember
    extra = 0
    fields = ["role", "name", "phone", "user"]
    autocomplete_fields = ["user"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            # The autocomplete suggests only people in scope; the form must accept only them.
            kwargs["queryset"] = visible_to(request.user, User.objects.all())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        actor = request.user

        class MemberForm(formset.form):
            """A member linked to an account above the administrator's area (placed there by
            the level above) shows that account unnamed and keeps it: the scoped choices do
            not hold it, so the select would render empty and saving would unlink it."""

            def __init__(self, *args, **inner):
                super().__init__(*args, **inner)
                kept = self.instance.user if self.instance.user_id else None
                if kept is not None and "user" in self.fields and not in_scope(actor, kept):
                    field = forms.ModelChoiceField(
                        queryset=User.objects.filter(pk=kept.pk),
                        required=False,
                        disabled=True,
                        label=self.fields["user"].label,
                    )
                    field.label_from_instance = lambda _user: str(OUTSIDE_YOUR_AREA)
                    self.fields["user"] = field

        formset.form = MemberForm
        return formset

    def has_add_permission(self, request, obj=None):
        return (
            obj is not None
            and obj.is_grid
            and request.user.has_perm("grid.add_gridteammember", obj)
        )

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("grid.change_gridteammember", obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm("grid.delete_gridteammember", obj)

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("grid.view_gridteammember", obj)


def parent_column(actor):
    """The parent as the actor may know it: an administrator's own root has a parent above
    their area, which is not named."""

    @admin.display(description=Area._meta.get_field("parent").verbose_name)
    def parent_column(area: Area):
        if area.parent is None:
            return None  # the admin's empty value
        return area.parent.name if in_scope(actor, area.parent) else OUTSIDE_YOUR_AREA

    return parent_column


@admin.register(Area)
class AreaAdmin(ActorFormMixin, ScopedAdminMixin, admin.ModelAdmin):
    form = AreaForm
    list_filter = ["level"]
    search_fields = ["name", "code"]
    list_select_related = ["parent"]
    inlines = [GridTeamMemberInline]

    def get_list_display(self, request):
        return ["name", "code", "level", parent_column(request.user)]

    @staticmethod
    def _parent_unseen(request, obj: Area | None) -> bool:
        return (
            obj is not None and obj.parent_id is not None and not in_scope(request.user, obj.parent)
        )

    def get_fields(self, request, obj=None):
        # An administrator's own root sits under a parent outside their scope: it cannot be
        # moved by them, that parent is no choice to offer, and its name (and a link to its
        # page) is not theirs to see either.
        if self._parent_unseen(request, obj):
            return [
                "parent_outside_scope" if name == "parent" else name
                for name in AreaForm.Meta.fields
            ]
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return ["parent_outside_scope"] if self._parent_unseen(request, obj) else []

    @admin.display(description=Area._meta.get_field("parent").verbose_name)
    def parent_outside_scope(self, area: Area) -> str:
        return OUTSIDE_YOUR_AREA

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            updated = services.area_update(
                actor=request.user,
                area=obj,
                name=data["name"],
                code=data["code"],
                parent=data.get("parent", obj.parent),
                boundary=data["boundary"],
                expected_households=data.get("expected_households"),
            )
        else:
            updated = services.area_create(
                actor=request.user,
                name=data["name"],
                level=data["level"],
                code=data["code"],
                parent=data["parent"],
                boundary=data["boundary"],
                expected_households=data.get("expected_households"),
            )
        # The admin keeps using `obj` (inlines, messages): give it the saved state.
        obj.pk, obj.path = updated.pk, updated.path

    def save_formset(self, request, form, formset, change):
        if formset.model is not GridTeamMember:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)  # sorts the rows into new, changed and deleted
        for member in formset.deleted_objects:
            services.team_member_remove(actor=request.user, member=member)
        for member, _fields in formset.changed_objects:
            services.team_member_update(
                actor=request.user,
                member=member,
                role=member.role,
                name=member.name,
                phone=member.phone,
                user=member.user,
            )
        for member in formset.new_objects:
            saved = services.team_member_add(
                actor=request.user,
                grid=form.instance,
                role=member.role,
                name=member.name,
                phone=member.phone,
                user=member.user,
            )
            member.pk = saved.pk

    def delete_model(self, request, obj):
        try:
            services.area_delete(actor=request.user, area=obj)
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))

    def delete_queryset(self, request, queryset):
        for area in queryset.order_by("-level"):
            self.delete_model(request, area)


@admin.register(TeamRole)
class TeamRoleAdmin(ObjectPermissionsModelAdmin):
    """A code list without an area: the rules on TeamRole say who reads and edits it."""

    list_display = ["name", "code", "sort_order"]


@admin.register(Unit)
class UnitAdmin(ScopedAreaChoiceMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Offices, member departments and reporting enterprises, with the people each names;
    saved through grid.services.unit_create / unit_update."""

    # people and an enterprise's ledger row too: choices within the area
    area_fields = ("area", "organisation", *Unit.NAMED_PEOPLE)
    list_display = ["name", "kind", "area", "active", "names_complete"]
    list_filter = ["kind", "active"]
    list_select_related = ["area"]
    search_fields = ["name"]
    fields = ["area", "kind", "name", "phone", "active", "organisation", *Unit.NAMED_PEOPLE]

    @admin.display(boolean=True, description=_("all people named"))
    def names_complete(self, unit: Unit) -> bool:
        return not unit.names_missing()

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in services.UNIT_FIELDS}
        try:
            if change:
                saved = services.unit_update(actor=request.user, unit=obj, **data)
            else:
                saved = services.unit_create(actor=request.user, **data)
        except ValidationError as error:  # the form checked the same rules: a race
            raise PermissionDenied(error.messages[0]) from error
        obj.pk = saved.pk
