from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from rules.contrib.admin import ObjectPermissionsModelAdmin

from governance.admin_base import ActorFormMixin, ScopedAdminMixin
from governance.scoping import visible_to
from grid.models import Area, AreaLevel
from population import services
from population.models import Resident, Visit


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


class VisitAdminForm(forms.ModelForm):
    class Meta:
        model = Visit
        fields = [
            "grid",
            "resident",
            "subject",
            "purpose",
            "visited_at",
            "notes",
            "findings",
            "latitude",
            "longitude",
        ]

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        if "grid" in self.fields:
            self.fields["grid"].required = False  # the resident's grid
            self.fields["grid"].help_text = _("Leave empty to use the resident's grid.")

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        visit = self.instance
        if visit.pk is None:
            visit.worker = self.actor
        try:
            if visit.grid_id is None and visit.resident is not None:
                visit.grid = visit.resident.grid
            services.visit_validate(visit=visit)
        except ValidationError as error:
            self._update_errors(error)


@admin.register(Visit)
class VisitAdmin(ActorFormMixin, ScopedAdminMixin, ObjectPermissionsModelAdmin):
    """Logged and corrected through the visit services: the rules of the pages and the API."""

    list_display = ["visited_at", "__str__", "purpose", "grid", "worker", "outside_grid"]
    list_filter = ["purpose", "outside_grid"]
    search_fields = ["subject", "resident__name"]
    list_select_related = ["grid", "worker", "resident"]
    date_hierarchy = "visited_at"
    autocomplete_fields = ["resident"]
    form = VisitAdminForm
    fields = VisitAdminForm.Meta.fields
    CORRECTABLE = ["resident", "subject", "purpose", "visited_at", "notes", "findings"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("grid__boundary")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "grid":
            kwargs["queryset"] = visible_to(
                request.user, Area.objects.filter(level=AreaLevel.GRID).defer("boundary")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return self.fields
        # The grid the point fell in is left out: it may lie outside the administrator's area
        # (the pages name it only to those who see it); `outside_grid` says what matters.
        return [*self.fields, "location_accuracy", "outside_grid", "worker"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        # Where and by whom it was made are what the phone and the sign-in recorded.
        return [name for name in self.get_fields(request, obj) if name not in self.CORRECTABLE]

    def save_model(self, request, obj, form, change):
        if change:
            values = {name: form.cleaned_data[name] for name in form.changed_data}
            services.visit_correct(actor=request.user, visit=obj, **values)
        else:
            values = {name: form.cleaned_data[name] for name in self.fields}
            saved = services.visit_log(
                actor=request.user, **{k: v for k, v in values.items() if v not in (None, "")}
            )
            obj.pk = saved.pk
