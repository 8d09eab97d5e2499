from django import forms
from django.utils.translation import gettext_lazy as _

from grid.models import Area, AreaLevel
from grid.selectors import area_list
from population.models import Resident


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
