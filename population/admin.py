from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from rules.contrib.admin import ObjectPermissionsModelAdmin

from governance.admin_base import ActorFormMixin, ScopedAdminMixin
from governance.scoping import visible_to
from grid.models import Area, AreaLevel, mask_phone
from population import compound_services, services
from population.forms import ORGANISATION_FORM_FIELDS
from population.models import (
    COMPOUND_ORGANISATION_KINDS,
    Compound,
    DriveCheck,
    DriveKind,
    House,
    Household,
    Organisation,
    OrganisationKind,
    RentalAccountability,
    RentalIncident,
    Resident,
    ResidentDrive,
    ResidentImport,
    SecurityBody,
    SpecialGroupCare,
    SpecialGroupEvent,
    SpecialGroupExportRequest,
    SpecialGroupKind,
    SpecialGroupRecord,
    Visit,
    VitalPart,
    special_group_access,
)
from population.selectors import special_group_record_list

RESIDENT_FIELDS = [
    "grid",
    "name",
    "id_number",
    "phone",
    "status",
    "address",
    "employer",
    "employer_organisation",
    "residence_permit_number",
    "residence_permit_expires_on",
    "high_risk",
    "passport_number",
    "nationality",
    "stay_expires_on",
    "sex",
    "birth_date",
]


class ResidentAdminForm(forms.ModelForm):
    class Meta:
        model = Resident
        fields = RESIDENT_FIELDS

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
    list_filter = ["status", "high_risk"]
    search_fields = ["name"]
    list_select_related = ["grid"]
    form = ResidentAdminForm
    fields = RESIDENT_FIELDS

    @admin.display(description=_("ID number"))
    def masked_id_number(self, obj: Resident) -> str:
        return obj.id_number_masked

    @admin.display(description=_("phone"))
    def masked_phone(self, obj: Resident) -> str:
        return obj.phone_masked

    @admin.display(description=_("passport number"))
    def masked_passport_number(self, obj: Resident) -> str:
        return obj.passport_number_masked

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "grid":
            kwargs["queryset"] = visible_to(
                request.user, Area.objects.filter(level=AreaLevel.GRID).defer("boundary")
            )
        if db_field.name == "employer_organisation":
            kwargs["queryset"] = visible_to(request.user, Organisation.objects.all())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return self.fields
        # The numbers are typed in once and shown masked afterwards, here as everywhere: the
        # full, logged view is the resident's page (administrators see them masked).
        return [self.MASKED.get(name, name) for name in self.fields]

    MASKED = {
        "id_number": "masked_id_number",
        "phone": "masked_phone",
        "passport_number": "masked_passport_number",
    }

    def get_readonly_fields(self, request, obj=None):
        # A move to another grid and a status change are dated events (the resident's page).
        return ["grid", "status", *self.MASKED.values()] if obj is not None else []

    def save_model(self, request, obj, form, change):
        # The form validated through the service already (ResidentAdminForm._post_clean).
        if change:
            values = {name: form.cleaned_data[name] for name in form.changed_data}
            services.resident_update(actor=request.user, resident=obj, **values)
        else:
            saved = services.resident_register(actor=request.user, **form.cleaned_data)
            obj.pk = saved.pk


# --- Organisations ---------------------------------------------------------------------------


class OrganisationAdminForm(forms.ModelForm):
    """The contacts' phones are not put back into the form (they are shown masked in its help
    text): an empty box keeps the number on record, as on the portal's edit page."""

    class Meta:
        model = Organisation
        fields = list(ORGANISATION_FORM_FIELDS)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.kept_phones = {}
        if self.instance.pk:
            for name_field, phone_field in services.CONTACT_FIELDS:
                phone = getattr(self.instance, phone_field)
                self.kept_phones[phone_field] = (name_field, phone)
                self.initial[phone_field] = ""
                if phone and phone_field in self.fields:
                    self.fields[phone_field].help_text = _(
                        "On record: %(phone)s. Leave empty to keep it."
                    ) % {"phone": mask_phone(phone)}

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        for phone_field, (name_field, phone) in self.kept_phones.items():
            if not self.cleaned_data.get(phone_field) and self.cleaned_data.get(name_field):
                setattr(self.instance, phone_field, phone)
        try:
            services.organisation_validate(actor=self.actor, organisation=self.instance)
        except ValidationError as error:
            self._update_errors(error)


class VitalPartInline(admin.TabularInline):
    """Read here; added and changed on the vital part's own admin page (through its service)."""

    model = VitalPart
    fields = ["name", "person_responsible"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Organisation)
class OrganisationAdmin(ActorFormMixin, ScopedAdminMixin, ObjectPermissionsModelAdmin):
    """Saved through the organisation services, so the rules are those of the pages and API."""

    list_display = ["name", "kind", "credit_code", "grid", "employee_count", "created_at"]
    list_filter = ["kind", "has_security_body"]
    search_fields = ["name", "credit_code"]
    list_select_related = ["grid"]
    form = OrganisationAdminForm
    fields = ORGANISATION_FORM_FIELDS
    inlines = [VitalPartInline]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "grid":
            kwargs["queryset"] = visible_to(
                request.user, Area.objects.filter(level=AreaLevel.GRID).defer("boundary")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return ["grid"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            values = {name: form.cleaned_data[name] for name in form.changed_data}
            services.organisation_update(actor=request.user, organisation=obj, **values)
        else:
            saved = services.organisation_register(actor=request.user, **form.cleaned_data)
            obj.pk = saved.pk


class VitalPartAdminForm(forms.ModelForm):
    class Meta:
        model = VitalPart
        fields = ["organisation", "name", "description", "person_responsible"]

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        try:
            services.vital_part_validate(vital_part=self.instance)
        except ValidationError as error:
            self._update_errors(error)


@admin.register(VitalPart)
class VitalPartAdmin(ActorFormMixin, ScopedAdminMixin, ObjectPermissionsModelAdmin):
    list_display = ["name", "organisation", "person_responsible", "created_at"]
    search_fields = ["name", "organisation__name"]
    list_select_related = ["organisation"]
    form = VitalPartAdminForm
    fields = ["organisation", "name", "description", "person_responsible"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organisation":
            kwargs["queryset"] = visible_to(
                request.user, Organisation.objects.filter(kind=OrganisationKind.KEY_UNIT)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return ["organisation"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            values = {name: form.cleaned_data[name] for name in form.changed_data}
            services.vital_part_update(actor=request.user, vital_part=obj, **values)
        else:
            saved = services.vital_part_add(actor=request.user, **form.cleaned_data)
            obj.pk = saved.pk


@admin.register(SpecialGroupKind)
class SpecialGroupKindAdmin(ObjectPermissionsModelAdmin):
    """The editable code list of special groups; the rules on SpecialGroupKind say who edits
    it. The follow-up intervals are editable defaults (no policy document sets one)."""

    list_display = [
        "name",
        "code",
        "parent",
        "details",
        "health_related",
        "follow_up_days",
        "recidivism_target_percent",
        "sort_order",
    ]
    list_select_related = ["parent"]
    list_filter = ["health_related", "details"]


class SpecialGroupEventInline(admin.TabularInline):
    model = SpecialGroupEvent
    extra = 0
    fields = ["kind", "occurred_on", "notes", "created_by", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SpecialGroupRecord)
class SpecialGroupRecordAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Read-only here, with its history: records are kept on the portal's pages and through
    the API (the special-group services), where their rules live."""

    list_display = ["resident", "kind", "since", "until", "responsible", "next_follow_up_due"]
    list_filter = ["kind"]
    list_select_related = ["resident", "kind", "responsible"]
    inlines = [SpecialGroupEventInline]

    def get_queryset(self, request):
        # Beyond the scope, the same rule as every page (special_group_access).
        access = special_group_access(request.user)
        queryset = super().get_queryset(request)
        return queryset.none() if access is None else queryset.filter(access)

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False


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


@admin.register(SpecialGroupExportRequest)
class SpecialGroupExportRequestAdmin(ScopedAdminMixin, ObjectPermissionsModelAdmin):
    """Requested, decided and downloaded on the portal's pages and the API (the services);
    the admin shows who asked, who decided and when, and never edits them."""

    list_display = ["area", "status", "requested_by", "requested_at", "decided_by", "row_count"]
    list_filter = ["status"]
    list_select_related = ["area", "requested_by", "decided_by"]
    fields = [
        "area",
        "kinds",
        "reason",
        "requested_by",
        "requested_at",
        "status",
        "decided_by",
        "decided_at",
        "decision_comment",
        "expires_at",
        "downloaded_at",
        "row_count",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).defer("area__boundary")

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class RentalAccountabilityInline(admin.TabularInline):
    model = RentalAccountability
    fields = [
        "person",
        "name",
        "user",
        "resident",
        "finding",
        "sanction",
        "decided_by",
        "decided_at",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None):
        # The rows are parts of their incident: whoever sees the incident sees them.
        return request.user.has_perm("population.view_rentalincident", obj)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RentalIncident)
class RentalIncidentAdmin(ScopedAdminMixin, ObjectPermissionsModelAdmin):
    """Recorded and decided on the portal's pages and the API (the services, which flag the
    people to account and notify the level above); the admin shows them, and an
    administrator may delete a mistaken one."""

    list_display = ["house", "kind", "occurred_on", "recorded_by"]
    list_filter = ["kind"]
    list_select_related = ["house__grid", "recorded_by"]
    fields = [
        "house",
        "kind",
        "occurred_on",
        "summary",
        "police_reference",
        "case",
        "recorded_by",
        "recorded_at",
    ]
    readonly_fields = fields
    inlines = [RentalAccountabilityInline]

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# --- Care records and re-verification drives (P8, P16, P23): shown, kept on the pages ---------


@admin.register(SpecialGroupCare)
class SpecialGroupCareAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Read-only: care is recorded on the record's page and through the API (the service);
    seen by exactly those who see the record by name."""

    list_display = ["record", "kind", "given_on", "provider", "given_by"]
    list_filter = ["kind"]
    list_select_related = ["record__resident", "record__kind", "given_by"]
    fields = ["record", "kind", "given_on", "provider", "outcome", "notes", "given_by"]
    readonly_fields = fields

    def get_queryset(self, request):
        records = special_group_record_list(user=request.user)
        return super().get_queryset(request).filter(record__in=records.values("pk"))

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ResidentDrive)
class ResidentDriveAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Read-only: a drive is opened on its page or through the API, which builds its
    checklist (drive_services)."""

    list_display = ["title", "kind", "area", "starts_on", "ends_on", "created_by"]
    list_filter = ["kind"]
    list_select_related = ["area", "created_by"]
    fields = ["area", "kind", "title", "starts_on", "ends_on", "created_by", "created_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).defer("area__boundary")

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DriveCheck)
class DriveCheckAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Read-only: checks are taken on the drive's page and through the API."""

    list_display = ["resident", "drive", "grid", "outcome", "checked_on", "checked_by"]
    list_filter = ["outcome", "drive__kind"]
    list_select_related = ["resident", "drive", "grid", "checked_by"]
    fields = ["drive", "resident", "grid", "outcome", "note", "checked_on", "checked_by"]
    readonly_fields = fields

    def get_queryset(self, request):
        checks = super().get_queryset(request).defer("grid__boundary")
        if special_group_access(request.user) is None:
            checks = checks.exclude(drive__kind=DriveKind.KEY_YOUTH_CARE)
        return checks

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# --- Compounds (四位一体, P27) and internal security bodies (P13) ------------------------------


COMPOUND_ADMIN_FIELDS = [
    "grid",
    "name",
    "address",
    "party_organisation",
    "residents_committee",
    "owners_committee",
    "property_company",
]


class CompoundAdminForm(forms.ModelForm):
    class Meta:
        model = Compound
        fields = list(COMPOUND_ADMIN_FIELDS)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor

    def _post_clean(self):
        super()._post_clean()
        if self.errors or self.instance.grid_id is None:
            return
        try:
            compound_services.compound_validate(actor=self.actor, compound=self.instance)
        except ValidationError as error:
            self._update_errors(error)


@admin.register(Compound)
class CompoundAdmin(ActorFormMixin, ScopedAdminMixin, ObjectPermissionsModelAdmin):
    """Saved through the compound services, so the rules are those of the pages and API."""

    list_display = ["name", "grid", "party_organisation", "created_at"]
    search_fields = ["name", "address"]
    list_select_related = ["grid"]
    form = CompoundAdminForm
    fields = COMPOUND_ADMIN_FIELDS

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "grid":
            kwargs["queryset"] = visible_to(
                request.user, Area.objects.filter(level=AreaLevel.GRID).defer("boundary")
            )
        elif db_field.name in COMPOUND_ORGANISATION_KINDS:
            kwargs["queryset"] = visible_to(
                request.user,
                Organisation.objects.filter(kind=COMPOUND_ORGANISATION_KINDS[db_field.name]),
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return ["grid"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            values = {name: form.cleaned_data[name] for name in form.changed_data}
            compound_services.compound_update(actor=request.user, compound=obj, **values)
        else:
            saved = compound_services.compound_register(actor=request.user, **form.cleaned_data)
            obj.pk = saved.pk


SECURITY_BODY_ADMIN_FIELDS = [
    "organisation",
    "kind",
    "head_name",
    "head_phone",
    "member_count",
    "established_on",
    "notes",
]


class SecurityBodyAdminForm(forms.ModelForm):
    class Meta:
        model = SecurityBody
        fields = SECURITY_BODY_ADMIN_FIELDS

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor

    def _post_clean(self):
        super()._post_clean()
        if self.errors or self.instance.organisation_id is None:
            return
        try:
            compound_services.security_body_validate(body=self.instance)
        except ValidationError as error:
            self._update_errors(error)


@admin.register(SecurityBody)
class SecurityBodyAdmin(ActorFormMixin, ScopedAdminMixin, ObjectPermissionsModelAdmin):
    """Saved and removed through the security-body services, which keep the organisation's
    has_security_body in step."""

    list_display = ["organisation", "kind", "head_name", "member_count", "established_on"]
    list_filter = ["kind"]
    search_fields = ["organisation__name", "head_name"]
    list_select_related = ["organisation"]
    form = SecurityBodyAdminForm
    fields = SECURITY_BODY_ADMIN_FIELDS

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organisation":
            kwargs["queryset"] = visible_to(request.user, Organisation.objects.all())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return ["organisation"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            values = {name: form.cleaned_data[name] for name in form.changed_data}
            compound_services.security_body_update(actor=request.user, body=obj, **values)
        else:
            saved = compound_services.security_body_add(actor=request.user, **form.cleaned_data)
            obj.pk = saved.pk

    def delete_model(self, request, obj):
        compound_services.security_body_remove(actor=request.user, body=obj)

    def delete_queryset(self, request, queryset):
        for body in queryset:
            compound_services.security_body_remove(actor=request.user, body=body)
