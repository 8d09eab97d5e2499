from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from rules.contrib.admin import ObjectPermissionsModelAdmin

from governance.admin_base import ActorFormMixin, ScopedAdminMixin
from governance.scoping import visible_to
from grid.models import Area, AreaLevel
from population import services
from population.models import House, Household, Resident


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


# --- Houses and households: saved through their services, like residents -------------------------


def _visible_grids(request):
    return visible_to(request.user, Area.objects.filter(level=AreaLevel.GRID).defer("boundary"))


class HouseAdminForm(forms.ModelForm):
    class Meta:
        model = House
        fields = [
            "grid",
            *services.HOUSE_ADDRESS_FIELDS,
            "is_rented",
            *services.HOUSE_RENTAL_FIELDS,
        ]

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        try:
            services.house_validate(actor=self.actor, house=self.instance)
        except ValidationError as error:
            self._update_errors(error)


class HouseholdInline(admin.TabularInline):
    model = Household
    fields = ["number", "kind", "head"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False  # a household is registered on its own page, through its service


@admin.register(House)
class HouseAdmin(ActorFormMixin, ScopedAdminMixin, ObjectPermissionsModelAdmin):
    list_display = ["label", "grid", "is_rented", "landlord_name", "filed_on"]
    list_filter = ["is_rented", ("filed_on", admin.EmptyFieldListFilter)]
    search_fields = ["building", "room", "address_line", "landlord_name"]
    list_select_related = ["grid"]
    form = HouseAdminForm
    fields = HouseAdminForm.Meta.fields
    raw_id_fields = ["landlord_resident"]
    inlines = [HouseholdInline]

    @admin.display(description=_("address"))
    def label(self, obj: House) -> str:
        return obj.label

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "grid":
            kwargs["queryset"] = _visible_grids(request)
        if db_field.name == "landlord_resident":
            kwargs["queryset"] = visible_to(request.user, Resident.objects.all())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return ["grid"] if obj is not None else []  # a house does not move

    def save_model(self, request, obj, form, change):
        if change:
            values = {name: form.cleaned_data[name] for name in form.changed_data}
            services.house_update(actor=request.user, house=obj, **values)
        else:
            saved = services.house_register(actor=request.user, **form.cleaned_data)
            obj.pk = saved.pk


class HouseholdAdminForm(forms.ModelForm):
    class Meta:
        model = Household
        fields = ["house", "number", "kind", "note"]

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor


class MemberInline(admin.TabularInline):
    """Members join and leave through the household page or the API (dated events)."""

    model = Resident
    fk_name = "household"
    fields = ["name", "relationship", "status"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Household)
class HouseholdAdmin(ActorFormMixin, ScopedAdminMixin, ObjectPermissionsModelAdmin):
    list_display = ["house", "number", "kind", "head"]
    list_filter = ["kind"]
    search_fields = ["number", "house__building", "head__name"]
    list_select_related = ["house", "head"]
    form = HouseholdAdminForm
    fields = HouseholdAdminForm.Meta.fields
    raw_id_fields = ["house"]
    inlines = [MemberInline]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "house":
            kwargs["queryset"] = visible_to(request.user, House.objects.all())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return ["house"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in form.changed_data}
        # The form's fields are the service's checks already: kind is a choice, the house
        # one of the administrator's (formfield_for_foreignkey).
        if change:
            services.household_update(actor=request.user, household=obj, **values)
        else:
            obj.pk = services.household_register(actor=request.user, **form.cleaned_data).pk
