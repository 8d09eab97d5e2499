from django import forms
from django.utils.translation import gettext_lazy as _

from governance.scoping import visible_to
from grid.models import AreaLevel
from grid.selectors import area_list
from population.models import House, Household, Relationship, Resident
from population.selectors import household_candidates


class ResidentForm(forms.ModelForm):
    """Registration on a phone. Only the shape is checked here; the rules (checksum, one
    registration per person, scope) are the service's, whose errors the view adds."""

    class Meta:
        model = Resident
        fields = ["grid", "name", "id_number", "phone", "status", "address", "employer"]
        widgets = {
            "id_number": forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
            "phone": forms.TextInput(attrs={"inputmode": "tel"}),
        }

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        grids = area_list(user=actor, level=AreaLevel.GRID).defer("boundary")
        self.fields["grid"].queryset = grids
        for field in self.fields.values():
            is_select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = "form-select" if is_select else "form-control"
        if len(grids) == 1:
            self.fields["grid"].initial = grids[0].pk  # a grid worker's own grid

    def _post_clean(self):
        pass  # no model validation: the service validates, normalises and saves


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


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


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
        else:
            grids = area_list(user=actor, level=AreaLevel.GRID).defer("boundary")
            self.fields["grid"].queryset = grids
            if len(grids) == 1:
                self.fields["grid"].initial = grids[0].pk
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
