"""Schemathesis against the whole API, as a token client: every operation of the published
schema, every check (no server error; status codes, content types, headers and bodies as
documented; schema-violating input refused, schema-valid input accepted), a bounded number of
generated calls each. `-s` prints the figures."""

import json
import time

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from governance.wsgi import application

# Loaded at collection through the WSGI application (the schema view reads no database).
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
CALLS: dict[str, int] = {}

# OpenAPI 3.0 cannot say everything the API checks. A schema-valid call may still be refused
# with a 400 that names one of these, and only then is that refusal not a failure:
BEYOND_THE_SCHEMA = {
    "cursor",  # an opaque token that only the server issues (in next/previous links)
    "parent",  # an area that exists in the caller's area (hidden = does not exist)
    "code",  # GB/T 2260 + GB/T 10114 structure, unique, starting with the parent's code
    "level",  # one below the parent's level
    "name",  # not blank once stripped
    "boundary",  # a valid polygon inside its parent, overlapping no sibling
    "points",  # the second number of each pair is a latitude (-90..90)
    "grid",  # a grid that exists in the caller's area (hidden = does not exist)
    "id_number",  # GB 11643 (region, birth date, check character), one registration per person
    "phone",  # a mobile number or a landline with its area code
    "resident",  # a resident who exists in the caller's area (hidden = does not exist)
    "to_grid",  # as "grid"
    "kind",  # an event that may follow the person's last (no move-in for one living here)
    "happened_on",  # after birth and the person's latest event, not in the future
    "new_status",  # a status the person does not have already
    "credit_code",  # GB 32100 (both check characters), one organisation per code
    "organisation",  # a key unit that exists in the caller's area (hidden = does not exist)
    # "kind" too: a key unit keeps its kind while it has vital parts
    "liaison_name",  # a contact has a name and a phone, or neither
    "liaison_phone",
    "safety_officer_name",
    "safety_officer_phone",
    "landlord_phone",  # the same
    "house",  # a house that exists in the caller's area (hidden = does not exist)
    "household",  # the same; a visited one lies in the visit's grid
    # "resident" too: of the house's grid, in or out of a household
    "head",  # the same, a member of the household
    "landlord_resident",  # a resident in the caller's area
    "building",  # not blank once stripped
    "room",  # one house per address (building, unit, room) in a grid
    "landlord_name",  # required when the house is rented
    "is_rented",  # rental data only on a rented house
    "filed_on",  # not in the future
    "responsibility_letter_signed_on",  # not in the future
    "on",  # not in the future
    "relationship",  # one head per household
    # "resident" too: in the visit's grid
    "worker",  # an account in the caller's area (a list filter)
    "subject",  # whom a visit was to: required when no resident is named
    "visited_at",  # a visit is not logged for a future time
    "latitude",  # a visit's point is given whole: latitude and longitude, or neither
    "longitude",
    "rows",  # an import's rows: each one a resident as the rules above want it
    "file",  # an import's file: a readable CSV or XLSX with the template's header
    "employer_organisation",  # an organisation in the caller's area (hidden = does not exist)
    "residence_permit_number",  # a floating person's only, with its expiry date (P3)
    "residence_permit_expires_on",  # with the number; not decades away
    "high_risk",  # a floating person's, set by office staff only (P6)
    "passport_number",  # a foreign national's, required for one (P10)
    "nationality",  # a foreign national's, required for one, not CHN
    "stay_expires_on",  # a foreign national's; not decades away
    "area",  # an area in the caller's scope (hidden = does not exist): the ledger's figures
    "until",  # the dispute figures' period: not before `since`
    # The stability-risk register (disputes, D30-D35):
    "matter",  # a matter in the caller's area, undecided (hidden = does not exist)
    "title",  # not blank once stripped
    "sponsor",  # not blank once stripped
    "decision",  # approval needs a completed go assessment (应评尽评,当否必否); not twice
    "comment",  # required to not approve or suspend
    "status",  # a decided matter or a completed assessment is not changed
    "assessor",  # an account in the caller's area
    "consultations",  # dated not in the future; required (one at least) to complete
    "possibility",  # required to complete, as the fields below
    "severity",
    "difficulty",
    "findings",
    "conclusion",
    "assessing_body",
    "assessed_on",  # also: not in the future
    # Dispute cases (issue 8):
    "category",  # an active category's code (a list filter: given a value)
    "owner_unit",  # a unit the caller sees (a list filter)
    "to_unit",  # an active unit serving the case's area, not its owner
    "parties",  # each a resident, an organisation or a name; one at least; residents in scope
    "summary",  # not blank once stripped
    "occurred_on",  # not in the future
    "duplicate_of",  # a case the caller sees
    "measures",  # not blank once stripped
    "handlers",  # people of the caller's area or unit
    "responsible_leader",  # a leader of the case's area; required for a major case
    "reason",  # not blank once stripped
    "agreement",  # not blank once stripped
    "resolution_method",
    "referred_to",
    "evaluation",
    "evaluated_on",  # not in the future
    "mediators",
    "outcome",
    "held_on",  # not in the future
    "instruction",
}
# Compounds (P27) and internal security bodies (P13):
BEYOND_THE_SCHEMA |= {
    "compound",  # a house's: a compound the caller sees, in the house's community
    "residents_committee",  # an organisation of that kind, in scope, of the compound's community
    "owners_committee",
    "property_company",
    "community",  # an area the caller sees (a list filter)
    "head_name",  # a security body's head's phone comes with a name
    "established_on",  # not in the future
}
# The two screenings (disputes, D2-D4):
BEYOND_THE_SCHEMA |= {
    "period",  # a period that exists (a list filter); one that has begun (to submit)
    "unit",  # a unit in the caller's scope (a list filter)
    "state",  # a report is submitted once
    "disputes_zero",  # each kind: its items or a zero report, never both, never neither
    "security_zero",
    "items",  # each entry as the services want it (a dispute's category, a grid in the area)
}
# Incidents at rental houses (P5):
BEYOND_THE_SCHEMA |= {
    "case",  # a case the caller sees, in the house's grid
    "finding",  # not blank once stripped
    "sanction",  # the same ("none" when no fault)
    "person",  # someone held to account on this incident
}
# The register of mediation organisations (D19):
BEYOND_THE_SCHEMA |= {
    "mediation_organisation",  # one serving the mediator's area, in the caller's scope
    "host_unit",  # a unit in the caller's scope, of the organisation's area or above/below
    "categories",  # active categories' codes (a list filter: an existing code)
}
# Leaders' receptions (D24):
BEYOND_THE_SCHEMA |= {
    "leader",  # a leader of the caller's area (a leader names only themselves)
    "starts_at",  # in the future; no overlap with the leader's other receptions
    "ends_at",  # after the start, within 12 hours
    "venue",  # not blank once stripped
    "slot",  # a reception of the caller's area, not begun, cancelled or full
    "name",  # not blank once stripped
    "phone",  # a mobile or landline number; once per reception
    "subject",  # not blank once stripped
    "notes",  # the same
    "grid",  # a grid the caller registers cases in, when a case is opened
}
# Meetings on disputes (D14):
BEYOND_THE_SCHEMA |= {
    "held_on",  # not in the future
    "attendees",  # not blank once stripped
    "cases",  # cases of the meeting's area the caller sees
    "decisions",  # each: a decision, a unit of the area's line, a deadline after the meeting
    "chair",  # someone of the caller's area
    "note",  # not blank once stripped
    "meeting",  # a meeting the caller sees (a list filter)
    "units",  # a case's task group: two units at least serving its area, not its owner
    "lead",  # one of the group's units
    "report",  # not blank once stripped
}
# Care records and re-verification drives (P8, P16, P23):
BEYOND_THE_SCHEMA |= {
    "record",  # a special-group record the caller sees by name (hidden = does not exist)
    "given_on",  # not in the future, not before the record began
    "drive",  # a drive of the caller's area or over it (a list filter)
    "ends_on",  # after the start, at most a year later
    # "area" too: a district, street or community, not a grid; "outcome": within the drive
}
NUL_REFUSAL = "NUL"  # strings may not carry U+0000 (governance.middleware)


def refused_beyond_the_schema(response) -> bool:
    if response.status_code != 400 or response.headers.get("content-type") != ["application/json"]:
        return False
    body = json.loads(response.content)
    if set(body) == {"detail"}:
        return NUL_REFUSAL in body["detail"]
    return bool(body) and set(body) <= BEYOND_THE_SCHEMA


@pytest.fixture(autouse=True)
def requests_keep_the_test_transaction(db):
    # Calls go through the WSGI application inside the test's transaction: like Django's
    # test client, keep the request signals from closing the connection that holds it.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(scope="module", autouse=True)
def figures():
    started = time.monotonic()
    yield
    print(
        f"\nschemathesis: {len(CALLS)} operations, {sum(CALLS.values())} calls "
        f"in {time.monotonic() - started:.1f} s: {CALLS}"
    )


@schema.parametrize()
@settings(
    max_examples=15,
    derandomize=True,  # the same calls every run; widen max_examples locally to explore
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_the_api_honours_its_schema(case, street_token):
    CALLS[case.operation.label] = CALLS.get(case.operation.label, 0) + 1
    # The WSGI client does not undo gzip as an HTTP client would; compression has its own tests.
    headers = {
        "Authorization": f"Token {street_token}",
        "Accept-Language": "en",
        "Accept-Encoding": "identity",
    }
    response = case.call(headers=headers)
    excluded = [positive_data_acceptance] if refused_beyond_the_schema(response) else []
    case.validate_response(response, headers=headers, excluded_checks=excluded)
