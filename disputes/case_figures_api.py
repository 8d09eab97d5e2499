"""GET /api/v1/disputes/figures/?area=&since=&until=: the dispute figures of an area and its
child areas over a period (disputes/case_figures.py). Routed before the router's disputes
routes (governance/api_urls.py), which would take `figures` for a case's id."""

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from disputes import case_figures as figures
from disputes.case_figures_views import period_default
from disputes.models import CaseState, Severity
from governance.api_base import request_token
from governance.scoping import visible_to
from grid.models import Area


class PresentDateField(serializers.DateField):
    """A date that, when given, is a date: DRF takes an empty query value for an absent one,
    which the schema does not say."""

    def get_value(self, dictionary):
        return dictionary.get(self.field_name, serializers.empty)


class FiguresQuerySerializer(serializers.Serializer):
    area = serializers.PrimaryKeyRelatedField(
        queryset=Area.objects.none(),
        required=False,
        help_text="An area in the caller's scope (default: the top of the scope).",
    )
    since = PresentDateField(
        required=False, help_text="First day of registration (default: 1 January this year)."
    )
    until = PresentDateField(
        required=False, help_text="Last day of registration, included (default: today)."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")  # absent while the schema is generated
        if request is not None:
            # A hidden area "does not exist" for the caller.
            area: Any = self.fields["area"]
            area.queryset = visible_to(
                request.user, Area.objects.defer("boundary"), token=request_token(request)
            )

    def validate(self, attrs):
        since, until = period_default()
        attrs.setdefault("since", since)
        attrs.setdefault("until", until)
        if attrs["since"] > attrs["until"]:
            raise serializers.ValidationError(
                {"until": [_("The end of the period comes after its start.")]}
            )
        return attrs


def _counts(keys: list[str], help_text: str) -> serializers.DictField:
    return serializers.DictField(
        child=serializers.IntegerField(), help_text=f"{help_text}: {', '.join(keys)}."
    )


class AreaFiguresSerializer(serializers.Serializer):
    area = serializers.IntegerField(source="area.pk", allow_null=True, default=None)
    area_name = serializers.CharField(source="area.name", allow_null=True, default=None)
    area_code = serializers.CharField(source="area.code", allow_null=True, default=None)
    registered = serializers.IntegerField(help_text="Cases registered in the period.")
    by_state = _counts(CaseState.values, "Cases per state now")
    by_grade = _counts(Severity.values, "Cases per grade (D13)")
    accepted = serializers.IntegerField(help_text="Cases accepted (受理).")
    accepted_on_time = serializers.IntegerField(
        help_text="Of them, first accepted by the acceptance deadline in force then."
    )
    accepted_on_time_rate = serializers.DecimalField(
        max_digits=4, decimal_places=1, allow_null=True, help_text="Percent; null: none accepted."
    )
    closed = serializers.IntegerField()
    resolved = serializers.IntegerField(
        help_text="Closed cases resolved and verified with the parties satisfied."
    )
    resolution_rate = serializers.DecimalField(
        max_digits=4, decimal_places=1, allow_null=True, help_text="Resolved of closed, percent."
    )
    overdue = serializers.IntegerField(help_text="Open cases past their stage's deadline now.")
    escalated = serializers.IntegerField(help_text="Cases escalated at least once (督办).")
    awaiting_sign_off = serializers.IntegerField()
    turned_criminal = serializers.IntegerField(help_text="民转刑 (D26).")
    petitions = serializers.IntegerField(help_text="上访 (D25).")
    collective_petitions = serializers.IntegerField(help_text="集体上访 (D25).")
    bypass_petitions = serializers.IntegerField(help_text="越级上访 (D25).")
    mass_incidents = serializers.IntegerField()
    verified = serializers.IntegerField(help_text="Cases whose verification (验证) stands.")
    satisfied = serializers.IntegerField(help_text="Of them, with the parties satisfied.")
    satisfaction_rate = serializers.DecimalField(
        max_digits=4, decimal_places=1, allow_null=True, help_text="Satisfied of verified, percent."
    )
    yellow_cards = serializers.IntegerField(help_text="Yellow cards shown (D29).")
    red_cards = serializers.IntegerField(help_text="Red cards shown (D29).")


class FiguresReportSerializer(serializers.Serializer):
    since = PresentDateField()
    until = serializers.DateField()
    total = AreaFiguresSerializer(help_text="The area asked about (or the whole scope).")
    rows = AreaFiguresSerializer(
        many=True, help_text="One per child area the caller sees, by code; none for a grid."
    )


class DisputeFiguresView(APIView):
    """Dispute figures (issue 8): cases by state and grade, accepted on time, resolution rate,
    overdue, escalated, awaiting sign-off, 民转刑, petitions, mass incidents, satisfaction and
    cards, for an area and each of its child areas, over the cases registered in a period.
    Counts only, of the caller's scope."""

    @extend_schema(
        operation_id="disputes_figures",
        parameters=[FiguresQuerySerializer],
        responses={200: FiguresReportSerializer},
    )
    def get(self, request):
        query = FiguresQuerySerializer(data=request.query_params, context={"request": request})
        query.is_valid(raise_exception=True)
        report = figures.dispute_figures(
            user=request.user,
            token=request_token(request),
            area=query.validated_data.get("area"),
            since=query.validated_data["since"],
            until=query.validated_data["until"],
        )
        return Response(FiguresReportSerializer(report).data)
