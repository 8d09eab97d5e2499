"""Pages for incidents at rental houses (P5): record one from its house, list them, decide."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from governance.errors import Conflict
from governance.forms import form_errors_add
from governance.views import portal_login_required
from population import incident_selectors, incident_services, selectors
from population.incident_forms import RentalAccountabilityDecisionForm, RentalIncidentForm
from population.models import RentalIncident

PAGE_SIZE = 50


@portal_login_required
def rental_incident_list(request):
    awaiting = {"1": True, "0": False}.get(request.GET.get("awaiting", ""))
    incidents = incident_selectors.rental_incident_list(
        user=request.user, awaiting_decision=awaiting
    )
    return render(
        request,
        "population/rental_incident_list.html",
        {"incidents": incidents[:PAGE_SIZE], "awaiting": awaiting},
    )


@portal_login_required
def rental_incident_new(request, pk: int):
    house = get_object_or_404(selectors.house_list(user=request.user), pk=pk)
    probe = RentalIncident(house=house)
    if not request.user.has_perm("population.add_rentalincident", probe):
        return render(
            request, "population/rental_incident_form.html", {"form": None, "house": house}
        )
    form = RentalIncidentForm(request.POST or None, actor=request.user, house=house)
    if request.method == "POST" and form.is_valid():
        try:
            incident = incident_services.rental_incident_record(
                actor=request.user, house=house, **form.cleaned_data
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            return redirect("houses:incident", pk=incident.pk)
    return render(request, "population/rental_incident_form.html", {"form": form, "house": house})


@portal_login_required
def rental_incident_detail(request, pk: int):
    incident = get_object_or_404(incident_selectors.rental_incident_list(user=request.user), pk=pk)
    may_decide = request.user.has_perm("population.decide_rentalincident", incident)
    failed: RentalAccountabilityDecisionForm | None = None
    if request.method == "POST" and may_decide:
        form = RentalAccountabilityDecisionForm(
            request.POST, auto_id=f"id_{request.POST.get('person', '')}_%s"
        )
        if form.is_valid():
            try:
                incident_services.rental_accountability_decide(
                    actor=request.user, incident=incident, **form.cleaned_data
                )
            except ValidationError as error:
                form_errors_add(form, error)
            except Conflict as error:
                messages.error(request, str(error))
                return redirect("houses:incident", pk=incident.pk)
            else:
                messages.success(request, _("The decision is recorded."))
                return redirect("houses:incident", pk=incident.pk)
        failed = form
    elif request.method == "POST":
        raise PermissionDenied
    decisions = []
    for record in incident.accountability.all():
        form = None
        if may_decide and not record.is_decided:
            form = (
                failed
                if failed is not None and failed.data.get("person") == record.person
                else RentalAccountabilityDecisionForm(
                    initial={"person": record.person}, auto_id=f"id_{record.person}_%s"
                )
            )
        decisions.append((record, form))
    return render(
        request,
        "population/rental_incident_detail.html",
        {"incident": incident, "decisions": decisions, "may_decide": may_decide},
    )
