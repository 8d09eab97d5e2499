"""The forms of the case pages: registration, and one small form per workflow step. Only the
shape is checked here; the rules are the services', whose errors the views add."""

from django import forms
from django.utils.translation import gettext_lazy as _

from disputes.case_selectors import (
    handoff_targets,
    leaders_for,
    mediation_organisations_routed,
    mediators_serving,
    registrable_grids,
)
from disputes.models import (
    FAILED_OUTCOME_CHOICES,
    REGISTRATION_SOURCE_CHOICES,
    Case,
    CaseSource,
    DisputeCategory,
    HandoffKind,
    MediationKind,
    MediationOrganisation,
    Mediator,
    PartyRole,
)
from governance.forms import DateInput, form_style
from governance.models import Role, User
from governance.scoping import visible_to
from grid.models import Unit
from population.selectors import organisation_list, resident_list


class CaseRegisterForm(forms.ModelForm):
    """Registration: the case, and its parties. A party from the ledger is chosen on the
    resident's or organisation's page (the link fills it in); others are written by name."""

    category = forms.ModelChoiceField(
        label=_("category"), queryset=DisputeCategory.objects.filter(active=True)
    )
    source = forms.ChoiceField(
        label=_("source"),
        choices=REGISTRATION_SOURCE_CHOICES,
        initial=CaseSource.WALK_IN,
    )
    resident = forms.ModelChoiceField(
        label=_("party from the ledger (resident)"),
        queryset=None,
        required=False,
        widget=forms.HiddenInput,
    )
    organisation = forms.ModelChoiceField(
        label=_("party from the ledger (organisation)"),
        queryset=None,
        required=False,
        widget=forms.HiddenInput,
    )
    applicant = forms.CharField(label=_("applicant (申请人)"), max_length=100, required=False)
    respondents = forms.CharField(
        label=_("other parties"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One name per line."),
    )

    class Meta:
        model = Case
        fields = [
            "grid",
            "title",
            "summary",
            "category",
            "severity",
            "source",
            "occurred_on",
            "address",
            "people_involved",
            "units_involved",
            "petition",
            "collective_petition",
            "bypass_petition",
        ]
        widgets = {"occurred_on": DateInput, "summary": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        grids = registrable_grids(user=actor)
        self.fields["grid"].queryset = grids
        if "grid" not in self.initial:
            only = list(grids[:2])
            if len(only) == 1:  # a grid worker's own grid
                self.initial["grid"] = only[0].pk
        self.fields["resident"].queryset = resident_list(user=actor)
        self.fields["organisation"].queryset = organisation_list(user=actor)
        form_style(self)

    def _post_clean(self):
        pass  # the service validates and saves

    def parties(self) -> list[dict]:
        data = self.cleaned_data
        parties: list[dict] = []
        if data.get("resident"):
            parties.append({"role": PartyRole.APPLICANT, "resident": data["resident"]})
        if data.get("organisation"):
            parties.append({"role": PartyRole.RESPONDENT, "organisation": data["organisation"]})
        if data.get("applicant", "").strip():
            parties.append({"role": PartyRole.APPLICANT, "name": data["applicant"].strip()})
        for line in data.get("respondents", "").splitlines():
            if line.strip():
                parties.append({"role": PartyRole.RESPONDENT, "name": line.strip()[:100]})
        return parties

    def case_fields(self) -> dict:
        skip = {"resident", "organisation", "applicant", "respondents"}
        return {name: value for name, value in self.cleaned_data.items() if name not in skip}


class StepForm(forms.Form):
    def __init__(self, *args, case: Case, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case
        self.actor = actor
        self.setup()
        form_style(self)

    def setup(self) -> None:
        pass


class AcceptForm(StepForm):
    measures = forms.CharField(
        label=_("measures of the plan (制定方案)"), widget=forms.Textarea(attrs={"rows": 3})
    )
    handlers = forms.ModelMultipleChoiceField(label=_("handlers"), queryset=None, required=False)
    responsible_leader = forms.ModelChoiceField(
        label=_("responsible leader (包案领导)"), queryset=None, required=False
    )

    def setup(self) -> None:
        people = visible_to(self.actor, User.objects.filter(is_active=True)).exclude(
            role=Role.API_CLIENT
        )
        self.fields["handlers"].queryset = people.order_by("last_name", "first_name", "username")
        self.fields["responsible_leader"].queryset = leaders_for(case=self.case)
        self.fields["responsible_leader"].initial = self.case.responsible_leader_id


class HandOffForm(StepForm):
    to_unit = forms.ModelChoiceField(label=_("to unit"), queryset=Unit.objects.none())
    kind = forms.ChoiceField(label=_("kind"), choices=HandoffKind.choices)
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def setup(self) -> None:
        self.fields["to_unit"].queryset = handoff_targets(case=self.case)


class ReasonForm(StepForm):
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 2}))


class MediateForm(StepForm):
    kind = forms.ChoiceField(label=_("kind"), choices=MediationKind.choices)
    held_on = forms.DateField(label=_("held on"), widget=DateInput)
    organisation = forms.ModelChoiceField(
        label=_("mediation organisation"),
        queryset=MediationOrganisation.objects.none(),
        required=False,
        help_text=_("Those serving the case's area that handle its category, specialised first."),
    )
    roster = forms.ModelMultipleChoiceField(
        label=_("mediators from the roster"), queryset=Mediator.objects.none(), required=False
    )
    mediators = forms.CharField(
        label=_("other mediators"),
        max_length=200,
        required=False,
        help_text=_("Those not on the roster, by name."),
    )

    def setup(self) -> None:
        self.fields["roster"].queryset = mediators_serving(case=self.case)
        routed = mediation_organisations_routed(case=self.case)
        self.fields["organisation"].queryset = routed
        first = routed.first()
        if first is not None:
            self.fields["organisation"].initial = first.pk

    participants = forms.CharField(label=_("participants"), max_length=300, required=False)
    outcome = forms.CharField(label=_("outcome"), widget=forms.Textarea(attrs={"rows": 2}))


class ResolveForm(StepForm):
    agreement = forms.CharField(label=_("agreement"), widget=forms.Textarea(attrs={"rows": 2}))
    resolution_method = forms.CharField(label=_("method (化解方式)"), max_length=100)
    resolution_org = forms.CharField(
        label=_("resolved by (化解组织)"), max_length=100, required=False
    )
    resolution_notes = forms.CharField(
        label=_("how it was resolved (化解情况)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class FailForm(StepForm):
    outcome = forms.ChoiceField(label=_("outcome"), choices=FAILED_OUTCOME_CHOICES)
    referred_to = forms.CharField(label=_("referred to"), max_length=200)
    resolution_notes = forms.CharField(
        label=_("notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class VerifyForm(StepForm):
    satisfied = forms.TypedChoiceField(
        label=_("Are the parties satisfied?"),
        choices=[("yes", _("Satisfied: settled")), ("no", _("Not satisfied: handle again"))],
        coerce=lambda value: value == "yes",
    )
    evaluation = forms.CharField(
        label=_("verification notes (考评意见)"), widget=forms.Textarea(attrs={"rows": 2})
    )
    evaluated_on = forms.DateField(label=_("follow-up date"), widget=DateInput)


class CommentForm(StepForm):
    comment = forms.CharField(
        label=_("comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class SendBackForm(StepForm):
    comment = forms.CharField(
        label=_("what must be done again"), widget=forms.Textarea(attrs={"rows": 2})
    )


class InstructForm(StepForm):
    instruction = forms.CharField(
        label=_("instruction (批示)"), widget=forms.Textarea(attrs={"rows": 2})
    )


class EmptyForm(StepForm):
    pass


class ExtendForm(StepForm):
    days = forms.IntegerField(label=_("working days asked"), min_value=1, max_value=30)
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 2}))


class DecideExtensionForm(StepForm):
    grant = forms.TypedChoiceField(
        label=_("decision"),
        choices=[("yes", _("Grant the days asked")), ("no", _("Refuse"))],
        coerce=lambda value: value == "yes",
    )
    comment = forms.CharField(
        label=_("comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class SuperviseForm(StepForm):
    requirement = forms.CharField(
        label=_("what is required"), widget=forms.Textarea(attrs={"rows": 2})
    )
    deadline = forms.DateField(label=_("report back by"), widget=DateInput)


class ReportBackForm(StepForm):
    report = forms.CharField(label=_("report back"), widget=forms.Textarea(attrs={"rows": 2}))


class TaskGroupForm(StepForm):
    units = forms.ModelMultipleChoiceField(
        label=_("units of the task group"),
        queryset=Unit.objects.none(),
        help_text=_("Two units at least, besides the responsible unit."),
    )
    lead = forms.ModelChoiceField(
        label=_("lead unit"), queryset=Unit.objects.none(), required=False
    )

    def setup(self) -> None:
        targets = handoff_targets(case=self.case)
        self.fields["units"].queryset = targets
        self.fields["lead"].queryset = targets
        self.fields["units"].initial = [member.unit_id for member in self.case.task_group.all()]


class GroupReportForm(StepForm):
    report = forms.CharField(label=_("progress report"), widget=forms.Textarea(attrs={"rows": 2}))


class AccountabilityForm(StepForm):
    persons = forms.CharField(label=_("persons held accountable"), max_length=300)
    finding = forms.CharField(label=_("finding"), widget=forms.Textarea(attrs={"rows": 2}))
    sanction = forms.CharField(label=_("sanction"), max_length=200)
