"""Pages of the two screenings (D1-D9): thin, over screening_services and screening_selectors."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from disputes import screening_selectors as selectors
from disputes import screening_services as services
from disputes.models import ScreeningItem, ScreeningReport
from disputes.risk_views import _add_errors, _area_param
from disputes.screening_exports import screening_ledger_xlsx
from disputes.screening_forms import (
    HotspotForm,
    MajorReportForm,
    PeriodFilterForm,
    ScreeningItemForm,
    ScreeningSubmitForm,
)
from governance.views import portal_login_required
from grid.models import Area

PAGE_SIZE = 100


def _report_for_work(request, pk: int) -> ScreeningReport:
    """A report the user sees, or one they compile entries for (a grid worker's community)."""
    report = (
        selectors.screening_report_list(user=request.user).filter(pk=pk).first()
        or selectors.my_open_reports(request.user).filter(pk=pk).first()
    )
    if report is None:
        raise Http404
    return report


def _item_form(request, report: ScreeningReport, data=None) -> ScreeningItemForm:
    return ScreeningItemForm(
        data,
        actor=request.user,
        area=report.unit.area,
        own_grid=services.compiles_for(request.user, report),
        prefix=f"r{report.pk}",
    )


def _period(request):
    filters = PeriodFilterForm(request.GET)
    period = filters.cleaned_data.get("period") if filters.is_valid() else None
    return filters, period or selectors.default_period()


@portal_login_required
def screening_mine(request):
    """My unit's open reports: add entries, submit with items or a zero report."""
    user = request.user
    reports = []
    for report in selectors.my_open_reports(user):
        compiles = services.compiles_for(user, report)
        items = (
            selectors.my_grid_items(user, report)
            if compiles
            else report.items.select_related("category", "grid").defer("grid__boundary")
        )
        reports.append(
            {
                "report": report,
                "items": items,
                "item_form": _item_form(request, report),
                "submit_form": None if compiles else ScreeningSubmitForm(),
                "future": report.period.starts_on > timezone.localdate(),
            }
        )
    return render(
        request,
        "disputes/screening_mine.html",
        {"reports": reports, "units": selectors.units_reported_for(user)},
    )


@require_POST
@portal_login_required
def screening_item_add(request, pk: int):
    report = _report_for_work(request, pk)
    if not services.may_add_items(request.user, report):
        raise PermissionDenied
    form = _item_form(request, report, request.POST)
    if form.is_valid():
        try:
            services.screening_item_add(actor=request.user, report=report, **form.item_fields())
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The entry was added to the report."))
            return redirect("screenings:mine")
    # The entry is shown again with its errors, nothing lost.
    return render(
        request,
        "disputes/screening_item_form.html",
        {"report": report, "form": form},
        status=400,
    )


@require_POST
@portal_login_required
def screening_submit(request, pk: int):
    report = _report_for_work(request, pk)
    if not request.user.has_perm("disputes.change_screeningreport", report):
        raise PermissionDenied
    form = ScreeningSubmitForm(request.POST)
    if form.is_valid():
        try:
            services.screening_report_submit(actor=request.user, report=report, **form.cleaned_data)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The report was submitted."))
            return redirect("screenings:report", pk=report.pk)
    return redirect("screenings:mine")


@portal_login_required
def screening_report_detail(request, pk: int):
    report = get_object_or_404(selectors.screening_report_list(user=request.user), pk=pk)
    return render(
        request,
        "disputes/screening_report.html",
        {
            "report": report,
            "items": selectors.screening_item_list(user=request.user, report=report),
            "may_register_cases": request.user.has_perm("disputes.add_case"),
        },
    )


@portal_login_required
def screening_overview(request):
    """The office's overview of its units for a period (D9)."""
    filters, period = _period(request)
    area = _area_param(request)
    overview = selectors.screening_overview(user=request.user, period=period, area=area)
    reports = selectors.screening_report_list(
        user=request.user, period=period, area=overview.area
    ).prefetch_related(Prefetch("items", queryset=ScreeningItem.objects.only("report_id", "kind")))
    return render(
        request,
        "disputes/screening_overview.html",
        {
            "overview": overview,
            "filters": filters,
            "reports": reports[:PAGE_SIZE] if period else [],
            "today": timezone.localdate(),
        },
    )


def _ledger_reports(request):
    filters, period = _period(request)
    area = _area_param(request)
    reports = selectors.ledger_reports(user=request.user, period=period, area=area)
    return filters, period, area, reports


@portal_login_required
def screening_ledger(request):
    """The screening ledger (工作台帐, D7): per unit and period, with the items found."""
    filters, period, area, reports = _ledger_reports(request)
    return render(
        request,
        "disputes/screening_ledger.html",
        {
            "filters": filters,
            "period": period,
            "area": area,
            "reports": reports[:PAGE_SIZE],
            "total": reports.count(),
        },
    )


@portal_login_required
def screening_ledger_export(request):
    filters, period, area, reports = _ledger_reports(request)
    name = f"screening-ledger-{period.starts_on.isoformat() if period else 'all'}.xlsx"
    return FileResponse(screening_ledger_xlsx(reports), as_attachment=True, filename=name)


@portal_login_required
def screening_hotspots(request):
    """The hotspots of the user's scope (滚动排查, D6); office staff flag one by hand."""
    may_flag = request.user.has_perm("disputes.add_screeninghotspot")
    form = HotspotForm(request.POST or None, actor=request.user) if may_flag else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.screening_hotspot_flag(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("The area was flagged as a hotspot."))
                return redirect("screenings:hotspots")
    return render(
        request,
        "disputes/screening_hotspots.html",
        {
            "hotspots": selectors.hotspot_list(user=request.user),
            "lifted": selectors.hotspot_list(user=request.user, active=False)[:20],
            "form": form,
            "may_flag": may_flag,
        },
        status=400 if form is not None and form.errors else 200,
    )


@require_POST
@portal_login_required
def screening_hotspot_lift(request, pk: int):
    hotspot = get_object_or_404(selectors.hotspot_list(user=request.user, active=None), pk=pk)
    try:
        services.screening_hotspot_lift(actor=request.user, hotspot=hotspot)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The hotspot flag was lifted."))
    return redirect("screenings:hotspots")


@portal_login_required
def screening_major(request):
    """随时上报 (D5): report a major problem at once."""
    units = selectors.units_reported_for(request.user)
    unit_id = request.POST.get("unit", "")
    chosen = units.filter(pk=int(unit_id)).first() if unit_id.isdigit() else None
    first = chosen or units.first()
    area: Area | None = first.area if first else None
    own_grid = request.user.is_grid_worker
    form = MajorReportForm(
        request.POST or None, actor=request.user, units=units, area=area, own_grid=own_grid
    )
    if request.method == "POST" and form.is_valid():
        fields = form.item_fields()
        unit = fields.pop("unit")
        try:
            item = services.screening_major_report(actor=request.user, unit=unit, **fields)
        except ValidationError as error:
            _add_errors(form, error)
        except PermissionDenied:
            form.add_error("unit", _("You do not report for this unit."))
        else:
            messages.success(
                request, _("Reported: the street and district offices and leaders were notified.")
            )
            if request.user.has_perm("disputes.view_screeningreport", item.report):
                return redirect("screenings:report", pk=item.report_id)
            return redirect("screenings:mine")
    return render(request, "disputes/screening_major.html", {"form": form, "units": units})
