from django import forms
from django.utils.translation import gettext_lazy as _

from disputes.models import Case
from governance.forms import DateInput, form_style
from governance.scoping import visible_to
from population.models import AccountablePerson, House, RentalIncident


class RentalIncidentForm(forms.ModelForm):
    """An incident at one rental house; the dispute case to link is one of the grid's cases
    the user can see."""

    class Meta:
        model = RentalIncident
        fields = ["kind", "occurred_on", "summary", "police_reference", "case"]
        widgets = {"occurred_on": DateInput(), "summary": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, actor, house: House, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = visible_to(
            actor, Case.objects.filter(grid_id=house.grid_id)
        ).order_by("-pk")
        self.fields["case"].label_from_instance = lambda case: f"{case.number} {case.title}"
        form_style(self)

    def _post_clean(self):
        pass  # the service validates and saves


class RentalAccountabilityDecisionForm(forms.Form):
    person = forms.ChoiceField(choices=AccountablePerson.choices, widget=forms.HiddenInput)
    finding = forms.CharField(
        label=_("finding"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    sanction = forms.CharField(
        label=_("sanction"),
        max_length=200,
        help_text=_('e.g. a warning, a fine, a disciplinary sanction; "none" when no fault.'),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        form_style(self)
