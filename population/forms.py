from django import forms
from django.utils.translation import gettext_lazy as _

from governance.models import Role, User
from governance.scoping import visible_to
from grid.models import AreaLevel
from grid.selectors import area_list
from population.models import Resident, SpecialGroupEvent, SpecialGroupKind, SpecialGroupRecord
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


def _styled(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        is_select = isinstance(field.widget, forms.Select)
        field.widget.attrs["class"] = "form-select" if is_select else "form-control"


class DateInput(forms.DateInput):
    input_type = "date"


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
        _styled(self)

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
        _styled(self)

    def _post_clean(self):
        pass


class FirstMonthAidForm(forms.Form):
    first_month_aid_on = forms.DateField(
        label=_("First-month assistance given on (首月救助)"), widget=DateInput()
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _styled(self)
