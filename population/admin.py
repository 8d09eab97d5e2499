from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from rules.contrib.admin import ObjectPermissionsModelAdmin

from governance.admin_base import ActorFormMixin, ScopedAdminMixin
from governance.scoping import visible_to
from grid.models import Area, AreaLevel
from population import services
from population.models import Resident, ResidentImport


class ResidentAdminForm(forms.ModelForm):
    class Meta:
        model = Resident
        fields = ["grid", "name", "id_number", "phone", "status", "address", "employer"]

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        try:
            services.resident_validate(actor=self.actor, resident=self.instance)
        except ValidationError as error:
            self._update_errors(error)


@admin.register(Resident)
class ResidentAdmin(ActorFormMixin, ScopedAdminMixin, ObjectPermissionsModelAdmin):
    """Saved through the resident services, so the rules are those of the pages and the API."""

    list_display = ["name", "masked_id_number", "grid", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["name"]
    list_select_related = ["grid"]
    form = ResidentAdminForm
    fields = ["grid", "name", "id_number", "phone", "status", "address", "employer"]

    @admin.display(description=_("ID number"))
    def masked_id_number(self, obj: Resident) -> str:
        return obj.id_number_masked

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "grid":
            kwargs["queryset"] = visible_to(
                request.user, Area.objects.filter(level=AreaLevel.GRID).defer("boundary")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return self.fields
        # The number is typed in once and shown masked afterwards, here as everywhere (the
        # unmasked, logged view is a later slice).
        return [name if name != "id_number" else "masked_id_number" for name in self.fields]

    def get_readonly_fields(self, request, obj=None):
        # A move to another grid is a later, dated event.
        return ["grid", "masked_id_number"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        # The form validated through the service already (ResidentAdminForm._post_clean).
        if change:
            values = {name: form.cleaned_data[name] for name in form.changed_data}
            services.resident_update(actor=request.user, resident=obj, **values)
        else:
            saved = services.resident_register(actor=request.user, **form.cleaned_data)
            obj.pk = saved.pk


@admin.register(ResidentImport)
class ResidentImportAdmin(ScopedAdminMixin, ObjectPermissionsModelAdmin):
    """Imports are checked and loaded on their pages (through population/imports.py); the
    admin shows them, never their file (it holds ID numbers in full)."""

    list_display = ["file_name", "area", "status", "row_count", "loaded_count", "created_at"]
    list_filter = ["status"]
    list_select_related = ["area"]
    fields = [
        "file_name",
        "area",
        "uploaded_by",
        "file_format",
        "status",
        "row_count",
        "loaded_count",
        "valid_only",
        "problems",
        "created_at",
        "loaded_at",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).defer("content", "area__boundary")

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False
