"""The dispute figures page: every figure per child area of an area, over a period, with a
drill-down into the child areas (like the ledger-quality page)."""

import datetime

from django import forms
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disputes import case_figures as figures
from governance.views import portal_login_required
from grid.models import Area
from grid.selectors import area_ancestors, area_list


def period_default(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The year so far: the period the figures show unless one is asked for (page and API)."""
    today = today or timezone.localdate()
    return today.replace(month=1, day=1), today


class FiguresPeriodForm(forms.Form):
    since = forms.DateField(label=_("from"), required=False)
    until = forms.DateField(label=_("to"), required=False)

    def clean(self):
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end of the period comes after its start."))
        return cleaned


def area_param(request) -> Area | None:
    """?area=<id>: an area the user sees; any other value is a 404, which never says whether
    the area exists outside the user's scope."""
    value = request.GET.get("area", "")
    if not value:
        return None
    area = None
    if value.isdigit():
        area = area_list(user=request.user).defer("boundary").filter(pk=int(value)).first()
    if area is None:
        raise Http404
    return area


@portal_login_required
def case_figures(request):
    area = area_param(request)
    since, until = period_default()
    form = FiguresPeriodForm(
        {
            "since": request.GET.get("since") or since.isoformat(),
            "until": request.GET.get("until") or until.isoformat(),
        }
    )
    report = None
    if form.is_valid():
        report = figures.dispute_figures(
            user=request.user,
            area=area,
            since=form.cleaned_data["since"],
            until=form.cleaned_data["until"],
        )
    shown = report.area if report is not None else area
    return render(
        request,
        "disputes/case_figures.html",
        {
            "form": form,
            "report": report,
            "area": shown,
            "ancestors": area_ancestors(user=request.user, area=shown) if shown else [],
        },
        status=200 if report is not None else 400,
    )
