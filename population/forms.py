from django import forms
from django.utils.translation import gettext_lazy as _

from governance.forms import DateInput, form_style
from governance.models import Role, User
from governance.scoping import visible_to
from grid.models import Area, AreaLevel
from grid.selectors import area_list
from population.compound_selectors import compound_choices
from population.models import (
    Compound,
    EventKind,
    House,
    Household,
    Organisation,
    OrganisationKind,
    Presence,
    Relationship,
    Resident,
    ResidentEvent,
    ResidentStatus,
    SpecialGroupCare,
    SpecialGroupEvent,
    SpecialGroupKind,
    SpecialGroupRecord,
    Visit,
    VisitPurpose,
    VitalPart,
    floating_risk_visible,
)
from population.selectors import (
    MISSING_CHOICES,
    PROBLEM_CHOICES,
    household_candidates,
    household_list,
    organisation_list,
    resident_list,
)
from population.services import REASON_MAX_LENGTH


class ResidentForm(forms.ModelForm):
    """Registration on a phone. Only the shape is checked here; the rules (checksum, one
    registration per person, scope) are the service's, whose errors the view adds."""

    moved_in_on = forms.DateField(
        label=_("Moved in on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for today."),
    )

    class Meta:
        model = Resident
        fields = [
            "grid",
            "name",
            "id_number",
            "phone",
            "status",
            "address",
            "employer",
            "employer_organisation",
            # floating (以证管人, P3)
            "residence_permit_number",
            "residence_permit_expires_on",
            "high_risk",
            # foreign (P10)
            "passport_number",
            "nationality",
            "stay_expires_on",
            # a foreign national without an ID number (P10): entered, not derived
            "sex",
            "birth_date",
        ]
        widgets = {
            "id_number": forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
            "birth_date": forms.DateInput(attrs={"type": "date"}),
            "phone": forms.TextInput(attrs={"inputmode": "tel"}),
            "residence_permit_number": forms.TextInput(attrs={"autocomplete": "off"}),
            "passport_number": forms.TextInput(attrs={"autocomplete": "off"}),
            "residence_permit_expires_on": forms.DateInput(attrs={"type": "date"}),
            "stay_expires_on": forms.DateInput(attrs={"type": "date"}),
        }
        help_texts = {
            "employer_organisation": _("When the employer is registered in the ledger."),
            "residence_permit_number": _("Floating residents only."),
            "passport_number": _("Foreign nationals only."),
            "id_number": _("Foreign nationals may leave it empty and enter sex and birth date."),
        }

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        grids = area_list(user=actor, level=AreaLevel.GRID).defer("boundary")
        self.fields["grid"].queryset = grids
        self.fields["employer_organisation"].queryset = organisation_list(user=actor).order_by(
            "name", "pk"
        )
        if not floating_risk_visible(actor):
            del self.fields["high_risk"]  # P6: office staff only
        form_style(self)
        if len(grids) == 1:
            self.fields["grid"].initial = grids[0].pk  # a grid worker's own grid

    def _post_clean(self):
        pass  # no model validation: the service validates, normalises and saves


class ResidentEventForm(forms.Form):
    """One dated event. Which fields an event needs (a status, a grid) is the service's rule;
    its message names the field."""

    kind = forms.ChoiceField(label=_("Event"), choices=EventKind.choices)
    happened_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    new_status = forms.ChoiceField(
        label=_("New status"),
        choices=[("", "—"), *ResidentStatus.choices],
        required=False,
        help_text=_("For a status change."),
    )
    to_grid = forms.ModelChoiceField(
        label=_("To grid"),
        queryset=None,
        required=False,
        help_text=_("For a move to another grid, or moving in again."),
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=ResidentEvent._meta.get_field("note").max_length,
        required=False,
        help_text=_("Where to, why, or the source."),
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_grid"].queryset = area_list(user=actor, level=AreaLevel.GRID).defer(
            "boundary"
        )
        for field in self.fields.values():
            is_select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = "form-select" if is_select else "form-control"


class RevealForm(forms.Form):
    """Why the full ID number and phone are needed (kept in the audit trail)."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX_LENGTH,
        help_text=_("For example: verifying identity on a home visit. Kept in the audit trail."),
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )


ORGANISATION_FORM_FIELDS = [
    "grid",
    "name",
    "kind",
    "credit_code",
    "address",
    "employee_count",
    "legal_representative",
    "liaison_name",
    "liaison_phone",
    "safety_officer_name",
    "safety_officer_phone",
    "security_body_notes",
]


class OrganisationForm(forms.ModelForm):
    """Registration and correction on a phone: the shape only; the rules are the service's,
    whose errors the view adds. An existing organisation keeps its grid."""

    class Meta:
        model = Organisation
        fields = ORGANISATION_FORM_FIELDS
        widgets = {
            "credit_code": forms.TextInput(attrs={"autocomplete": "off", "maxlength": 18}),
            "liaison_phone": forms.TextInput(attrs={"inputmode": "tel"}),
            "safety_officer_phone": forms.TextInput(attrs={"inputmode": "tel"}),
            "employee_count": forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
        }

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["grid"]
        else:
            grids = area_list(user=actor, level=AreaLevel.GRID).defer("boundary")
            self.fields["grid"].queryset = grids
            if len(grids) == 1:
                self.fields["grid"].initial = grids[0].pk
        form_style(self)

    def _post_clean(self):
        pass  # no model validation: the service validates, normalises and saves


class VitalPartForm(forms.ModelForm):
    class Meta:
        model = VitalPart
        fields = ["name", "description", "person_responsible"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        form_style(self)

    def _post_clean(self):
        pass  # the service validates and saves


class OrganisationFilterForm(forms.Form):
    """The list's filters (GET: names and kinds are not personal data)."""

    kind = forms.ChoiceField(
        label=_("kind"), choices=[("", _("All kinds")), *OrganisationKind.choices], required=False
    )
    problem = forms.ChoiceField(
        label=_("shortfall"),
        choices=[("", _("Any")), *PROBLEM_CHOICES],
        required=False,
    )
    q = forms.CharField(label=_("Name or credit code"), max_length=100, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        form_style(self)


ANY_PRESENCE = "any"


class ResidentFilterForm(forms.Form):
    """The resident list's filters (GET: no personal data in them); the area comes apart,
    as ?area=<id>, checked against the user's scope by the view."""

    presence = forms.ChoiceField(
        label=_("presence"),
        choices=[*Presence.choices, (ANY_PRESENCE, _("Anyone, moved out or deceased too"))],
        required=False,
    )
    missing = forms.ChoiceField(
        label=_("missing"), choices=[("", _("Any record")), *MISSING_CHOICES], required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        form_style(self)

    def filters(self) -> dict:
        """The list's filters: those who live here unless another presence is chosen."""
        values = self.cleaned_data if self.is_valid() else {}
        presence = values.get("presence") or Presence.PRESENT
        return {
            "presence": "" if presence == ANY_PRESENCE else presence,
            "missing": values.get("missing", ""),
        }


class SpecialGroupRecordForm(forms.ModelForm):
    """Tagging a resident with a special group. The kind decides which specific fields apply;
    the service says which do not (naming the field) and checks the rest."""

    class Meta:
        model = SpecialGroupRecord
        fields = [
            "resident",
            "kind",
            "since",
            "follow_up_days",
            "responsible",
            "supervision_level",
            "supervision_start",
            "supervision_end",
            "release_date",
            "resettled",
            "assistance_team",
            "first_month_aid_on",
            "risk_level",
            "guardian_capable",
            "notes",
        ]
        widgets = {
            name: DateInput()
            for name in (
                "since",
                "supervision_start",
                "supervision_end",
                "release_date",
                "first_month_aid_on",
            )
        } | {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resident"].queryset = resident_list(user=actor)
        self.fields["kind"].queryset = SpecialGroupKind.objects.select_related("parent")
        self.fields["responsible"].queryset = visible_to(
            actor, User.objects.filter(role=Role.GRID_WORKER, is_active=True)
        )
        self.fields["follow_up_days"].required = False
        self.fields["follow_up_days"].help_text = _("Empty: the kind's default interval.")
        self.fields["responsible"].help_text = _("Empty: the grid's own worker.")
        form_style(self)

    def _post_clean(self):
        pass  # the service validates and saves

    def service_arguments(self) -> dict:
        """What the form holds, without the fields left empty."""
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}


class SpecialGroupEventForm(forms.ModelForm):
    class Meta:
        model = SpecialGroupEvent
        fields = ["kind", "occurred_on", "notes"]
        widgets = {"occurred_on": DateInput(), "notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        form_style(self)

    def _post_clean(self):
        pass


class FirstMonthAidForm(forms.Form):
    first_month_aid_on = forms.DateField(
        label=_("First-month assistance given on (首月救助)"), widget=DateInput()
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        form_style(self)


# --- Houses and households -------------------------------------------------------------------


def _bootstrap(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs["class"] = "form-check-input"
        elif isinstance(widget, forms.Select):
            widget.attrs["class"] = "form-select"
        else:
            widget.attrs["class"] = "form-control"


class HouseForm(forms.ModelForm):
    """A house and its rental data on a phone; the rules are the service's (house_validate).
    The landlord's link to the ledger is set through the API or the admin: a page listing
    every resident of a street to choose from would not load on a phone."""

    class Meta:
        model = House
        fields = [
            "grid",
            "building",
            "unit",
            "room",
            "address_line",
            "is_rented",
            "landlord_name",
            "landlord_phone",
            "filed_on",
            "responsibility_letter_signed_on",
            "compound",
        ]
        widgets = {
            "landlord_phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
            "filed_on": DateInput(),
            "responsibility_letter_signed_on": DateInput(),
        }

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["grid"]  # a house does not move
            # P27: the compounds of its grid's community the user sees (the service checks).
            compounds = compound_choices(user=actor, grid=self.instance.grid)
        else:
            grids = area_list(user=actor, level=AreaLevel.GRID).defer("boundary")
            self.fields["grid"].queryset = grids
            if len(grids) == 1:
                self.fields["grid"].initial = grids[0].pk
            compounds = visible_to(actor, Compound.objects.order_by("name", "pk"))
        self.fields["compound"].queryset = compounds
        _bootstrap(self)

    def _post_clean(self):
        pass  # the service validates, normalises and saves


class HouseholdForm(forms.ModelForm):
    head = forms.ModelChoiceField(
        label=_("head (户主)"),
        queryset=Resident.objects.none(),
        required=False,
        help_text=_("A resident of this grid not yet in a household; members are added next."),
    )

    class Meta:
        model = Household
        fields = ["kind", "number", "note"]

    def __init__(self, *args, actor, house: House, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["head"].queryset = visible_to(
            actor, Resident.objects.filter(grid_id=house.grid_id, household__isnull=True)
        ).order_by("name", "pk")
        _bootstrap(self)

    def _post_clean(self):
        pass


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Resident) -> str:
        if obj.household_id is None:
            return obj.name
        return _("%(name)s (now in the household at %(house)s)") % {
            "name": obj.name,
            "house": obj.household.house.label,
        }


class MemberAddForm(forms.Form):
    resident = MemberChoiceField(label=_("resident"), queryset=Resident.objects.none())
    relationship = forms.ChoiceField(
        label=_("relationship to the head"), choices=Relationship.choices
    )
    on = forms.DateField(
        label=_("moved in on"),
        required=False,
        widget=DateInput(),
        help_text=_("Today if left empty."),
    )
    move = forms.BooleanField(
        label=_("Move them out of their current household"),
        required=False,
    )

    def __init__(self, *args, actor, household: Household, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resident"].queryset = household_candidates(user=actor, household=household)
        _bootstrap(self)


class VisitForm(forms.ModelForm):
    """Logging a visit on a phone in under a minute: the grid worker's grid and the resident
    (when they came from the resident's page) are filled in, the time defaults to now and the
    phone's point arrives in hidden fields (static/js/visit_location.js). The rules are the
    service's (visit_log); its errors the view adds."""

    class Meta:
        model = Visit
        fields = [
            "grid",
            "resident",
            "household",
            "organisation",
            "subject",
            "purpose",
            "visited_at",
            "notes",
            "findings",
            "latitude",
            "longitude",
            "location_accuracy",
        ]
        widgets = {
            "resident": forms.HiddenInput,
            "household": forms.HiddenInput,
            "organisation": forms.HiddenInput,
            "visited_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "findings": forms.Textarea(attrs={"rows": 2}),
            "latitude": forms.HiddenInput,
            "longitude": forms.HiddenInput,
            "location_accuracy": forms.HiddenInput,
        }

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        grids = area_list(user=actor, level=AreaLevel.GRID).defer("boundary")
        self.fields["grid"].queryset = grids
        self.fields["grid"].required = False  # the resident's, or a grid worker's own
        self.fields["resident"].queryset = resident_list(user=actor)
        self.fields["household"].queryset = household_list(user=actor)
        self.fields["organisation"].queryset = organisation_list(user=actor)
        self.fields["visited_at"].required = False  # now
        self.fields["visited_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        self.fields["visited_at"].help_text = _("Leave as it is for a visit just made.")
        form_style(self)
        if len(grids) == 1:
            self.fields["grid"].initial = grids[0].pk  # a grid worker's own grid
            self.fields["grid"].widget = forms.HiddenInput()

    def _post_clean(self):
        pass  # no model validation: the service validates, places and saves


class VisitCorrectionForm(forms.ModelForm):
    """What a correction may change (services.VISIT_CORRECTABLE_FIELDS but the resident,
    which is corrected from the resident's own page by logging the right visit)."""

    class Meta:
        model = Visit
        fields = ["subject", "purpose", "visited_at", "notes", "findings"]
        widgets = VisitForm.Meta.widgets

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["visited_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        for field in self.fields.values():
            is_select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = "form-select" if is_select else "form-control"

    def _post_clean(self):
        pass  # the service validates and saves


class VisitFilterForm(forms.Form):
    """The office's filters of the visit list (all optional; read from the query string)."""

    grid = forms.ModelChoiceField(queryset=Area.objects.none(), required=False, label=_("grid"))
    purpose = forms.ChoiceField(required=False, label=_("purpose"))
    visited_from = forms.DateField(
        required=False, label=_("from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    visited_to = forms.DateField(
        required=False, label=_("to"), widget=forms.DateInput(attrs={"type": "date"})
    )
    outside_grid = forms.BooleanField(required=False, label=_("Only outside their grid"))

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = area_list(user=actor, level=AreaLevel.GRID).defer("boundary")
        self.fields["grid"].empty_label = _("All grids")
        self.fields["purpose"].choices = [("", _("All purposes")), *VisitPurpose.choices]
        for name, field in self.fields.items():
            if name == "outside_grid":
                field.widget.attrs["class"] = "form-check-input"
            else:
                is_select = isinstance(field.widget, forms.Select)
                field.widget.attrs["class"] = (
                    "form-select form-select-sm" if is_select else "form-control form-control-sm"
                )

    def filters(self) -> dict:
        """The selector's keyword arguments: the filters given that are valid (the form shows
        the errors of the others)."""
        self.is_valid()
        values = {name: value for name, value in self.cleaned_data.items() if value}
        if "outside_grid" in values:
            values["outside_grid"] = True
        return values


class ResidentImportForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet (CSV or XLSX)"),
        widget=forms.ClearableFileInput(
            attrs={"class": "form-control", "accept": ".csv,.xlsx,text/csv"}
        ),
    )


class ResidentExportForm(forms.Form):
    """Which part of the user's area to export (all of it when left empty)."""

    area = forms.ModelChoiceField(
        label=_("Area"),
        queryset=Area.objects.none(),
        required=False,
        empty_label=_("All of my area"),
        widget=forms.Select(attrs={"class": "form-select form-select-sm", "aria-label": _("Area")}),
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = area_list(user=actor).defer("boundary")


class SpecialGroupExportRequestForm(forms.Form):
    """Which area's special-group ledger, which kinds (all when none is ticked), and why."""

    area = forms.ModelChoiceField(label=_("Area"), queryset=Area.objects.none())
    kinds = forms.ModelMultipleChoiceField(
        label=_("Kinds"),
        queryset=SpecialGroupKind.objects.none(),
        required=False,
        help_text=_("Leave all unticked for every kind."),
        widget=forms.CheckboxSelectMultiple,
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        help_text=_("Why the ledger is needed; the office lead reads it before approving."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = area_list(user=actor).defer("boundary", "parent__boundary")
        self.fields["kinds"].queryset = SpecialGroupKind.objects.all()
        form_style(self)
        self.fields["kinds"].widget.attrs["class"] = "form-check-input"


class SpecialGroupExportDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "approve"), ("refuse", "refuse")])
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )


# --- Employers register their floating workers (以业管人, P7) ----------------------------------


class EmployerWorkerForm(forms.Form):
    """A floating worker registered by the enterprise's own account: the status (floating),
    the employer (the enterprise) and the grid (its organisation's) are not asked."""

    name = forms.CharField(label=_("name"), max_length=50)
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=18,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    address = forms.CharField(
        label=_("address"),
        max_length=200,
        required=False,
        help_text=_("Where the worker lives: building, unit and room (a dormitory too)."),
    )
    residence_permit_number = forms.CharField(
        label=_("residence permit number (居住证号)"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    residence_permit_expires_on = forms.DateField(
        label=_("residence permit expires on"), required=False, widget=DateInput()
    )
    moved_in_on = forms.DateField(
        label=_("Moved in on"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty for today."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        form_style(self)


# --- Care and counselling records (P16, P23) -------------------------------------------------


class SpecialGroupCareForm(forms.ModelForm):
    class Meta:
        model = SpecialGroupCare
        fields = ["kind", "given_on", "provider", "outcome", "notes"]
        widgets = {"given_on": DateInput(), "notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        form_style(self)

    def _post_clean(self):
        pass  # the service validates and saves
