from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.scoping import in_scope
from governance.views import portal_login_required
from population import selectors, services
from population.forms import ResidentForm, VisitCorrectionForm, VisitFilterForm, VisitForm
from population.models import Visit

PAGE_SIZE = 50
RESIDENT_VISITS = 20  # the latest visits a resident's page lists


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
    visits = selectors.visit_list(user=request.user, resident=resident)[:RESIDENT_VISITS]
    return render(
        request,
        "population/resident_detail.html",
        {
            "resident": resident,
            "visits": visits,
            "may_log_visit": request.user.has_perm("population.add_visit"),
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
    resident = None
    if request.GET.get("resident"):  # from the resident's page
        resident = get_object_or_404(
            selectors.resident_list(user=request.user), pk=_int(request.GET["resident"])
        )
    initial = {"resident": resident.pk if resident else None}
    initial["visited_at"] = timezone.localtime().replace(second=0, microsecond=0)
    form = VisitForm(request.POST or None, actor=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        resident = form.cleaned_data["resident"]
        try:
            visit = services.visit_log(actor=request.user, **_given(form.cleaned_data))
        except ValidationError as error:
            _add(form, error)
        else:
            messages.success(request, _("The visit is logged."))
            return redirect("visits:detail", pk=visit.pk)
    elif request.method == "POST":
        resident = form.cleaned_data.get("resident")
    return render(request, "population/visit_form.html", {"form": form, "resident": resident})


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
