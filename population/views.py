from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from governance.views import portal_login_required
from population import selectors, services
from population.forms import HouseForm, HouseholdForm, MemberAddForm, ResidentForm

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


@portal_login_required
def resident_detail(request, pk: int):
    # Out of scope is "not found": a page never confirms that a person it hides exists.
    resident = get_object_or_404(
        selectors.resident_list(user=request.user).select_related("household__house"), pk=pk
    )
    return render(request, "population/resident_detail.html", {"resident": resident})


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
    return render(
        request,
        "population/rentals_not_filed.html",
        {"houses": houses[:PAGE_SIZE], "total": houses.count()},
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
        },
    )
