"""Pages of compounds (小区/院落, 四位一体, P27) and of organisations' internal security
bodies (P13). Thin: the services hold the rules, the selectors the reads."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from governance.forms import form_errors_add
from governance.scoping import visible_to
from governance.views import portal_login_required
from population import compound_selectors as selectors
from population import compound_services as services
from population.compound_forms import CompoundFilterForm, CompoundForm, SecurityBodyForm
from population.models import SecurityBody
from population.selectors import organisation_list, within_area
from population.views import PAGE_SIZE, _area_param, _history

# --- Compounds (四位一体) ------------------------------------------------------------------------


@portal_login_required
def compound_list(request):
    filters = CompoundFilterForm(request.GET or None)
    values = filters.cleaned_data if filters.is_valid() else {}
    incomplete = {"1": True, "0": False}.get(values.get("incomplete", ""))
    compounds = selectors.compound_list(user=request.user, incomplete=incomplete)
    area = _area_param(request)
    if area is not None:
        compounds = within_area(compounds, area)
    page = list(compounds.order_by("grid__code", "name", "pk")[:PAGE_SIZE])
    coverage = selectors.compound_coverage(user=request.user, compounds=page)
    return render(
        request,
        "population/compound_list.html",
        {
            "rows": [(compound, coverage[compound.pk]) for compound in page],
            "area": area,
            "filters": filters,
            "filtered": incomplete is not None,
            "coverage_days": selectors.COVERAGE_DAYS,
            "may_register": request.user.has_perm("population.add_compound"),
        },
    )


@portal_login_required
def compound_new(request):
    if not request.user.has_perm("population.add_compound"):
        return render(request, "population/compound_form.html", {"form": None})
    form = CompoundForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            compound = services.compound_register(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            return redirect("compounds:detail", pk=compound.pk)
    return render(request, "population/compound_form.html", {"form": form})


def _compound_in_scope(request, pk: int):
    # Out of scope is "not found": a page never confirms that what it hides exists.
    return get_object_or_404(selectors.compound_list(user=request.user), pk=pk)


@portal_login_required
def compound_detail(request, pk: int):
    compound = _compound_in_scope(request, pk)
    coverage = selectors.compound_coverage(user=request.user, compounds=[compound])
    return render(
        request,
        "population/compound_detail.html",
        {
            "compound": compound,
            "coverage": coverage[compound.pk],
            "coverage_days": selectors.COVERAGE_DAYS,
            # Those the user sees: a compound spans its community's grids.
            "houses": visible_to(
                request.user,
                compound.houses.select_related("grid").defer("grid__boundary"),
            ).order_by("building", "unit", "room", "pk")[:PAGE_SIZE],
            "may_change": request.user.has_perm("population.change_compound", compound),
            "history": _history(request.user, compound),
        },
    )


@portal_login_required
def compound_edit(request, pk: int):
    compound = _compound_in_scope(request, pk)
    if not request.user.has_perm("population.change_compound", compound):
        context = {"form": None, "compound": compound}
        return render(request, "population/compound_form.html", context)
    form = CompoundForm(request.POST or None, instance=compound, actor=request.user)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            services.compound_update(actor=request.user, compound=compound, **changes)
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            return redirect("compounds:detail", pk=compound.pk)
    return render(request, "population/compound_form.html", {"form": form, "compound": compound})


# --- Internal security bodies (P13) -----------------------------------------------------------


@portal_login_required
def security_body_new(request, pk: int):
    organisation = get_object_or_404(organisation_list(user=request.user), pk=pk)
    may_add = request.user.has_perm(
        "population.add_securitybody", SecurityBody(organisation=organisation)
    )
    form = SecurityBodyForm(request.POST or None) if may_add else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            services.security_body_add(
                actor=request.user, organisation=organisation, **form.cleaned_data
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            return redirect("organisations:detail", pk=organisation.pk)
    context = {"form": form, "organisation": organisation}
    return render(request, "population/security_body_form.html", context)


def _body_in_scope(request, pk: int) -> SecurityBody:
    return get_object_or_404(selectors.security_body_list(user=request.user), pk=pk)


@portal_login_required
def security_body_edit(request, pk: int):
    body = _body_in_scope(request, pk)
    organisation = body.organisation
    form = None
    if request.user.has_perm("population.change_securitybody", body):
        # The phone is not put back into the page: an empty box keeps the number on record.
        form = SecurityBodyForm(request.POST or None, instance=body, initial={"head_phone": ""})
    if form is not None and request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            services.security_body_update(actor=request.user, body=body, **changes)
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            return redirect("organisations:detail", pk=organisation.pk)
    context = {"form": form, "organisation": organisation, "body": body}
    return render(request, "population/security_body_form.html", context)


@portal_login_required
@require_POST
def security_body_remove(request, pk: int):
    body = _body_in_scope(request, pk)
    if not request.user.has_perm("population.delete_securitybody", body):
        raise PermissionDenied(_("Your role reads the population ledger; it does not keep it."))
    services.security_body_remove(actor=request.user, body=body)
    messages.success(request, _("The security body was removed."))
    return redirect("organisations:detail", pk=body.organisation_id)
