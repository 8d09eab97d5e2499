"""Pages of the stability-risk register (D30-D35): thin, over risk_services and risk_selectors."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from disputes import risk_selectors as selectors
from disputes import risk_services as services
from disputes.models import RiskAssessment, RiskMatter
from disputes.risk_forms import (
    RiskAssessmentForm,
    RiskConsultationForm,
    RiskDecisionForm,
    RiskFilterForm,
    RiskMatterForm,
)
from governance.views import portal_login_required
from grid.selectors import area_list

PAGE_SIZE = 50


def _add_errors(form, error: ValidationError) -> None:
    """A service's field errors on the form's fields where it has them, else above it."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.message_dict.items():
        form.add_error(name if name in form.fields else None, errors)


def _area_param(request):
    value = request.GET.get("area", "")
    if not value:
        return None
    area = (
        area_list(user=request.user)
        .defer("boundary")
        .filter(pk=int(value) if value.isdigit() else 0)
        .first()
    )
    if area is None:
        raise Http404
    return area


def _matter_of(request, pk: int) -> RiskMatter:
    return get_object_or_404(selectors.risk_matter_list(user=request.user), pk=pk)


def _assessment_of(request, pk: int) -> RiskAssessment:
    return get_object_or_404(selectors.risk_assessment_list(user=request.user), pk=pk)


@portal_login_required
def risk_matter_list(request):
    filters = RiskFilterForm(request.GET)
    area = _area_param(request)
    matters = selectors.risk_matter_list(user=request.user, area=area, **filters.filters())
    return render(
        request,
        "disputes/risk_matter_list.html",
        {
            "matters": matters[:PAGE_SIZE],
            "total": matters.count(),
            "filters": filters,
            "area": area,
            "may_register": request.user.has_perm("disputes.add_riskmatter"),
            "sees_register": selectors.reads_risk_register(request.user),
        },
    )


@portal_login_required
def risk_matter_new(request):
    if not request.user.has_perm("disputes.add_riskmatter"):
        return render(request, "disputes/risk_matter_form.html", {"form": None})
    form = RiskMatterForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            matter = services.risk_matter_register(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The matter was registered."))
            return redirect("risk-matter-detail", pk=matter.pk)
    return render(request, "disputes/risk_matter_form.html", {"form": form})


@portal_login_required
def risk_matter_detail(request, pk: int):
    matter = _matter_of(request, pk)
    user = request.user
    return render(
        request,
        "disputes/risk_matter_detail.html",
        {
            "matter": matter,
            "assessments": selectors.risk_assessment_list(user=user, matter=matter),
            "standing": services.latest_completed_assessment(matter),
            "may_change": not matter.is_decided
            and user.has_perm("disputes.change_riskmatter", matter),
            "may_decide": bool(matter.decisions_open)
            and user.has_perm("disputes.decide_riskmatter", matter),
            "may_assess": not matter.is_decided and user.has_perm("disputes.add_riskassessment"),
            "decision_form": RiskDecisionForm(),
        },
    )


@portal_login_required
def risk_matter_edit(request, pk: int):
    matter = _matter_of(request, pk)
    if not request.user.has_perm("disputes.change_riskmatter", matter):
        raise PermissionDenied
    form = RiskMatterForm(request.POST or None, instance=matter, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.risk_matter_update(actor=request.user, matter=matter, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return redirect("risk-matter-detail", pk=matter.pk)
    return render(request, "disputes/risk_matter_form.html", {"form": form, "matter": matter})


@require_POST
@portal_login_required
def risk_matter_decide(request, pk: int):
    matter = _matter_of(request, pk)
    form = RiskDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to approve, not approve or suspend the matter."))
        return redirect("risk-matter-detail", pk=matter.pk)
    try:
        services.risk_matter_decide(actor=request.user, matter=matter, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Your decision was recorded."))
    return redirect("risk-matter-detail", pk=matter.pk)


@portal_login_required
def risk_assessment_new(request, pk: int):
    matter = _matter_of(request, pk)
    if not request.user.has_perm("disputes.add_riskassessment"):
        raise PermissionDenied
    form = RiskAssessmentForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            assessment = services.risk_assessment_create(
                actor=request.user, matter=matter, **form.cleaned_data
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return redirect("risk-assessment-detail", pk=assessment.pk)
    return render(request, "disputes/risk_assessment_form.html", {"form": form, "matter": matter})


@portal_login_required
def risk_assessment_detail(request, pk: int):
    assessment = _assessment_of(request, pk)
    may_change = assessment.is_draft and request.user.has_perm(
        "disputes.change_riskassessment", assessment
    )
    return render(
        request,
        "disputes/risk_assessment_detail.html",
        {
            "assessment": assessment,
            "matter": assessment.matter,
            "may_change": may_change,
            "consultation_form": RiskConsultationForm() if may_change else None,
        },
    )


@portal_login_required
def risk_assessment_edit(request, pk: int):
    assessment = _assessment_of(request, pk)
    if not request.user.has_perm("disputes.change_riskassessment", assessment):
        raise PermissionDenied
    form = RiskAssessmentForm(request.POST or None, instance=assessment, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.risk_assessment_update(
                actor=request.user, assessment=assessment, **form.cleaned_data
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return redirect("risk-assessment-detail", pk=assessment.pk)
    return render(
        request,
        "disputes/risk_assessment_form.html",
        {"form": form, "matter": assessment.matter, "assessment": assessment},
    )


@require_POST
@portal_login_required
def risk_consultation_add(request, pk: int):
    assessment = _assessment_of(request, pk)
    form = RiskConsultationForm(request.POST)
    if not form.is_valid():
        errors = [f"{form.fields[name].label}: {' '.join(e)}" for name, e in form.errors.items()]
        messages.error(request, " ".join(errors))
        return redirect("risk-assessment-detail", pk=assessment.pk)
    try:
        services.risk_consultation_add(
            actor=request.user, assessment=assessment, **form.cleaned_data
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The consultation was recorded."))
    return redirect("risk-assessment-detail", pk=assessment.pk)


@require_POST
@portal_login_required
def risk_assessment_complete(request, pk: int):
    assessment = _assessment_of(request, pk)
    try:
        services.risk_assessment_complete(actor=request.user, assessment=assessment)
    except ValidationError as error:
        fields = RiskAssessment._meta
        problems = [
            f"{fields.get_field(name).verbose_name if name in services.ASSESSMENT_FIELDS else ''}"
            f"{': ' if name in services.ASSESSMENT_FIELDS else ''}{' '.join(errors)}"
            for name, errors in error.message_dict.items()
        ]
        messages.error(request, " ".join(problems))
    else:
        messages.success(request, _("The assessment was completed; it can no longer be changed."))
    return redirect("risk-assessment-detail", pk=assessment.pk)


@portal_login_required
def risk_summary(request):
    area = _area_param(request)
    filters = RiskFilterForm(request.GET)
    year = filters.filters().get("year")
    summary = selectors.risk_summary(user=request.user, area=area, year=year)
    return render(
        request,
        "disputes/risk_summary.html",
        {
            "summary": summary,
            "filters": filters,
            "sees_register": selectors.reads_risk_register(request.user),
        },
    )
