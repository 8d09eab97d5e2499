"""Open311 GeoReport v2 over dispute cases (issue 8, "Figures, API, Open311"): the spec's
field names and shapes, the token's area (one scoping rule), errors in the spec's format, and
a request followed from open to closed through the case services."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from disputes.case_services import case_accept, case_resolve, case_sign_off, case_verify
from disputes.models import Case, CaseParty, CaseSource, CaseState, DisputeCategory, Severity
from grid.models import UnitKind
from tests.disputes.factories import CaseFactory
from tests.factories import ApiTokenFactory, UnitFactory

pytestmark = pytest.mark.django_db

# GeoReport v2, "GET Service List" and "GET Service Requests" (the spec's example answers).
SERVICE_FIELDS = {
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
}
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "lat",
    "long",
}


@pytest.fixture
def offices(areas):
    return {
        key: UnitFactory(area=areas[key], kind=UnitKind.OFFICE, name=f"{areas[key].name}综治中心")
        for key in ("community_a", "street_a", "street_b", "district")
    }


@pytest.fixture
def street_b_token(users, areas):
    return ApiTokenFactory(
        client=users["api_client"], created_by=users["admin"], name="b", area=areas["street_b"]
    ).key


def point_in(area) -> dict:
    point = area.geometry.representative_point()
    return {"lat": point.y, "long": point.x}


def form(area, **more) -> dict:
    return {
        "service_code": "labour",
        **point_in(area),
        "address_string": "幸福路1号工地",
        "description": "工地拖欠三名工人工资\n已两个月",
        "first_name": "五",
        "last_name": "王",
        **more,
    }


def post(client, token, data, **extra):
    return client.post(
        reverse("open311:requests"), data, HTTP_AUTHORIZATION=f"Token {token}", **extra
    )


def get(client, token, name, *args, **params):
    return client.get(
        reverse(f"open311:{name}", args=args),
        {"api_key": token, **params},
        HTTP_ACCEPT_LANGUAGE="en",
    )


def errors(response) -> list[dict]:
    body = response.json()
    assert isinstance(body, list) and body, body
    assert all(set(error) == {"code", "description"} for error in body), body
    assert all(error["code"] == response.status_code for error in body), body
    return body


def test_services_are_the_active_categories(client, street_token):
    DisputeCategory.objects.filter(code="medical").update(active=False)
    response = get(client, street_token, "services")
    assert response.status_code == 200
    services = response.json()
    assert all(set(service) == SERVICE_FIELDS for service in services)
    codes = [service["service_code"] for service in services]
    assert list(DisputeCategory.objects.filter(active=True).values_list("code", flat=True)) == codes
    assert "medical" not in codes
    labour = next(s for s in services if s["service_code"] == "labour")
    assert labour["type"] == "realtime" and labour["metadata"] is True
    assert labour["service_name"] == DisputeCategory.objects.get(code="labour").name


def test_a_service_definition_lists_its_attributes(client, street_token):
    response = get(client, street_token, "service", "labour")
    assert response.status_code == 200
    body = response.json()
    assert body["service_code"] == "labour"
    attributes = {a["code"]: a for a in body["attributes"]}
    assert set(attributes) == {"occurred_on", "people_involved", "units_involved"}
    for attribute in attributes.values():
        assert {"variable", "code", "datatype", "required", "datatype_description", "order"} <= set(
            attribute
        )
        assert attribute["datatype"] in {"string", "number", "datetime", "text"}
    missing = get(client, street_token, "service", "nonsense")
    assert missing.status_code == 404
    assert errors(missing) == [{"code": 404, "description": "service_code provided was not found."}]


def test_a_request_is_registered_as_a_general_case_of_another_system(
    client, areas, offices, street_token
):
    response = post(
        client,
        street_token,
        form(areas["grid_a"], **{"attribute[people_involved]": "3", "severity": ""}),
    )
    assert response.status_code == 201, response.content
    [answer] = response.json()
    assert set(answer) == {"service_request_id", "service_notice"}
    case = Case.objects.get(number=answer["service_request_id"])
    assert case.number in answer["service_notice"]
    assert case.grid == areas["grid_a"]  # placed by its point
    assert case.source == CaseSource.OTHER_SYSTEM
    assert case.severity == Severity.GENERAL  # Open311 has no grade
    assert case.category.code == "labour"
    assert case.summary == "工地拖欠三名工人工资\n已两个月"
    assert case.title == "工地拖欠三名工人工资"
    assert case.address == "幸福路1号工地"
    assert case.people_involved == 3
    assert case.occurred_on == timezone.localdate()
    assert case.owner_unit == offices["street_a"]  # the token's area's office received it
    assert list(CaseParty.objects.filter(case=case).values_list("name", flat=True)) == ["王五"]


def test_a_request_by_form_with_api_key_and_a_latin_name(client, areas, offices, street_token):
    data = form(areas["grid_b"], first_name="Li", last_name="Lei", api_key=street_token)
    response = client.post(reverse("open311:requests"), data)  # form-encoded, key in the form
    assert response.status_code == 201, response.content
    case = Case.objects.get(number=response.json()[0]["service_request_id"])
    assert case.parties.get().name == "Li Lei"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"description": ""}, "description"),
        ({"lat": "", "long": ""}, "lat"),
        ({"lat": "95"}, "lat"),
        ({"first_name": "", "last_name": ""}, "first_name"),
        ({"email": "a@example.com"}, "email"),
        ({"attribute[colour]": "red"}, "attribute[colour]"),
        ({"attribute[occurred_on]": "2099-01-01"}, "attribute[occurred_on]"),
        ({"attribute[people_involved]": "0"}, "attribute[people_involved]"),
    ],
)
def test_bad_input_is_400_in_the_specs_format_and_changes_nothing(
    client, areas, offices, street_token, change, field
):
    response = post(
        client, street_token, form(areas["grid_a"], **change), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400, response.content
    descriptions = [error["description"] for error in errors(response)]
    assert any(text.startswith(f"{field}: ") for text in descriptions), descriptions
    assert not Case.objects.exists()


def test_a_point_in_no_grid_is_400(client, areas, offices, street_token):
    response = post(client, street_token, form(areas["grid_a"], lat="1", long="1"))
    assert response.status_code == 400
    assert errors(response)[0]["description"].startswith("lat: ")
    assert not Case.objects.exists()


def test_a_point_outside_the_tokens_area_is_403(client, areas, offices, street_token):
    response = post(
        client, street_token, form(areas["grid_other_street"]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 403
    assert errors(response) == [
        {"code": 403, "description": "This point lies outside the area of your API key."}
    ]
    assert not Case.objects.exists()


def test_an_unknown_service_is_404(client, areas, offices, street_token):
    response = post(client, street_token, form(areas["grid_a"], service_code="nonsense"))
    assert response.status_code == 404
    assert errors(response)[0]["code"] == 404
    assert not Case.objects.exists()


def test_a_jurisdiction_is_the_tokens_area(client, areas, offices, street_token):
    own = get(client, street_token, "services", jurisdiction_id=areas["street_a"].code)
    assert own.status_code == 200
    other = get(client, street_token, "services", jurisdiction_id=areas["street_b"].code)
    assert other.status_code == 404
    assert errors(other)[0]["description"] == "jurisdiction_id provided was not found."


def test_without_a_key_every_call_is_refused(client, users, areas, offices):
    from tests.conftest import login

    for name, args in [("services", ()), ("service", ("labour",)), ("requests", ())]:
        response = client.get(reverse(f"open311:{name}", args=args), HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 401, name
        assert response["WWW-Authenticate"] == "Token"
        assert errors(response)[0]["code"] == 401
    posted = client.post(reverse("open311:requests"), form(areas["grid_a"]))
    assert posted.status_code == 401
    bad_key = client.get(reverse("open311:requests"), {"api_key": "ggp_nope_nope"})
    assert bad_key.status_code == 403  # the spec's "Invalid api_key"
    assert errors(bad_key)[0]["code"] == 403
    # A portal session is no API key: the cases' personal data go to other systems only.
    login(client, users["street_office"])
    assert client.get(reverse("open311:requests")).status_code == 401
    assert not Case.objects.exists()


def test_a_token_sees_only_its_areas_cases(client, areas, offices, street_token, street_b_token):
    mine = CaseFactory(grid=areas["grid_a"])
    theirs = CaseFactory(grid=areas["grid_other_street"])
    listed = get(client, street_token, "requests")
    assert [r["service_request_id"] for r in listed.json()] == [mine.number]
    assert get(client, street_b_token, "requests").json()[0]["service_request_id"] == theirs.number
    # Asked by number, a case of street_b is not there for street_a's key.
    by_number = get(client, street_token, "requests", service_request_id=theirs.number)
    assert by_number.json() == []
    detail = get(client, street_token, "request", theirs.number)
    assert detail.status_code == 404
    assert errors(detail)[0]["description"] == "service_request_id provided was not found."
    assert get(client, street_b_token, "request", theirs.number).status_code == 200


def test_the_list_filters(client, areas, offices, street_token):
    labour = DisputeCategory.objects.get(code="labour")
    first = CaseFactory(grid=areas["grid_a"])
    second = CaseFactory(grid=areas["grid_b"], category=labour)
    old = CaseFactory(grid=areas["grid_a"])
    Case.objects.filter(pk=old.pk).update(
        registered_at=timezone.now() - datetime.timedelta(days=120)
    )

    def numbers(**params):
        response = get(client, street_token, "requests", **params)
        assert response.status_code == 200, response.content
        return [row["service_request_id"] for row in response.json()]

    # The default window is the last 90 days, newest first.
    assert numbers() == [second.number, first.number]
    assert numbers(service_code="labour") == [second.number]
    assert numbers(status="open") == [second.number, first.number]
    assert numbers(status="closed") == []
    # service_request_id overrides the other arguments, the window included.
    assert numbers(service_request_id=f"{old.number},{first.number}", status="closed") == [
        first.number,
        old.number,
    ]
    start = (timezone.now() - datetime.timedelta(days=130)).isoformat()
    assert numbers(start_date=start) == [old.number]  # start plus 90 days
    ago = lambda days: (timezone.now() - datetime.timedelta(days=days)).isoformat()  # noqa: E731
    assert numbers(start_date=ago(125), end_date=ago(100)) == [old.number]
    assert numbers(start_date=ago(60), end_date=ago(0)) == [second.number, first.number]
    assert numbers(end_date=ago(100)) == [old.number]  # end minus 90 days
    for bad in [{"status": "pending"}, {"start_date": "last week"}]:
        response = get(client, street_token, "requests", **bad)
        assert response.status_code == 400
        assert errors(response)[0]["description"].startswith(f"{next(iter(bad))}: ")
    span = get(
        client,
        street_token,
        "requests",
        start_date="2026-01-01T00:00:00+08:00",
        end_date="2026-06-01T00:00:00+08:00",
    )
    assert span.status_code == 400
    assert errors(span)[0]["description"] == "end_date: A date range spans at most 90 days."


def test_round_trip_from_open_to_closed(client, areas, users, offices, street_token):
    response = post(client, street_token, form(areas["grid_a"]))
    number = response.json()[0]["service_request_id"]
    [row] = get(client, street_token, "request", number).json()
    assert set(row) == REQUEST_FIELDS
    assert row["status"] == "open"
    assert row["service_code"] == "labour"
    assert row["agency_responsible"] == offices["street_a"].name
    assert row["address"] == "幸福路1号工地"
    assert (row["lat"], row["long"]) == tuple(point_in(areas["grid_a"]).values())
    assert row["status_notes"] == "Registered"
    requested = datetime.datetime.fromisoformat(row["requested_datetime"])
    assert requested.utcoffset() is not None  # W3C date-time with its offset
    assert row["expected_datetime"] is not None  # the acceptance deadline

    case = Case.objects.get(number=number)
    office = users["street_office"]
    # Received by the street's office, the case is supervised at street level: a leader's.
    leader = users["street_leader"]
    case_accept(
        actor=office,
        case=case,
        measures="约谈企业",
        comment="三日内约谈",
        responsible_leader=leader,
    )
    [row] = get(client, street_token, "request", number).json()
    assert (row["status"], row["status_notes"]) == ("open", "Accepted with a plan: 三日内约谈")
    case_resolve(actor=office, case=case, agreement="补发工资", resolution_method="行政调解")
    case_verify(
        actor=office,
        case=case,
        satisfied=True,
        evaluation="双方满意",
        evaluated_on=timezone.localdate(),
    )
    [row] = get(client, street_token, "request", number).json()
    assert row["status"] == "open"  # awaiting the leader's sign-off
    case_sign_off(actor=leader, case=case)
    assert Case.objects.get(pk=case.pk).state == CaseState.CLOSED
    [row] = get(client, street_token, "request", number).json()
    assert row["status"] == "closed"
    assert row["expected_datetime"] is None
    assert row["updated_datetime"] >= row["requested_datetime"]
    assert row["status_notes"] == "Signed off by the leader"
    listed = get(client, street_token, "requests", status="closed").json()
    assert [r["service_request_id"] for r in listed] == [number]
