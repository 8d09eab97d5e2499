"""Pages of the meetings on disputes (D14): the list with the open decisions, recording a
meeting with its agenda of major and overdue cases, and one meeting with its decisions."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from disputes import meeting_selectors as selectors
from disputes import meeting_services as services
from disputes.models import Case, Meeting, MeetingDecision
from governance.errors import Conflict
from governance.forms import DateInput, form_errors_add, form_style
from governance.models import Role, User
from governance.scoping import visible_to
from governance.views import portal_login_required
from grid.models import Area, AreaLevel, Unit

DECISION_ROWS = 3


class MeetingForm(forms.ModelForm):
    cases = forms.ModelMultipleChoiceField(
        label=gettext_lazy("cases discussed"),
        queryset=Case.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Meeting
        fields = ["kind", "held_on", "title", "chair", "attendees", "minutes"]
        widgets = {
            "held_on": DateInput(),
            "attendees": forms.Textarea(attrs={"rows": 2}),
            "minutes": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, actor, area: Area, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["chair"].queryset = visible_to(
            actor, User.objects.filter(role__in=[Role.LEADER, Role.OFFICE_STAFF], is_active=True)
        ).order_by("role", "last_name")
        self.fields["chair"].label_from_instance = lambda user: user.display_name
        agenda = selectors.meeting_agenda(user=actor, area=area)
        self.fields["cases"].queryset = Case.objects.filter(pk__in=[c.pk for c in agenda])
        self.fields["cases"].label_from_instance = lambda case: (
            f"{case.number} {case.title} · {case.get_severity_display()}"
        )
        self.fields["cases"].initial = [case.pk for case in agenda]
        form_style(self)
        self.fields["cases"].widget.attrs["class"] = "form-check-input"

    def _post_clean(self):
        pass  # the service validates and saves


class DecisionForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("decision"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    unit = forms.ModelChoiceField(
        label=gettext_lazy("responsible unit"), queryset=Unit.objects.none(), required=False
    )
    deadline = forms.DateField(label=gettext_lazy("deadline"), widget=DateInput, required=False)

    def __init__(self, *args, area: Area, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(
            active=True, area_id__in=[*area.ancestor_ids, area.pk]
        ) | Unit.objects.filter(active=True, area__path__startswith=area.path)
        form_style(self)


class DoneForm(forms.Form):
    decision = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(label=gettext_lazy("what was done"), max_length=2000)


def _meeting_area(request) -> Area | None:
    """The area whose meeting is recorded: ?area= (one the user sees, above the grids), else
    the user's own; None for a user with neither (a grid worker, a department)."""
    areas = visible_to(request.user, Area.objects.filter(level__lt=AreaLevel.GRID)).defer(
        "boundary"
    )
    wanted = request.GET.get("area") or request.POST.get("area")
    if wanted and wanted.isdigit():
        return get_object_or_404(areas, pk=wanted)
    home = request.user.home_area
    return home if home is not None and home.level < AreaLevel.GRID else None


@portal_login_required
def meeting_list(request):
    return render(
        request,
        "disputes/meeting_list.html",
        {
            "meetings": selectors.meeting_list(user=request.user)[:50],
            "decisions": selectors.meeting_decision_list(user=request.user, open_only=True)[:100],
            "today": timezone.localdate(),
            "may_record": request.user.has_perm("disputes.add_meeting")
            and request.user.home_area is not None,
        },
    )


@portal_login_required
def meeting_new(request):
    area = _meeting_area(request)
    if area is None or not request.user.has_perm("disputes.add_meeting"):
        return render(request, "disputes/meeting_form.html", {"form": None})
    form = MeetingForm(request.POST or None, actor=request.user, area=area)
    rows = [
        DecisionForm(request.POST or None, prefix=f"d{index}", area=area)
        for index in range(DECISION_ROWS)
    ]
    if request.method == "POST" and form.is_valid() and all(row.is_valid() for row in rows):
        decisions = [
            {**row.cleaned_data}
            for row in rows
            if row.cleaned_data.get("text") or row.cleaned_data.get("unit")
        ]
        try:
            meeting = services.meeting_record(
                actor=request.user, area=area, decisions=decisions, **form.cleaned_data
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            messages.success(request, _("The meeting is recorded."))
            return redirect("cases:meeting", pk=meeting.pk)
    return render(
        request,
        "disputes/meeting_form.html",
        {"form": form, "rows": rows, "area": area},
        status=400 if request.method == "POST" else 200,
    )


@portal_login_required
def meeting_detail(request, pk: int):
    meeting = get_object_or_404(selectors.meeting_list(user=request.user), pk=pk)
    decisions = MeetingDecision.objects.filter(meeting=meeting).select_related(
        "unit", "case", "done_by"
    )
    if request.method == "POST":
        form = DoneForm(request.POST)
        if form.is_valid():
            decision = get_object_or_404(decisions, pk=form.cleaned_data["decision"])
            try:
                services.meeting_decision_done(
                    actor=request.user, decision=decision, note=form.cleaned_data["note"]
                )
            except (ValidationError, Conflict) as error:
                messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
            else:
                messages.success(request, _("Marked done."))
        return redirect("cases:meeting", pk=meeting.pk)
    return render(
        request,
        "disputes/meeting_detail.html",
        {
            "meeting": meeting,
            "cases": visible_to(request.user, meeting.cases.all()).select_related("grid"),
            "decisions": decisions,
            "today": timezone.localdate(),
            "may_close_as_office": request.user.has_perm("disputes.add_meeting", meeting),
        },
    )
