"""The re-verification drives' pages (P8 清理清查, P16 排查帮扶): the drives of the user's
area, opening one (offices), a drive's progress per grid and a grid's checklist with
one-click outcomes (grid workers, on a phone)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from governance.forms import DateInput, form_errors_add, form_style
from governance.scoping import in_scope, visible_to
from governance.views import portal_login_required
from grid.models import Area, AreaLevel
from population import drive_selectors as selectors
from population import drive_services as services
from population.models import CheckOutcome, ResidentDrive

CHECKLIST_SIZE = 500  # one grid's subjects on one page (a grid holds a few hundred people)


class ResidentDriveForm(forms.ModelForm):
    class Meta:
        model = ResidentDrive
        fields = ["area", "kind", "title", "starts_on", "ends_on"]
        widgets = {"starts_on": DateInput(), "ends_on": DateInput()}

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = visible_to(
            actor, Area.objects.filter(level__lt=AreaLevel.GRID).defer("boundary")
        )
        form_style(self)

    def _post_clean(self):
        pass  # the service validates and saves


class DriveCheckForm(forms.Form):
    outcome = forms.ChoiceField(choices=CheckOutcome.choices)
    note = forms.CharField(max_length=200, required=False)


@portal_login_required
def drive_list(request):
    drives = list(selectors.resident_drive_list(user=request.user)[:200])
    for drive in drives:
        # The name of an area above the user's own is not theirs to read.
        drive.area_shown = in_scope(request.user, drive.area)
    return render(
        request,
        "population/drive_list.html",
        {
            "drives": drives,
            "today": timezone.localdate(),
            "may_open": request.user.has_perm("population.add_residentdrive"),
        },
    )


@portal_login_required
def drive_new(request):
    if not request.user.has_perm("population.add_residentdrive"):
        return render(request, "population/drive_form.html", {"form": None})
    form = ResidentDriveForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            drive = services.resident_drive_open(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            return redirect("drives:detail", pk=drive.pk)
    return render(
        request,
        "population/drive_form.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@portal_login_required
def drive_detail(request, pk: int):
    """Progress per grid (counts), and the checklist of one grid: the worker's own, or the
    grid chosen in the table."""
    drive = get_object_or_404(selectors.resident_drive_list(user=request.user), pk=pk)
    progress = selectors.drive_progress(user=request.user, drive=drive)
    grid_id = request.GET.get("grid", "")
    grid = None
    if grid_id.isdigit():
        grid = next((row for row in progress if row.grid_id == int(grid_id)), None)
    elif request.user.home_area_id and request.user.home_area.level == AreaLevel.GRID:
        grid = next((row for row in progress if row.grid_id == request.user.home_area_id), None)
    checks = []
    if grid is not None:
        checks = list(
            selectors.drive_check_list(user=request.user, drive=drive)
            .filter(grid_id=grid.grid_id)
            .order_by("outcome", "resident__name", "pk")[:CHECKLIST_SIZE]  # unchecked first
        )
    today = timezone.localdate()
    return render(
        request,
        "population/drive_detail.html",
        {
            "drive": drive,
            "area_shown": in_scope(request.user, drive.area),
            "progress": progress,
            "totals": selectors.drive_totals(progress),
            "outcomes": CheckOutcome.choices,
            "grid": grid,
            "checks": checks,
            "open": drive.starts_on <= today <= drive.ends_on,
            "may_check": request.user.has_perm("population.change_drivecheck"),
        },
    )


@portal_login_required
@require_POST
def drive_check(request, pk: int):
    """One subject checked, from the checklist's buttons; back to the same grid's list."""
    check = get_object_or_404(selectors.drive_check_list(user=request.user), pk=pk)
    form = DriveCheckForm(request.POST)
    back = reverse("drives:detail", kwargs={"pk": check.drive_id}) + f"?grid={check.grid_id}"
    if not form.is_valid():
        messages.error(request, _("Choose one of the outcomes."))
        return redirect(back)
    try:
        services.drive_check_record(actor=request.user, check=check, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(name)s: %(outcome)s")
            % {
                "name": check.resident.name,
                "outcome": CheckOutcome(form.cleaned_data["outcome"]).label,
            },
        )
    return redirect(back)
