from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render

from governance.views import portal_login_required
from population import selectors, services
from population.forms import ResidentEventForm, ResidentForm

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
    return render(
        request,
        "population/resident_detail.html",
        {
            "resident": resident,
            "events": selectors.resident_event_list(user=request.user, resident=resident),
            "may_record": request.user.has_perm("population.change_resident", resident),
        },
    )


@portal_login_required
def resident_event_new(request, pk: int):
    resident = get_object_or_404(selectors.resident_list(user=request.user), pk=pk)
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
