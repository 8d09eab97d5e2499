"""Forms of the compound (P27) and security-body (P13) pages: the shape only; the rules are
the services' (population.compound_services), whose errors the views add."""

from django import forms
from django.utils.translation import gettext_lazy as _

from governance.forms import DateInput, form_style
from governance.scoping import visible_to
from grid.models import AreaLevel
from grid.selectors import area_list
from population.models import (
    COMPOUND_ORGANISATION_KINDS,
    Compound,
    Organisation,
    SecurityBody,
)


class CompoundForm(forms.ModelForm):
    """Registration and correction of a compound and its four; an existing one keeps its
    grid. The organisations offered are those of each kind the user sees (of the compound's
    community once it has a grid)."""

    class Meta:
        model = Compound
        fields = [
            "grid",
            "name",
            "address",
            "party_organisation",
            "residents_committee",
            "owners_committee",
            "property_company",
        ]

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        organisations = visible_to(actor, Organisation.objects.all())
        if self.instance.pk:
            del self.fields["grid"]
            organisations = organisations.filter(grid__parent_id=self.instance.grid.parent_id)
        else:
            grids = area_list(user=actor, level=AreaLevel.GRID).defer("boundary")
            self.fields["grid"].queryset = grids
            if len(grids) == 1:
                self.fields["grid"].initial = grids[0].pk
        for field, kind in COMPOUND_ORGANISATION_KINDS.items():
            self.fields[field].queryset = organisations.filter(kind=kind).order_by("name")
        form_style(self)

    def _post_clean(self):
        pass  # no model validation: the service validates, normalises and saves


class CompoundFilterForm(forms.Form):
    """The list's filters (GET); the area comes apart, as ?area=<id>."""

    incomplete = forms.ChoiceField(
        label=_("four in one"),
        choices=[
            ("", _("Any")),
            ("1", _("Incomplete four-in-one")),
            ("0", _("Complete four-in-one")),
        ],
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        form_style(self)


class SecurityBodyForm(forms.ModelForm):
    class Meta:
        model = SecurityBody
        fields = ["kind", "head_name", "head_phone", "member_count", "established_on", "notes"]
        widgets = {
            "head_phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
            "member_count": forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
            "established_on": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        form_style(self)

    def _post_clean(self):
        pass  # the service validates and saves
