"""Forms of the screening pages: shapes only; the services hold the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from disputes.models import (
    DisputeCategory,
    ScreeningItem,
    ScreeningPeriod,
    Severity,
)
from disputes.risk_forms import DateInput, _style
from grid.models import Area, AreaLevel, Unit
from grid.selectors import area_list

ITEM_FORM_FIELDS = [
    "kind",
    "title",
    "description",
    "grid",
    "parties",
    "severity",
    "category",
    "people_count",
    "responsible_leader",
    "handlers",
    "duty",
    "measures",
    "deadline",
]


class ScreeningItemForm(forms.ModelForm):
    """An entry of a report. `area`: the grids offered are those below it that the actor
    sees; a grid worker's own grid is set by the service (the field is left out)."""

    class Meta:
        model = ScreeningItem
        fields = ITEM_FORM_FIELDS
        widgets = {
            "deadline": DateInput(),
            "description": forms.Textarea(attrs={"rows": 2}),
            "parties": forms.Textarea(attrs={"rows": 2}),
            "duty": forms.Textarea(attrs={"rows": 2}),
            "measures": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, actor, area: Area | None = None, own_grid: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if own_grid or area is None:
            del self.fields["grid"]
        else:
            # Grids the actor sees (department staff see none: they leave it empty).
            self.fields["grid"].queryset = (
                area_list(user=actor, level=AreaLevel.GRID)
                .filter(path__startswith=area.path)
                .defer("boundary", "parent__boundary")
            )
        self.fields["category"].queryset = DisputeCategory.objects.filter(active=True)
        self.fields["responsible_leader"].required = True
        self.fields["deadline"].required = True
        _style(self)

    def _post_clean(self):
        pass  # the service checks and saves

    def item_fields(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.fields}


class MajorReportForm(ScreeningItemForm):
    """随时上报 (D5): a major problem, for one of the units the actor reports for."""

    unit = forms.ModelChoiceField(label=_("Reporting unit"), queryset=Unit.objects.none())

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()
        self.fields["severity"].choices = [
            (value, label) for value, label in Severity.choices if value != Severity.GENERAL
        ]
        self.fields["severity"].initial = Severity.MAJOR
        self.fields["unit"].widget.attrs["class"] = "form-select"
        self.order_fields(["unit"])


class ScreeningSubmitForm(forms.Form):
    disputes_zero = forms.BooleanField(
        label=_("Zero report for disputes (no dispute found)"), required=False
    )
    security_zero = forms.BooleanField(
        label=_("Zero report for public security and hazards (none found)"), required=False
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class PeriodFilterForm(forms.Form):
    period = forms.ModelChoiceField(
        label=_("Period"), queryset=ScreeningPeriod.objects.order_by("-starts_on"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class HotspotForm(forms.Form):
    area = forms.ModelChoiceField(label=_("Area"), queryset=Area.objects.none())
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = (
            area_list(user=actor)
            .filter(level__in=[AreaLevel.STREET, AreaLevel.COMMUNITY])
            .defer("boundary")
        )
        _style(self)
