"""The world: one district, the actors, rows in every position, and clients signed in as
each actor. Built by the `world` fixture of tests/scoping/conftest.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from governance.models import Notification, Role, User
from governance.services import api_token_issue
from grid.models import Area, UnitKind
from population.models import OrganisationKind
from tests.conftest import district_create, login, named_areas, people_create
from tests.factories import ApiTokenFactory, NotificationFactory, UnitFactory, UserFactory
from tests.population.factories import OrganisationFactory
from tests.scoping import routes as declared


@dataclass
class Actor:
    key: str
    user: User
    anchor: Area  # scope root (the token's area for the token actor); origin of positions
    via: str
    everything: bool
    unit_token: bool = False  # a token scoped to the person's unit (P7)

    def covers(self, area: Area | None) -> bool:
        """The one rule, restated: the area lies in the actor's scope subtree. Department
        staff (and an enterprise's people) have none, nor has their unit's token: they see
        what their unit is handed, never an area's rows."""
        if self.user.role == Role.DEPARTMENT:
            return False
        return self.everything or (area is not None and area.path.startswith(self.anchor.path))


@dataclass
class CellContext:
    world: World
    actor: Actor
    area: Area  # the area of the position
    row: Any  # the row of the position
    visible: bool
    client: Any
    url: str
    method: str


def notice_title(user: User) -> str:
    return f"[notice for {user.username}]"


def enterprise_create(areas: dict[str, Area]) -> User:
    """以业管人 (P7): an enterprise in grid_a, its unit in street_a linked to that row of the
    ledger, and one of its people (department staff of the unit)."""
    organisation = OrganisationFactory(
        grid=areas["grid_a"], kind=OrganisationKind.ENTERPRISE, name="矩阵机械厂"
    )
    unit = UnitFactory(
        area=areas["street_a"],
        kind=UnitKind.ENTERPRISE,
        name="矩阵机械厂",
        organisation=organisation,
    )
    return UserFactory(
        username="t_enterprise", role=Role.DEPARTMENT, home_area=areas["street_a"], unit=unit
    )


class World:
    def __init__(self) -> None:
        self.areas = named_areas(district_create())
        del self.areas["grid_other_street"]  # the matrix takes positions relative to its anchors
        self.all_areas = list(Area.objects.all())
        self.users = people_create(self.areas)
        self.users["enterprise"] = enterprise_create(self.areas)
        self.token_key = ApiTokenFactory(
            client=self.users["api_client"],
            created_by=self.users["admin"],
            name="a",
            area=self.areas["street_a"],
        ).key
        self._bystanders = {
            area.pk: UserFactory(username=f"t_by_{area.code}", home_area=area)
            for area in self.all_areas
        }
        # One notice per person, so that a page showing someone else's is caught.
        self.noticed = [*self.users.values(), *self._bystanders.values()]
        for user in self.noticed:
            self.notice(user)
        self.actors = {
            key: Actor(
                key=key,
                user=self.users[spec.person],
                anchor=self.areas[spec.anchor],
                via=spec.via,
                everything=spec.everything,
                unit_token=spec.unit_token,
            )
            for key, spec in declared.ACTORS.items()
        }
        # The unit tokens (P7): issued by the district's administrator to the unit's person.
        self.token_keys = {
            key: api_token_issue(
                actor=self.users["admin"],
                client=actor.user,
                name=key,
                unit=actor.user.unit,
            )[1]
            for key, actor in self.actors.items()
            if actor.unit_token
        }
        # Sessions made here outlive every test's savepoint: signing in once per user.
        self._sessions: dict[int, str] = {}
        for user in self.users.values():
            self.signed_in(Client(), user)

    def bystander(self, area: Area) -> User:
        """Another person whose home area is `area`."""
        return self._bystanders[area.pk]

    def notice(self, user: User) -> Notification:
        return NotificationFactory(recipient=user, title=notice_title(user))

    # Actors ------------------------------------------------------------------------------

    def actor(self, key: str) -> Actor:
        return self.actors[key]

    def position_area(self, actor_key: str, position: str) -> Area:
        anchor = declared.ACTORS[actor_key].anchor
        name = anchor if position == declared.MINE else declared.POSITIONS[anchor][position]
        return self.areas[name]

    def row_for(self, rows: declared.Rows, actor: Actor, position: str):
        if position == declared.MINE:
            return rows.make_mine(self, actor)
        return rows.make(self, self.position_area(actor.key, position), actor)

    def signed_in(self, client, user: User):
        """The client with the user's session (signed in once, second factor passed)."""
        if user.pk not in self._sessions:
            login(client, user)
            self._sessions[user.pk] = client.cookies[settings.SESSION_COOKIE_NAME].value
        client.cookies[settings.SESSION_COOKIE_NAME] = self._sessions[user.pk]
        return client

    def api_client(self, actor: Actor) -> APIClient:
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        if actor.via == "token":
            key = self.token_keys.get(actor.key, self.token_key)
            client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
            return client
        return self.signed_in(client, actor.user)

    def page_client(self, user: User) -> Client:
        return self.signed_in(Client(HTTP_ACCEPT_LANGUAGE="en"), user)


# --- Admin URLs -----------------------------------------------------------------------------


def admin_model(label: str):
    return next(m for m in admin.site._registry if m._meta.label_lower == label)


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)
