"""Forms of the stability-risk register's pages: shapes only; the services hold the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from disputes.models import (
    ConsultationForm,
    RiskAssessment,
    RiskConclusion,
    RiskDecision,
    RiskMatter,
)
from governance.models import User
from governance.scoping import visible_to
from grid.selectors import area_list


class DateInput(forms.DateInput):
    input_type = "date"


def _style(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        if isinstance(field.widget, forms.CheckboxInput):
            field.widget.attrs["class"] = "form-check-input"
        elif isinstance(field.widget, forms.Select):
            field.widget.attrs["class"] = "form-select"
        else:
            field.widget.attrs["class"] = "form-control"


class RiskMatterForm(forms.ModelForm):
    class Meta:
        model = RiskMatter
        fields = [
            "area",
            "title",
            "kind",
            "sponsor",
            "description",
            "planned_on",
            "requires_assessment",
        ]
        widgets = {"planned_on": DateInput(), "description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["area"]  # registered in an area for good
        else:
            self.fields["area"].queryset = area_list(user=actor).defer(
                "boundary", "parent__boundary"
            )
        _style(self)

    def _post_clean(self):
        pass  # the service checks and saves


class RiskDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(value, label) for value, label in RiskDecision.choices if value != "proposed"],
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


SCORE_CHOICES = [("", "—")] + [(n, str(n)) for n in range(1, 6)]


class RiskAssessmentForm(forms.ModelForm):
    class Meta:
        model = RiskAssessment
        fields = [
            "possibility",
            "severity",
            "difficulty",
            "findings",
            "early_warning",
            "judicial_advice",
            "measures",
            "conclusion",
            "assessor",
            "assessing_body",
            "assessed_on",
        ]
        widgets = {
            "possibility": forms.Select(choices=SCORE_CHOICES),
            "severity": forms.Select(choices=SCORE_CHOICES),
            "difficulty": forms.Select(choices=SCORE_CHOICES),
            "assessed_on": DateInput(),
            **{
                name: forms.Textarea(attrs={"rows": 3})
                for name in ("findings", "early_warning", "judicial_advice", "measures")
            },
        }
        help_texts = {
            "possibility": _("1 (unlikely) to 5 (almost certain)"),
            "severity": _("危害程度: 1 (slight) to 5 (grave)"),
            "difficulty": _("处置难度: 1 (easy) to 5 (very hard)"),
            "assessor": _("Left empty, whoever completes the assessment signs it."),
        }

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["conclusion"].choices = [("", "—"), *RiskConclusion.choices]
        self.fields["assessor"].queryset = visible_to(
            actor, User.objects.filter(is_active=True).exclude(role="api_client")
        ).order_by("username")
        _style(self)

    def _post_clean(self):
        pass  # the service checks and saves


class RiskConsultationForm(forms.Form):
    held_on = forms.DateField(label=_("Date"), widget=DateInput())
    form = forms.ChoiceField(label=_("Form"), choices=ConsultationForm.choices)
    participants = forms.CharField(
        label=_("Participants"), widget=forms.Textarea(attrs={"rows": 2})
    )
    opinions = forms.CharField(
        label=_("Opinions gathered"), widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class RiskFilterForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
    status = forms.ChoiceField(
        label=_("Decision"), required=False, choices=[("", _("any")), *RiskDecision.choices]
    )
    awaiting = forms.BooleanField(label=_("Awaiting assessment"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "year": data.get("year"),
            "status": data.get("status") or None,
            "awaiting_assessment": True if data.get("awaiting") else None,
        }
