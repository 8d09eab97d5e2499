"""Refusals: anonymous callers (401/403 JSON from the API, a redirect from pages and admin),
API client accounts on pages (by session: 403; by token: not signed in), everyone but
administrators in the admin."""

from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from tests.scoping import routes as declared
from tests.scoping.matrix import ADMIN_SPECS, CLASSIFIED, SESSION_ACTORS, Route, routes_of
from tests.scoping.world import admin_model, admin_url


def is_login_redirect(response, login_url: str) -> bool:
    return response.status_code == 302 and response.url.startswith(login_url)


def _with_any_kwargs(route: Route) -> str:
    return reverse(route.name, kwargs={name: 1 for name in route.kwargs if name != "format"})


@dataclass(frozen=True)
class Knock:
    route: Route
    method: str
    who: str  # anonymous, api_client_session, token

    def __str__(self) -> str:
        return f"{self.route.key}:{self.method}/{self.who}"


API_KNOCKS = [
    Knock(route, method.upper(), who)
    for route in routes_of("api")
    for method in route.callback.actions
    for who in ("anonymous", "api_client_session")
] + [Knock(route, "GET", who) for route in routes_of("api-other") for who in ("anonymous",)]
PAGE_KNOCKS = [
    Knock(route, CLASSIFIED[route.key].spec.method, who)
    for route in routes_of("page")
    for who in ("anonymous", "api_client_session", "token")
]


@pytest.mark.parametrize("knock", API_KNOCKS, ids=str)
def test_the_api_refuses(world, db, knock):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if knock.who == "api_client_session":
        world.signed_in(client, world.users["api_client"])
    response = getattr(client, knock.method.lower())(_with_any_kwargs(knock.route))
    assert response["Content-Type"].startswith("application/json")
    if knock.who == "anonymous":  # not signed in: 401, and how to authenticate
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"
    else:  # signed in, but an API client account is refused a session
        assert response.status_code == 403


@pytest.mark.parametrize("knock", PAGE_KNOCKS, ids=str)
def test_pages_refuse(world, db, knock):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if knock.who == "api_client_session":
        world.signed_in(client, world.users["api_client"])
    elif knock.who == "token":
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {world.token_key}"
    response = getattr(client, knock.method.lower())(_with_any_kwargs(knock.route))
    if knock.who == "api_client_session":
        assert response.status_code == 403
    else:
        assert is_login_redirect(response, reverse("login")), response.status_code


NON_ADMINS = [key for key in SESSION_ACTORS if key not in declared.ADMIN_ACTORS] + [
    "api_client_session",
    "anonymous",
]


@pytest.mark.parametrize("who", NON_ADMINS)
@pytest.mark.parametrize("label", list(ADMIN_SPECS))
def test_the_admin_is_for_administrators(world, db, label, who):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if who == "api_client_session":
        world.signed_in(client, world.users["api_client"])
    elif who != "anonymous":
        world.signed_in(client, world.actor(who).user)
    response = client.get(admin_url(admin_model(label), "changelist"))
    assert is_login_redirect(response, reverse("admin:login")), response.status_code


# Unnamed public routes are file servers under PUBLIC_PREFIXES (static/ with DEBUG): no view
# of the portal's to call without a file name.
@pytest.mark.parametrize("route", [r for r in routes_of("public") if r.name], ids=str)
def test_public_routes_answer_anonymous_callers(world, db, route):
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get(_with_any_kwargs(route))
    expected = {
        "logout": 405,  # signing out takes a POST
        "set_language": 302,  # a GET changes nothing and goes back
        "otp": 302,  # to the sign-in form: the second factor comes after the password
    }.get(route.name, 200)
    assert response.status_code == expected, (route.name, response.status_code)
