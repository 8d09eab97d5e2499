"""The case pages: the list (the user's work queue first), registration, the case with its
timeline and the steps the user may take, each step a small form posted to its own URL."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes import case_forms as forms
from disputes import case_selectors as selectors
from disputes import case_services as services
from disputes.case_figures_views import FiguresPeriodForm, area_param
from disputes.models import Case, CaseState, Severity
from disputes.screening_selectors import screening_item_list
from governance.errors import Conflict
from governance.forms import form_errors_add
from governance.views import portal_login_required
from population.selectors import organisation_list, resident_list

# Each step: its form, its service, and what the button says.
STEPS = {
    "accept": (forms.AcceptForm, services.case_accept),
    "hand_off": (forms.HandOffForm, services.case_hand_off),
    "return": (forms.ReasonForm, services.case_return),
    "mediate": (forms.MediateForm, services.case_mediate),
    "resolve": (forms.ResolveForm, services.case_resolve),
    "fail": (forms.FailForm, services.case_fail),
    "verify": (forms.VerifyForm, services.case_verify),
    "sign_off": (forms.CommentForm, services.case_sign_off),
    "send_back": (forms.SendBackForm, services.case_send_back),
    "instruct": (forms.InstructForm, services.case_instruct),
    "take": (forms.EmptyForm, services.case_take),
    "escalate": (forms.ReasonForm, services.case_escalate),
    "reopen": (forms.ReasonForm, services.case_reopen),
    "extend": (forms.ExtendForm, services.case_extend),
    "decide_extension": (forms.DecideExtensionForm, services.case_decide_extension),
    "supervise": (forms.SuperviseForm, services.case_supervise),
    "report_back": (forms.ReportBackForm, services.case_report_back),
    "lift_supervision": (forms.CommentForm, services.case_lift_supervision),
    "accountability": (forms.AccountabilityForm, services.case_hold_accountable),
    "task_group": (forms.TaskGroupForm, services.case_task_group_set),
    "group_report": (forms.GroupReportForm, services.case_group_report),
}


def _flag(request, name: str) -> bool | None:
    value = request.GET.get(name)
    return {"1": True, "0": False}.get(value) if value else None


@portal_login_required
def case_list(request):
    state = request.GET.get("state") or None
    if state not in CaseState.values:
        state = None
    severity = request.GET.get("severity") or None
    if severity not in Severity.values:
        severity = None
    overdue = _flag(request, "overdue")
    # From the figures page: an area (404 when hidden) and the period of registration.
    period = FiguresPeriodForm(request.GET)
    period_days = period.cleaned_data if period.is_valid() else {}
    cases = selectors.case_list(
        user=request.user,
        state=state,
        overdue=overdue,
        severity=severity,
        area=area_param(request),
        since=period_days.get("since"),
        until=period_days.get("until"),
    )
    return render(
        request,
        "disputes/case_list.html",
        {
            "cases": cases[:200],
            "queue": selectors.case_work_queue(user=request.user)[:50],
            "states": CaseState.choices,
            "severities": Severity.choices,
            "state": state,
            "severity": severity,
            "overdue": overdue,
            "may_register": request.user.has_perm("disputes.add_case"),
            "now": timezone.now(),
        },
    )


@portal_login_required
def case_new(request):
    if not request.user.has_perm("disputes.add_case"):
        return render(request, "disputes/case_form.html", {"form": None})
    # From a resident's or an organisation's page: the party is filled in.
    initial: dict = {"occurred_on": timezone.localdate()}
    for field, rows in (("resident", resident_list), ("organisation", organisation_list)):
        raw = request.GET.get(field, "")
        if raw.isdigit():
            row = get_object_or_404(rows(user=request.user), pk=int(raw))
            initial[field] = row.pk
            initial["grid"] = row.grid_id
    form = forms.CaseRegisterForm(request.POST or None, actor=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_register(
                actor=request.user, parties=form.parties(), **form.case_fields()
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            messages.success(request, _("Case %(number)s registered.") % {"number": case.number})
            return redirect("cases:detail", pk=case.pk)
    return render(request, "disputes/case_form.html", {"form": form})


def _case(request, pk: int) -> Case:
    # Out of scope is "not found": a page never confirms that what it hides exists.
    try:
        return selectors.case_detail(user=request.user, pk=pk)
    except Case.DoesNotExist:
        raise Http404 from None


@portal_login_required
def case_detail(request, pk: int):
    case = _case(request, pk)
    steps = services.case_steps(actor=request.user, case=case)
    step_forms = [
        (name, STEPS[name][0](case=case, actor=request.user, prefix=name, initial=_initial(name)))
        for name in steps
    ]
    return render(
        request,
        "disputes/case_detail.html",
        {
            "case": case,
            "step_forms": step_forms,
            "now": timezone.now(),
            "routed": selectors.mediation_organisations_routed(case=case) if case.is_open else [],
        },
    )


def _initial(step: str) -> dict:
    today = timezone.localdate()
    return {"held_on": today, "evaluated_on": today}


@portal_login_required
def case_step(request, pk: int, step: str):
    if step not in STEPS or request.method != "POST":
        raise Http404
    case = _case(request, pk)
    form_class, service = STEPS[step]
    form = form_class(request.POST, case=case, actor=request.user, prefix=step)
    if form.is_valid():
        try:
            service(actor=request.user, case=case, **form.cleaned_data)
        except ValidationError as error:
            form_errors_add(form, error)
        except (PermissionDenied, Conflict) as error:
            messages.error(request, str(error))
            return redirect("cases:detail", pk=case.pk)
        else:
            messages.success(request, _("Done: the case's timeline records it."))
            return redirect("cases:detail", pk=case.pk)
    steps = services.case_steps(actor=request.user, case=case)
    step_forms = [
        (
            name,
            form
            if name == step
            else STEPS[name][0](case=case, actor=request.user, prefix=name, initial=_initial(name)),
        )
        for name in steps
    ]
    return render(
        request,
        "disputes/case_detail.html",
        {"case": case, "step_forms": step_forms, "open_step": step, "now": timezone.now()},
        status=400,
    )


@portal_login_required
def case_from_screening(request, item_pk: int):
    """Register a dispute found in a screening as a case (造册登记, D8), from its report."""
    if request.method != "POST":
        raise Http404
    item = get_object_or_404(screening_item_list(user=request.user), pk=item_pk)
    try:
        case = services.case_register_from_screening(actor=request.user, item=item)
    except (ValidationError, PermissionDenied, Conflict) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        return redirect("screenings:report", pk=item.report_id)
    messages.success(request, _("Case %(number)s registered.") % {"number": case.number})
    return redirect("cases:detail", pk=case.pk)
