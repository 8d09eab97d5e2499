from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from governance.forms import form_errors_add
from governance.scoping import in_scope
from governance.views import portal_login_required
from grid.models import Area
from grid.selectors import area_ancestors, area_list
from population import (
    care_services,
    employer_views,
    exports,
    imports,
    incident_selectors,
    selectors,
    services,
)
from population.compound_selectors import security_body_list
from population.forms import (
    FirstMonthAidForm,
    HouseForm,
    HouseholdForm,
    MemberAddForm,
    OrganisationFilterForm,
    OrganisationForm,
    ResidentEventForm,
    ResidentExportForm,
    ResidentFilterForm,
    ResidentForm,
    ResidentImportForm,
    RevealForm,
    SpecialGroupCareForm,
    SpecialGroupEventForm,
    SpecialGroupExportDecisionForm,
    SpecialGroupExportRequestForm,
    SpecialGroupRecordForm,
    VisitCorrectionForm,
    VisitFilterForm,
    VisitForm,
    VitalPartForm,
)
from population.models import (
    ImportStatus,
    RentalIncident,
    Resident,
    SecurityBody,
    SpecialGroupKind,
    Visit,
    VitalPart,
    floating_risk_visible,
    special_group_access,
)

PAGE_SIZE = 50
RESIDENT_VISITS = 20  # the latest visits a resident's, household's or organisation's page lists


@portal_login_required
def resident_list(request):
    # The search is posted: a full ID number in a query string would end up in the address
    # bar, the browser history and every access log on the way.
    query = request.POST.get("q", "").strip() if request.method == "POST" else ""
    too_short = 0 < len(query) < selectors.SEARCH_MIN_LENGTH
    filters = ResidentFilterForm(request.GET)
    area = _area_param(request)
    residents = selectors.resident_list(
        user=request.user, query="" if too_short else query, area=area, **filters.filters()
    )
    return render(
        request,
        "population/resident_list.html",
        {
            "residents": residents[:PAGE_SIZE],
            "total": residents.count(),
            "query": query,
            "too_short": too_short,
            "filters": filters,
            "area": area,
            "may_register": request.user.has_perm("population.add_resident"),
            "export_form": ResidentExportForm(actor=request.user),
        },
    )


def _area_param(request) -> Area | None:
    """?area=<id>: an area the user sees; any other value is a 404, which never says whether
    the area exists outside the user's scope."""
    value = request.GET.get("area", "")
    if not value:
        return None
    area = area_list(user=request.user).defer("boundary").filter(pk=_int(value)).first()
    if area is None:
        raise Http404
    return area


@portal_login_required
def resident_new(request):
    if request.user.employer_organisation_id is not None:
        # 以业管人 (P7): an enterprise's own account registers its workers, on their form.
        return employer_views.worker_new(request)
    if not request.user.has_perm("population.add_resident"):
        # Leaders read the ledger: the page says so rather than offering a form to refuse.
        return render(request, "population/resident_form.html", {"form": None})
    # ?grid= preselects the grid and ?next= comes back (from a household page) afterwards.
    initial = {"grid": request.GET["grid"]} if request.GET.get("grid", "").isdigit() else {}
    form = ResidentForm(request.POST or None, actor=request.user, initial=initial)
    back = request.POST.get("next") or request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    if request.method == "POST" and form.is_valid():
        try:
            resident = services.resident_register(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect(back or reverse("residents:detail", args=[resident.pk]))
    return render(request, "population/resident_form.html", {"form": form, "next": back})


def _history(user, record) -> list[selectors.HistoryEntry] | None:
    """The record's audit trail for office staff and administrators in its area (the
    record's `history` rule); None, and no section, for everyone else."""
    perm = f"population.history_{record._meta.model_name}"
    return selectors.record_history(user=user, obj=record) if user.has_perm(perm, record) else None


def _detail(request, resident: Resident, *, reveal_form: RevealForm, revealed: bool = False):
    user = request.user
    return render(
        request,
        "population/resident_detail.html",
        {
            "resident": resident,
            "may_reveal": user.has_perm("population.reveal_resident", resident),
            "sees_risk": floating_risk_visible(user),
            "reveal_form": reveal_form,
            "revealed": revealed,
            "history": _history(user, resident),
            "events": selectors.resident_event_list(user=user, resident=resident),
            "special_groups": selectors.special_group_record_list(user=user).filter(
                resident=resident
            ),
            "may_tag": _may_keep_special_groups(user),
            "may_record": user.has_perm("population.change_resident", resident),
            "visits": selectors.visit_list(user=user, resident=resident)[:RESIDENT_VISITS],
            "may_log_visit": user.has_perm("population.add_visit"),
        },
    )


def _resident_in_scope(request, pk: int) -> Resident:
    # Out of scope is "not found": a page never confirms that a person it hides exists.
    return get_object_or_404(
        selectors.resident_list(user=request.user).select_related(
            "household__house", "employer_organisation"
        ),
        pk=pk,
    )


@portal_login_required
def documents_expiring(request):
    """Residence permits and visas/stays expiring within N days, and expired ones (P3, P10)."""
    days = services.document_expiry_days()
    items = selectors.documents_expiring(user=request.user, within_days=days)
    return render(
        request,
        "population/documents_expiring.html",
        {"items": items, "days": days, "sees_risk": floating_risk_visible(request.user)},
    )


@portal_login_required
def resident_detail(request, pk: int):
    return _detail(request, _resident_in_scope(request, pk), reveal_form=RevealForm())


@sensitive_post_parameters("reason")  # never in an error report
@never_cache  # the full numbers stay out of the browser's and any proxy's cache
@portal_login_required
@require_POST
def resident_reveal(request, pk: int):
    """The resident's page with the full ID number and phone, once a reason is given."""
    resident = _resident_in_scope(request, pk)
    if not request.user.has_perm("population.reveal_resident", resident):
        raise PermissionDenied
    form = RevealForm(request.POST)
    if form.is_valid():
        try:
            services.resident_reveal(
                actor=request.user, resident=resident, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _detail(request, resident, reveal_form=RevealForm(), revealed=True)
    return _detail(request, resident, reveal_form=form)


@portal_login_required
def resident_event_new(request, pk: int):
    resident = _resident_in_scope(request, pk)
    if not request.user.has_perm("population.change_resident", resident):
        return render(request, "population/resident_event_form.html", {"resident": resident})
    form = ResidentEventForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.resident_event_add(actor=request.user, resident=resident, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("residents:detail", pk=resident.pk)
    return render(
        request, "population/resident_event_form.html", {"resident": resident, "form": form}
    )


# --- Organisations ---------------------------------------------------------------------------


@portal_login_required
def organisation_list(request):
    filters = OrganisationFilterForm(request.GET or None)
    values = filters.cleaned_data if filters.is_valid() else {}
    organisations = selectors.organisation_list(
        user=request.user,
        kind=values.get("kind", ""),
        problem=values.get("problem", ""),
        query=values.get("q", ""),
    )
    area = _area_param(request)
    if area is not None:
        organisations = selectors.within_area(organisations, area)
    return render(
        request,
        "population/organisation_list.html",
        {
            "organisations": organisations[:PAGE_SIZE],
            "area": area,
            "filters": filters,
            "filtered": bool(values and any(values.values())),
            "may_register": request.user.has_perm("population.add_organisation"),
        },
    )


@portal_login_required
def organisation_new(request):
    if not request.user.has_perm("population.add_organisation"):
        return render(request, "population/organisation_form.html", {"form": None})
    form = OrganisationForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.organisation_register(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            return redirect("organisations:detail", pk=organisation.pk)
    return render(request, "population/organisation_form.html", {"form": form})


def _organisation_in_scope(request, pk: int):
    # Out of scope is "not found": a page never confirms that what it hides exists.
    return get_object_or_404(selectors.organisation_list(user=request.user), pk=pk)


@portal_login_required
def organisation_detail(request, pk: int):
    organisation = _organisation_in_scope(request, pk)
    return render(
        request,
        "population/organisation_detail.html",
        {
            "organisation": organisation,
            "vital_parts": selectors.vital_part_list(user=request.user, organisation=organisation),
            "floating_workers": selectors.organisation_floating_workers(
                user=request.user, organisation=organisation
            ),
            "may_change": request.user.has_perm("population.change_organisation", organisation),
            "may_add_part": organisation.is_key_unit
            and request.user.has_perm("population.add_vitalpart"),
            # P13: its internal security bodies, kept by whoever keeps the organisation.
            "security_bodies": security_body_list(user=request.user, organisation=organisation),
            "may_keep_bodies": request.user.has_perm(
                "population.add_securitybody", SecurityBody(organisation=organisation)
            ),
            "visits": selectors.visit_list(user=request.user, organisation=organisation)[
                :RESIDENT_VISITS
            ],
            "may_log_visit": request.user.has_perm("population.add_visit"),
            "history": _history(request.user, organisation),
            # 以业管人 (P7): the enterprise's own account registers its workers here; the
            # workers its account registered this year.
            "own_employer": request.user.employer_organisation_id == organisation.pk,
            "registrations": selectors.employer_registration_figures(
                user=request.user, year=timezone.localdate().year, organisation=organisation
            ),
        },
    )


@portal_login_required
def organisation_edit(request, pk: int):
    organisation = _organisation_in_scope(request, pk)
    if not request.user.has_perm("population.change_organisation", organisation):
        context = {"form": None, "organisation": organisation}
        return render(request, "population/organisation_form.html", context)
    # The phones are not put back into the page: an empty box keeps the number on record.
    form = OrganisationForm(
        request.POST or None,
        instance=organisation,
        actor=request.user,
        initial={"liaison_phone": "", "safety_officer_phone": ""},
    )
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            services.organisation_update(actor=request.user, organisation=organisation, **changes)
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            return redirect("organisations:detail", pk=organisation.pk)
    context = {"form": form, "organisation": organisation}
    return render(request, "population/organisation_form.html", context)


@portal_login_required
def vital_part_new(request, pk: int):
    organisation = _organisation_in_scope(request, pk)
    may_add = organisation.is_key_unit and request.user.has_perm(
        "population.add_vitalpart", VitalPart(organisation=organisation)
    )
    form = VitalPartForm(request.POST or None) if may_add else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            services.vital_part_add(
                actor=request.user, organisation=organisation, **form.cleaned_data
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            return redirect("organisations:detail", pk=organisation.pk)
    return render(
        request,
        "population/vital_part_form.html",
        {"form": form, "organisation": organisation},
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
    # Care and counselling (P16, P23): the timeline below, added by the record's keepers.
    care_form = SpecialGroupCareForm(
        request.POST if request.POST.get("form") == "care" else None, prefix="care"
    )
    if request.method == "POST" and may_keep and request.POST.get("form") == "care":
        if care_form.is_valid():
            try:
                care_services.special_group_care_add(
                    actor=request.user, record=record, **care_form.cleaned_data
                )
            except ValidationError as error:
                form_errors_add(care_form, error)
            else:
                return redirect("special_groups:detail", pk=record.pk)
    elif request.method == "POST" and may_keep:
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
            "care_form": care_form,
            "care": record.care.select_related("given_by"),
            "history": _history(request.user, record),
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


# --- Houses, households and rental houses ------------------------------------------------------


def _flag(request, name: str) -> bool | None:
    """?rented=1 / ?rented=0 as True / False; anything else: no filter."""
    return {"1": True, "0": False}.get(request.GET.get(name, ""))


@portal_login_required
def house_list(request):
    rented, filed = _flag(request, "rented"), _flag(request, "filed")
    houses = selectors.house_list(user=request.user, rented=rented, filed=filed).order_by(
        "grid__code", "building", "unit", "room", "pk"
    )
    return render(
        request,
        "population/house_list.html",
        {
            "houses": houses[:PAGE_SIZE],
            "rented": rented,
            "filed": filed,
            "may_register": request.user.has_perm("population.add_house"),
        },
    )


@portal_login_required
def rentals_not_filed(request):
    """P4: the rented houses not filed (出租房屋登记备案), oldest first, to chase."""
    houses = selectors.rentals_not_filed(user=request.user)
    area = _area_param(request)
    if area is not None:
        houses = selectors.within_area(houses, area)
    return render(
        request,
        "population/rentals_not_filed.html",
        {"houses": houses[:PAGE_SIZE], "total": houses.count(), "area": area},
    )


@portal_login_required
def house_new(request):
    if not request.user.has_perm("population.add_house"):
        return render(request, "population/house_form.html", {"form": None})
    form = HouseForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            house = services.house_register(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("houses:detail", pk=house.pk)
    return render(request, "population/house_form.html", {"form": form})


def _visible_house(request, pk: int):
    # Out of scope is "not found": a page never confirms that a house it hides exists.
    return get_object_or_404(selectors.house_list(user=request.user), pk=pk)


@portal_login_required
def house_detail(request, pk: int):
    house = _visible_house(request, pk)
    return render(
        request,
        "population/house_detail.html",
        {
            "house": house,
            "households": selectors.household_list(user=request.user, house=house),
            "may_edit": request.user.has_perm("population.change_house", house),
            "incidents": incident_selectors.rental_incident_list(user=request.user).filter(
                house=house
            ),
            "may_record_incident": house.is_rented
            and request.user.has_perm("population.add_rentalincident", RentalIncident(house=house)),
            "history": _history(request.user, house),
        },
    )


@portal_login_required
def house_edit(request, pk: int):
    house = _visible_house(request, pk)
    if not request.user.has_perm("population.change_house", house):
        return render(request, "population/house_form.html", {"form": None, "house": house})
    form = HouseForm(request.POST or None, instance=house, actor=request.user)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            services.house_update(actor=request.user, house=house, **changes)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("houses:detail", pk=house.pk)
    return render(request, "population/house_form.html", {"form": form, "house": house})


@portal_login_required
def household_new(request, pk: int):
    house = _visible_house(request, pk)
    if not request.user.has_perm("population.add_household"):
        return render(request, "population/household_form.html", {"form": None, "house": house})
    form = HouseholdForm(request.POST or None, actor=request.user, house=house)
    if request.method == "POST" and form.is_valid():
        try:
            household = services.household_register(
                actor=request.user, house=house, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("houses:household", pk=household.pk)
    return render(request, "population/household_form.html", {"form": form, "house": house})


@portal_login_required
def household_detail(request, pk: int):
    """户情 (P25): the household, its members and its history; keepers add and remove members
    here (a POST with `remove` names the member who leaves)."""
    household = get_object_or_404(selectors.household_list(user=request.user), pk=pk)
    may_edit = request.user.has_perm("population.change_household", household)
    form = MemberAddForm(actor=request.user, household=household)
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied
        try:
            if "remove" in request.POST:
                leaver = get_object_or_404(household.members.all(), pk=request.POST["remove"])
                services.household_member_remove(
                    actor=request.user, household=household, resident=leaver
                )
                return redirect("houses:household", pk=household.pk)
            form = MemberAddForm(request.POST, actor=request.user, household=household)
            if form.is_valid():
                services.household_member_add(
                    actor=request.user, household=household, **form.cleaned_data
                )
                return redirect("houses:household", pk=household.pk)
        except ValidationError as error:
            form.add_error(None, error)
    return render(
        request,
        "population/household_detail.html",
        {
            "household": household,
            "members": household.members.all(),
            "events": selectors.household_events(user=request.user, household=household),
            "form": form if may_edit else None,
            "visits": selectors.visit_list(user=request.user, household=household)[
                :RESIDENT_VISITS
            ],
            "may_log_visit": request.user.has_perm("population.add_visit"),
            "history": _history(request.user, household),
        },
    )


# --- Visits ----------------------------------------------------------------------------------


def _visible_visit(request, pk: int) -> Visit:
    # Out of scope is "not found", as for residents.
    return get_object_or_404(selectors.visit_list(user=request.user), pk=pk)


@portal_login_required
def visit_new(request):
    if not request.user.has_perm("population.add_visit"):
        return render(request, "population/visit_form.html", {"form": None})
    # From the resident's, household's or organisation's page: whom is filled in.
    initial: dict = {"visited_at": timezone.localtime().replace(second=0, microsecond=0)}
    visited = None
    for field, rows in VISIT_SUBJECT_ROWS.items():
        if request.GET.get(field):
            visited = get_object_or_404(rows(user=request.user), pk=_int(request.GET[field]))
            initial[field] = visited.pk
            break
    form = VisitForm(request.POST or None, actor=request.user, initial=initial)
    if request.method == "POST":
        valid = form.is_valid()
        visited = next(
            (form.cleaned_data[f] for f in VISIT_SUBJECT_ROWS if form.cleaned_data.get(f)), None
        )
        if valid:
            try:
                visit = services.visit_log(actor=request.user, **_given(form.cleaned_data))
            except ValidationError as error:
                _add(form, error)
            else:
                messages.success(request, _("The visit is logged."))
                return redirect("visits:detail", pk=visit.pk)
    return render(request, "population/visit_form.html", {"form": form, "visited": visited})


# Whom a visit can name, and where each is looked up (scoped).
VISIT_SUBJECT_ROWS = {
    "resident": selectors.resident_list,
    "household": selectors.household_list,
    "organisation": selectors.organisation_list,
}


def _int(value: str) -> int:
    if not value.isdigit():
        raise Http404
    return int(value)


def _given(values: dict) -> dict:
    """The form's values, leaving the service its defaults for the blank ones."""
    return {name: value for name, value in values.items() if value not in (None, "")}


def _add(form, error: ValidationError) -> None:
    """The service's errors on the fields they name (or above the form for a hidden one)."""
    for field, messages_ in error.message_dict.items():
        visible = field in form.fields and not form.fields[field].widget.is_hidden
        form.add_error(field if visible else None, messages_)


def _visit_list_page(request, *, template_context: dict, **filters):
    page = Paginator(selectors.visit_list(user=request.user, **filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "population/visit_list.html",
        {
            "page": page,
            "visits": page.object_list,
            "may_log": request.user.has_perm("population.add_visit"),
            **template_context,
        },
    )


@portal_login_required
def visit_list(request):
    """The office's list of the visits in its area, filtered."""
    form = VisitFilterForm(request.GET or None, actor=request.user)
    filters = form.filters() if request.GET else {}
    query = request.GET.copy()
    query.pop("page", None)
    return _visit_list_page(
        request,
        template_context={"filter_form": form, "query": query.urlencode(), "mine": False},
        **filters,
    )


@portal_login_required
def visit_mine(request):
    """The signed-in worker's own visits, latest first (their 民情日记)."""
    return _visit_list_page(
        request, template_context={"mine": True, "query": ""}, worker=request.user
    )


@portal_login_required
def visit_detail(request, pk: int):
    visit = _visible_visit(request, pk)
    return render(
        request,
        "population/visit_detail.html",
        {
            "visit": visit,
            # The grid the point fell in is named only when it is in the viewer's scope.
            "located_grid_shown": visit.located_grid_id is not None
            and in_scope(request.user, visit.located_grid),
            "may_correct": request.user.has_perm("population.change_visit", visit),
            "history": _history(request.user, visit),
        },
    )


@portal_login_required
def visit_correct(request, pk: int):
    visit = _visible_visit(request, pk)
    if not request.user.has_perm("population.change_visit", visit):
        return render(request, "population/visit_correct.html", {"visit": visit, "form": None})
    form = VisitCorrectionForm(request.POST or None, instance=visit)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            services.visit_correct(actor=request.user, visit=visit, **changes)
        except ValidationError as error:
            _add(form, error)
        else:
            messages.success(request, _("The visit is corrected."))
            return redirect("visits:detail", pk=visit.pk)
    return render(request, "population/visit_correct.html", {"visit": visit, "form": form})


# --- Import and export ---------------------------------------------------------------------

FILE_TYPES = imports.CONTENT_TYPES


def _attachment(content: bytes, file_format: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=FILE_TYPES[file_format])
    response["Content-Disposition"] = f'attachment; filename="{name}.{file_format}"'
    return response


@portal_login_required
def resident_import_template(request):
    file_format = "xlsx" if request.GET.get("format") != "csv" else "csv"
    return _attachment(imports.template_file(file_format), file_format, "residents-template")


@portal_login_required
def resident_import_new(request):
    may_import = request.user.has_perm("population.add_residentimport")
    form = ResidentImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and may_import and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            resident_import = imports.resident_import_check(
                actor=request.user, file_name=upload.name, content=upload.read()
            )
        except ValidationError as error:
            form.add_error("file", error.message_dict.get("file", error.messages))
        else:
            return redirect("residents:import", pk=resident_import.pk)
    imports_done = selectors.resident_import_list(user=request.user)[:IMPORTS_SHOWN]
    return render(
        request,
        "population/resident_import_form.html",
        {"form": form if may_import else None, "imports": imports_done},
    )


IMPORTS_SHOWN = 20
PROBLEMS_SHOWN = 500  # a page of problems; the rejected-rows file has them all


def _import_of(request, pk: int):
    return get_object_or_404(selectors.resident_import_list(user=request.user), pk=pk)


@portal_login_required
def resident_import_detail(request, pk: int):
    resident_import = _import_of(request, pk)
    labels = {column.key: column.label for column in imports.COLUMNS}
    problems = [
        {**found, "label": labels.get(found["column"], "")}
        for found in resident_import.problems[:PROBLEMS_SHOWN]
    ]
    return render(
        request,
        "population/resident_import_detail.html",
        {
            "resident_import": resident_import,
            "problems": problems,
            "more_problems": max(len(resident_import.problems) - PROBLEMS_SHOWN, 0),
            "may_load": request.user.has_perm("population.change_residentimport", resident_import),
        },
    )


@require_POST
@portal_login_required
def resident_import_load(request, pk: int):
    resident_import = _import_of(request, pk)
    if not request.user.has_perm("population.change_residentimport", resident_import):
        raise PermissionDenied
    was_loaded = resident_import.status == ImportStatus.LOADED
    try:
        loaded = imports.resident_import_load(
            actor=request.user,
            resident_import=resident_import,
            valid_only=request.POST.get("valid_only") == "1",
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if was_loaded:
            messages.info(request, _("This file was loaded already; nothing was loaded again."))
        elif loaded.status == ImportStatus.LOADED:
            messages.success(
                request, _("%(count)d residents loaded.") % {"count": loaded.loaded_count}
            )
        else:
            messages.error(
                request,
                _("The file was checked again and has new problems; nothing was loaded."),
            )
    return redirect("residents:import", pk=pk)


@portal_login_required
def resident_import_rejected(request, pk: int):
    resident_import = _import_of(request, pk)
    if not request.user.has_perm("population.change_residentimport", resident_import):
        raise PermissionDenied  # the rows hold ID numbers in full: for those who keep them
    content = imports.rejected_rows_file(resident_import)
    return _attachment(content, resident_import.file_format, "rejected-rows")


@portal_login_required
def resident_export(request):
    form = ResidentExportForm(request.GET, actor=request.user)
    if not form.is_valid():
        raise Http404  # an area outside the user's scope "does not exist"
    residents = selectors.resident_export_list(user=request.user, area=form.cleaned_data["area"])
    stamp = timezone.localdate().isoformat()
    return FileResponse(
        exports.resident_export_xlsx(residents),
        as_attachment=True,
        filename=f"residents-{stamp}.xlsx",
        content_type=FILE_TYPES["xlsx"],
    )


# --- Ledger quality (台账质量) -------------------------------------------------------------------


@portal_login_required
def ledger_quality(request):
    """P1 底数清: the ledger's figures per child area of the user's area (or of ?area=), worst
    first, each linked to the list of what is missing; a grid's own figures for its worker."""
    area = _area_param(request)
    report = selectors.ledger_quality(user=request.user, area=area)
    return render(
        request,
        "population/ledger_quality.html",
        {
            "report": report,
            "ancestors": area_ancestors(user=request.user, area=report.area) if report.area else [],
            "may_see_due": special_group_access(request.user) is not None,
            "visit_window": selectors.VISIT_WINDOW_DAYS,
        },
    )


# --- Special-group ledger exports (P24, issue 7) -------------------------------------------------

EXPORTS_SHOWN = 50


@portal_login_required
def special_group_export_list(request):
    """Office staff: their requests (and the download of an approved one). Leaders: the
    requests of their area awaiting their decision, with approve and refuse."""
    user = request.user
    return render(
        request,
        "population/special_group_export_list.html",
        {
            "may_request": user.has_perm("population.add_specialgroupexportrequest"),
            "mine": selectors.special_group_exports_mine(user=user)[:EXPORTS_SHOWN],
            "may_decide": user.has_perm("population.approve_specialgroupexportrequest"),
            "pending": selectors.special_group_exports_pending(user=user)[:EXPORTS_SHOWN],
            "hours": settings.SPECIAL_GROUP_EXPORT_HOURS,
        },
    )


@portal_login_required
def special_group_export_new(request):
    if not request.user.has_perm("population.add_specialgroupexportrequest"):
        return render(request, "population/special_group_export_form.html", {"form": None})
    form = SpecialGroupExportRequestForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.special_group_export_request(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            messages.success(request, _("Your request was sent to the office lead."))
            return redirect("special_group_exports:list")
    return render(request, "population/special_group_export_form.html", {"form": form})


def _export_request_of(request, pk: int):
    return get_object_or_404(selectors.special_group_export_list(user=request.user), pk=pk)


@require_POST
@portal_login_required
def special_group_export_decide(request, pk: int):
    export_request = _export_request_of(request, pk)
    form = SpecialGroupExportDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to approve or refuse."))
        return redirect("special_group_exports:list")
    decide = (
        services.special_group_export_approve
        if form.cleaned_data["decision"] == "approve"
        else services.special_group_export_refuse
    )
    try:
        decide(actor=request.user, request=export_request, comment=form.cleaned_data["comment"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Your decision was recorded and the requester told."))
    return redirect("special_group_exports:list")


@require_POST
@portal_login_required
def special_group_export_download(request, pk: int):
    export_request = _export_request_of(request, pk)
    try:
        done, spool = services.special_group_export_download(
            actor=request.user, request=export_request
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("special_group_exports:list")
    return FileResponse(
        spool,
        as_attachment=True,
        filename=f"special-groups-{done.area.code}-{timezone.localdate().isoformat()}.xlsx",
        content_type=FILE_TYPES["xlsx"],
    )
