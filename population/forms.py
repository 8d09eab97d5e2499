from django import forms
from django.utils.translation import gettext_lazy as _

from grid.models import Area, AreaLevel
from grid.selectors import area_list
from population.models import Resident, Visit, VisitPurpose
from population.selectors import resident_list


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
        self.fields["visited_at"].required = False  # now
        self.fields["visited_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        self.fields["visited_at"].help_text = _("Leave as it is for a visit just made.")
        for field in self.fields.values():
            is_select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = "form-select" if is_select else "form-control"
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
