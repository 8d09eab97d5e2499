"""Open311 GeoReport v2 over dispute cases, JSON only (/open311/v2/): services are the active
dispute categories, service requests the cases the caller's API token sees. Thin: the reads
are disputes.open311_selectors, registration disputes.open311_services (case_register).

Every call needs a project API token, in `Authorization: Token <key>` or as the spec's
`api_key` parameter: cases hold personal data and are never published anonymously. Errors
are the spec's array of {"code", "description"}."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions, permissions, serializers, status
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from disputes import open311_selectors as selectors
from disputes.models import ACTION_LABELS, Case, CaseState, DisputeCategory
from disputes.open311_services import open311_request_register
from governance.api_auth import ApiTokenAuthentication
from governance.api_base import request_token
from governance.scoping import token_scope
from governance.services import TokenRejected, api_token_authenticate

# --- Authentication ------------------------------------------------------------------------------


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """The spec's `api_key` parameter (query string, or the form of a POST): a project token.
    A key that does not authenticate is refused with 403, as the spec's "Invalid api_key"."""

    def authenticate(self, request):
        key = request.query_params.get("api_key")
        if not key and request.method == "POST":
            key = request.data.get("api_key")
        if not key:
            return None
        try:
            token = api_token_authenticate(key)
        except TokenRejected as rejected:
            raise exceptions.PermissionDenied(str(rejected)) from rejected
        return token.client, token


class HasApiToken(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return request_token(request) is not None


# --- Errors --------------------------------------------------------------------------------------

# Case fields named by the services' messages, as the Open311 field the caller sent.
FIELD_NAMES: dict[str, str] = {
    "grid": "lat",
    "latitude": "lat",
    "longitude": "long",
    "title": "description",
    "summary": "description",
    "parties": "first_name",
    "address": "address_string",
    "category": "service_code",
    "occurred_on": "attribute[occurred_on]",
    "people_involved": "attribute[people_involved]",
    "units_involved": "attribute[units_involved]",
}


def _descriptions(data: Any, field: str = "") -> list[str]:
    if isinstance(data, dict):
        if set(data) == {"detail"}:
            return _descriptions(data["detail"], field)
        return [
            text
            for name, inner in data.items()
            for text in _descriptions(
                inner, "" if name == "non_field_errors" else FIELD_NAMES.get(str(name), str(name))
            )
        ]
    if isinstance(data, list):
        return [text for inner in data for text in _descriptions(inner, field)]
    return [f"{field}: {data}" if field else str(data)]


class Open311View(APIView):
    authentication_classes = [ApiTokenAuthentication, ApiKeyAuthentication]
    permission_classes = [HasApiToken]
    renderer_classes = [JSONRenderer]
    parser_classes = [FormParser, JSONParser]
    schema = None  # GeoReport v2 is its own published spec; the OpenAPI document is /api/v1/

    def handle_exception(self, exc):
        if isinstance(exc, DjangoPermissionDenied):
            exc = exceptions.PermissionDenied(str(exc))
        response = super().handle_exception(exc)
        response.data = [
            {"code": response.status_code, "description": text}
            for text in _descriptions(response.data)
        ]
        return response

    @property
    def token(self):
        return request_token(self.request)

    def check_jurisdiction(self) -> None:
        """One key serves one jurisdiction: the area of the token (its code)."""
        given = self.request.query_params.get("jurisdiction_id") or (
            self.request.data.get("jurisdiction_id") if self.request.method == "POST" else None
        )
        area = token_scope(self.token)
        if given and (area is None or given != area.code):
            raise exceptions.NotFound(_("jurisdiction_id provided was not found."))


def _category(code: str) -> DisputeCategory:
    category = selectors.open311_services().filter(code=code).first()
    if category is None:
        raise exceptions.NotFound(_("service_code provided was not found."))
    return category


# --- Services ------------------------------------------------------------------------------------

# The case fields beyond the spec's own that a request may carry, as attribute[code].
ATTRIBUTES = [
    {
        "variable": True,
        "code": "occurred_on",
        "datatype": "datetime",
        "required": False,
        "datatype_description": _("The date the dispute arose, YYYY-MM-DD; default today."),
        "order": 1,
        "description": _("Date it arose (发生日期)"),
    },
    {
        "variable": True,
        "code": "people_involved",
        "datatype": "number",
        "required": False,
        "datatype_description": _("A whole number, at least 1; default 2."),
        "order": 2,
        "description": _("People involved (涉及人数)"),
    },
    {
        "variable": True,
        "code": "units_involved",
        "datatype": "string",
        "required": False,
        "datatype_description": _("Up to 200 characters."),
        "order": 3,
        "description": _("Units involved (涉及单位)"),
    },
]


def _service_json(category: DisputeCategory) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.name,
        "metadata": True,
        "type": "realtime",
        "keywords": "",
        "group": str(_("Disputes")),
    }


class ServiceList(Open311View):
    def get(self, request):
        self.check_jurisdiction()
        return Response([_service_json(c) for c in selectors.open311_services()])


class ServiceDefinition(Open311View):
    def get(self, request, service_code: str):
        self.check_jurisdiction()
        category = _category(service_code)
        attributes = [{**a, "values": []} for a in ATTRIBUTES]
        for attribute in attributes:
            for key in ("datatype_description", "description"):
                attribute[key] = str(attribute[key])
        return Response({"service_code": category.code, "attributes": attributes})


# --- Service requests ----------------------------------------------------------------------------


def _when(value: datetime.datetime | None) -> str | None:
    """W3C date-time with its offset, as the spec asks."""
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _status_notes(case: Any) -> str:
    label = str(ACTION_LABELS.get(case.last_action, case.last_action or ""))
    return f"{label}: {case.last_comment}" if case.last_comment else label


def _request_json(case: Any) -> dict:
    closed = case.state == CaseState.CLOSED
    return {
        "service_request_id": case.number,
        "status": "closed" if closed else "open",
        "status_notes": _status_notes(case),
        "service_name": case.category.name,
        "service_code": case.category.code,
        "description": case.summary,
        "agency_responsible": case.owner_unit.name,
        "service_notice": case.get_state_display(),
        "requested_datetime": _when(case.registered_at),
        "updated_datetime": _when(case.last_action_at or case.registered_at),
        "expected_datetime": None if closed else _when(case.stage_due_at),
        "address": case.address,
        "lat": case.latitude,
        "long": case.longitude,
    }


# Spec fields the portal does not store: refused rather than silently dropped.
NOT_STORED = ("email", "phone", "device_id", "account_id", "media_url", "address_id")
IGNORED = ("api_key", "jurisdiction_id")


class RequestInput(serializers.Serializer):
    service_code = serializers.CharField(max_length=40)
    lat = serializers.FloatField(min_value=-90, max_value=90, required=False)
    long = serializers.FloatField(min_value=-180, max_value=180, required=False)
    address_string = serializers.CharField(max_length=200, required=False, allow_blank=True)
    description = serializers.CharField(max_length=4000)
    first_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    occurred_on = serializers.DateField(required=False)
    people_involved = serializers.IntegerField(min_value=1, required=False)
    units_involved = serializers.CharField(max_length=200, required=False, allow_blank=True)

    def validate(self, attrs):
        errors = {}
        if attrs.get("lat") is None or attrs.get("long") is None:
            errors["lat"] = _(
                "Give lat and long: the portal places a case in the grid of its point "
                "(address_string alone cannot be located)."
            )
        if not (attrs.get("first_name", "").strip() or attrs.get("last_name", "").strip()):
            errors["first_name"] = _("Give first_name or last_name: a case names a party.")
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


def _request_input(data: Any) -> dict:
    """The form (or JSON) of a POST, attribute[code] as its code; fields the portal does not
    store are refused by name."""
    fields: dict[str, Any] = {}
    errors: dict[str, str] = {}
    attribute_codes = {a["code"] for a in ATTRIBUTES}
    for key in data:
        value = data.get(key)
        if key.startswith("attribute[") and key.endswith("]"):
            code = key[len("attribute[") : -1]
            if code in attribute_codes:
                fields[code] = value
            elif value not in ("", None):
                errors[key] = str(_("This service has no such attribute."))
        elif key in IGNORED:
            continue
        elif key in RequestInput().fields:
            fields[key] = value
        elif value not in ("", None):
            message = _("The portal does not store this field; leave it out.")
            errors[key] = str(message if key in NOT_STORED else _("Unknown field."))
    if errors:
        raise serializers.ValidationError(errors)
    return fields


def _parse_when(name: str, value: str) -> datetime.datetime:
    parsed = parse_datetime(value)
    if parsed is None:
        day = parse_date(value)
        if day is not None:
            parsed = datetime.datetime.combine(day, datetime.time())
    if parsed is None:
        raise serializers.ValidationError(
            {name: _("Give a W3C date-time, e.g. 2026-11-05T08:15:30+08:00.")}
        )
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def _window(params: Any) -> tuple[datetime.datetime, datetime.datetime | None]:
    start = _parse_when("start_date", params["start_date"]) if params.get("start_date") else None
    end = _parse_when("end_date", params["end_date"]) if params.get("end_date") else None
    if start is None and end is None:
        return timezone.now() - selectors.DEFAULT_WINDOW, None
    if start is None:
        assert end is not None
        return end - selectors.DEFAULT_WINDOW, end
    if end is None:
        return start, start + selectors.DEFAULT_WINDOW
    if end < start:
        raise serializers.ValidationError({"end_date": _("end_date comes before start_date.")})
    if end - start > selectors.DEFAULT_WINDOW:
        raise serializers.ValidationError({"end_date": _("A date range spans at most 90 days.")})
    return start, end


def _comma_list(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


class RequestList(Open311View):
    def get(self, request):
        self.check_jurisdiction()
        params = request.query_params
        numbers = _comma_list(params.get("service_request_id"))
        if numbers:  # the spec: service_request_id overrides every other argument
            cases = selectors.open311_requests(token=self.token, numbers=numbers)
        else:
            statuses = _comma_list(params.get("status"))
            if any(s not in selectors.STATUS_STATES for s in statuses):
                raise serializers.ValidationError({"status": _("The status is open or closed.")})
            start, end = _window(params)
            cases = selectors.open311_requests(
                token=self.token,
                service_codes=_comma_list(params.get("service_code")),
                start=start,
                end=end,
                statuses=statuses,
            )
        return Response([_request_json(c) for c in cases[: selectors.MAX_RESULTS]])

    def post(self, request):
        self.check_jurisdiction()
        serializer = RequestInput(data=_request_input(request.data))
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        case = open311_request_register(
            token=self.token,
            category=_category(data["service_code"]),
            latitude=data["lat"],
            longitude=data["long"],
            description=data["description"],
            first_name=data.get("first_name", ""),
            last_name=data.get("last_name", ""),
            address=data.get("address_string", ""),
            occurred_on=data.get("occurred_on"),
            people_involved=data.get("people_involved"),
            units_involved=data.get("units_involved", ""),
        )
        notice = _("Registered as dispute case %(number)s; %(unit)s is responsible for it.") % {
            "number": case.number,
            "unit": case.owner_unit.name,
        }
        return Response(
            [{"service_request_id": case.number, "service_notice": notice}],
            status=status.HTTP_201_CREATED,
        )


class RequestDetail(Open311View):
    def get(self, request, service_request_id: str):
        self.check_jurisdiction()
        try:
            case = selectors.open311_request(token=self.token, number=service_request_id)
        except Case.DoesNotExist:
            raise exceptions.NotFound(_("service_request_id provided was not found.")) from None
        return Response([_request_json(case)])
