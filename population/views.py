from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from governance.views import portal_login_required
from population import selectors, services
from population.forms import (
    FirstMonthAidForm,
    ResidentForm,
    SpecialGroupEventForm,
    SpecialGroupRecordForm,
)
from population.models import SpecialGroupKind, special_group_access

PAGE_SIZE = 50


@portal_login_required
def resident_list(request):
    # The search is posted: a full ID number in a query string would end up in the address
    # bar, the browser history and every access log on the way.
    query = request.POST.get("q", "").strip() if request.method == "POST" else ""
    residents = selectors.resident_list(user=request.user, query=query)
    return render(
        request,
        "population/resident_list.html",
        {
            "residents": residents[:PAGE_SIZE],
            "query": query,
            "may_register": request.user.has_perm("population.add_resident"),
        },
    )


@portal_login_required
def resident_new(request):
    if not request.user.has_perm("population.add_resident"):
        # Leaders read the ledger: the page says so rather than offering a form to refuse.
        return render(request, "population/resident_form.html", {"form": None})
    form = ResidentForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            resident = services.resident_register(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("residents:detail", pk=resident.pk)
    return render(request, "population/resident_form.html", {"form": form})


@portal_login_required
def resident_detail(request, pk: int):
    # Out of scope is "not found": a page never confirms that a person it hides exists.
    resident = get_object_or_404(selectors.resident_list(user=request.user), pk=pk)
    special_groups = selectors.special_group_record_list(user=request.user).filter(
        resident=resident
    )
    return render(
        request,
        "population/resident_detail.html",
        {
            "resident": resident,
            "special_groups": special_groups,
            "may_tag": _may_keep_special_groups(request.user),
        },
    )


# --- Special groups ---------------------------------------------------------------------------


def _may_keep_special_groups(user) -> bool:
    return user.has_perm("population.add_specialgrouprecord")


@portal_login_required
def special_group_list(request):
    """Counts per kind for everyone in scope; the members for those who may see them."""
    kind = None
    if request.GET.get("kind", "").isdigit():
        kind = SpecialGroupKind.objects.filter(pk=request.GET["kind"]).first()
    names = special_group_access(request.user) is not None
    records = (
        selectors.special_group_record_list(user=request.user, kind=kind).filter(
            until__isnull=True
        )[:PAGE_SIZE]
        if names
        else []
    )
    return render(
        request,
        "population/special_group_list.html",
        {
            "counts": selectors.special_group_counts(user=request.user),
            "kind": kind,
            "names": names,
            "records": records,
            "may_tag": _may_keep_special_groups(request.user),
        },
    )


@portal_login_required
def special_group_new(request):
    if not _may_keep_special_groups(request.user):
        return render(request, "population/special_group_form.html", {"form": None})
    initial = {}
    if request.GET.get("resident", "").isdigit():
        initial["resident"] = request.GET["resident"]
    form = SpecialGroupRecordForm(request.POST or None, actor=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.special_group_record_create(
                actor=request.user, **form.service_arguments()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("special_groups:detail", pk=record.pk)
    return render(request, "population/special_group_form.html", {"form": form})


@portal_login_required
def special_group_detail(request, pk: int):
    # Hidden (out of scope, or a member this role may not see) is "not found".
    record = get_object_or_404(
        selectors.special_group_record_list(user=request.user).prefetch_related("events"), pk=pk
    )
    may_keep = request.user.has_perm("population.change_specialgrouprecord", record)
    event_form = SpecialGroupEventForm(
        request.POST if request.POST.get("form") == "event" else None, prefix="event"
    )
    aid_form = FirstMonthAidForm(
        request.POST if request.POST.get("form") == "aid" else None, prefix="aid"
    )
    if request.method == "POST" and may_keep:
        try:
            if request.POST.get("form") == "event" and event_form.is_valid():
                services.special_group_event_record(
                    actor=request.user, record=record, **event_form.cleaned_data
                )
                return redirect("special_groups:detail", pk=record.pk)
            if request.POST.get("form") == "aid" and aid_form.is_valid():
                services.special_group_record_update(
                    actor=request.user, record=record, **aid_form.cleaned_data
                )
                return redirect("special_groups:detail", pk=record.pk)
        except ValidationError as error:
            form = event_form if request.POST.get("form") == "event" else aid_form
            form.add_error(None, error)
    return render(
        request,
        "population/special_group_detail.html",
        {
            "record": record,
            "details": services.special_group_details_of(record.kind),
            "may_keep": may_keep,
            "event_form": event_form,
            "aid_form": aid_form,
        },
    )


@portal_login_required
def special_group_due(request):
    """Follow-ups and first-month assistance due this week or overdue (a worker's own)."""
    return render(
        request,
        "population/special_group_due.html",
        {"items": selectors.follow_ups_due(user=request.user)},
    )


@portal_login_required
def special_group_rates(request):
    """Recidivism (P18) and relapse (P21) rates per area, with the seeds' targets beside them."""
    today = timezone.localdate()
    year = int(request.GET["year"]) if request.GET.get("year", "").isdigit() else today.year
    year = min(max(year, 2000), today.year)
    return render(
        request,
        "population/special_group_rates.html",
        {
            "year": year,
            "years": range(today.year, today.year - 5, -1),
            "recidivism": selectors.recidivism_rates(user=request.user, year=year),
            "relapse": selectors.relapse_rates(user=request.user, year=year),
        },
    )


@portal_login_required
def special_group_high_risk(request):
    """P20: high-risk patients whose family cannot look after them."""
    return render(
        request,
        "population/special_group_high_risk.html",
        {
            "records": selectors.high_risk_without_guardian(user=request.user)[:PAGE_SIZE],
            "names": special_group_access(request.user) is not None,
        },
    )
