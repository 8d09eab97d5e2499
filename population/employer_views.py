"""以业管人 (P7): an enterprise's own account registers its floating workers and ends their
employment; offices read how many each employer registered, per month of a year."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from governance.forms import form_errors_add
from governance.views import portal_login_required
from population import selectors, services
from population.forms import EmployerWorkerForm

FIRST_YEAR = 2000


@sensitive_post_parameters("id_number", "phone")
@portal_login_required
def worker_new(request):
    """The enterprise's registration form (its organisation's grid, status floating)."""
    if request.user.employer_organisation_id is None:
        raise PermissionDenied
    organisation = services.employer_of(request.user)
    form = EmployerWorkerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            registration = services.employer_worker_register(
                actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            if registration.linked:
                messages.info(request, _("Already registered (已登记); linked as your employee."))
            else:
                messages.success(request, _("The worker is registered."))
            return redirect("residents:detail", pk=registration.resident.pk)
    return render(
        request,
        "population/employer_worker_form.html",
        {"form": form, "organisation": organisation},
    )


@portal_login_required
@require_POST
def worker_release(request, pk: int):
    """End the employment of one of the enterprise's workers (they stay in the ledger)."""
    resident = get_object_or_404(selectors.resident_list(user=request.user), pk=pk)
    services.employer_worker_release(actor=request.user, resident=resident)
    messages.success(
        request, _("%(name)s is no longer recorded as your employee.") % {"name": resident.name}
    )
    return redirect("organisations:detail", pk=services.employer_of(request.user).pk)


def _year(request) -> int:
    this_year = timezone.localdate().year
    value = request.GET.get("year", "")
    if value.isdigit() and FIRST_YEAR <= int(value) <= this_year:
        return int(value)
    return this_year


@portal_login_required
def registrations(request):
    """The employers of the viewer's area and the floating workers their own accounts
    registered, per month of a year (P7 「全年登记录入流动人口35万人」)."""
    year = _year(request)
    figures = selectors.employer_registration_figures(user=request.user, year=year)
    return render(
        request,
        "population/employer_registrations.html",
        {
            "figures": figures,
            "year": year,
            "years": range(timezone.localdate().year, FIRST_YEAR - 1, -1)[:5],
            "month_numbers": range(1, 13),
        },
    )
