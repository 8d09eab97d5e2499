"""The world: one district, the actors, rows in every position, and clients signed in as
each actor. Built by the `world` fixture of tests/scoping/conftest.py."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from governance.models import ApiToken, Notification, Role, User
from governance.services import api_token_issue
from grid.models import Area, AreaLevel
from tests.conftest import PASSWORD, district_create, login, make_user, named_areas
from tests.scoping import routes as declared


@dataclass
class Actor:
    key: str
    user: User
    anchor: Area  # scope root (the token's area for the token actor); origin of positions
    via: str
    everything: bool

    def covers(self, area: Area | None) -> bool:
        """The one rule, restated: the area lies in the actor's scope subtree."""
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


class World:
    def __init__(self) -> None:
        district = district_create()
        self.areas = named_areas(district)
        del self.areas["grid_other_street"]  # the matrix takes positions relative to its anchors
        street_a, community_a, grid_a = (
            self.areas[n] for n in ("street_a", "community_a", "grid_a")
        )
        self.all_areas = list(Area.objects.all())
        self.users = {
            "grid_worker_a": make_user("t_gw_a", Role.GRID_WORKER, grid_a),
            "community_office": make_user("t_office_c", Role.OFFICE_STAFF, community_a),
            "street_office": make_user("t_office_a", Role.OFFICE_STAFF, street_a),
            "leader": make_user("t_leader", Role.LEADER, district),
            "street_leader": make_user("t_leader_a", Role.LEADER, street_a),
            "admin": make_user("t_admin", Role.ADMIN, district),
            "street_admin": make_user("t_admin_a", Role.ADMIN, street_a),
            "api_client": make_user("t_client", Role.API_CLIENT, district),
            "superuser": User.objects.create_superuser(
                "t_root", password=PASSWORD, role=Role.ADMIN
            ),
        }
        _, self.token_key = api_token_issue(
            actor=self.users["admin"], client=self.users["api_client"], name="a", area=street_a
        )
        self._bystanders = {
            area.pk: make_user(
                f"t_by_{area.code}",
                Role.GRID_WORKER if area.level == AreaLevel.GRID else Role.OFFICE_STAFF,
                area,
            )
            for area in self.all_areas
        }
        # One notice per person, so that a page showing someone else's is caught.
        self.noticed = [*self.users.values(), *self._bystanders.values()]
        for user in self.noticed:
            self.notice(user)
        self.actors = {
            key: Actor(
                key=key,
                user=self.users[spec.user],
                anchor=self.areas[spec.anchor],
                via=spec.via,
                everything=spec.everything,
            )
            for key, spec in declared.ACTORS.items()
        }
        # Sessions made here outlive every test's savepoint: signing in once per user.
        self._sessions: dict[int, str] = {}
        for user in self.users.values():
            self.signed_in(Client(), user)

    # Rows, for the factories of tests/scoping/routes.py ---------------------------------

    def bystander(self, area: Area) -> User:
        """Another person whose home area is `area`."""
        return self._bystanders[area.pk]

    def notice(self, user: User) -> Notification:
        return Notification.objects.create(recipient=user, kind="test", title=notice_title(user))

    def token_row(self, area: Area) -> ApiToken:
        return ApiToken.objects.create(
            client=self.users["api_client"],
            name=f"token {area.code}",
            area=area,
            prefix=secrets.token_hex(4),
            secret_hash="-",
            expires_at=timezone.now() + timedelta(days=1),
        )

    def grid_in(self, area: Area, avoid: Area) -> Area:
        """A grid inside `area`, outside `avoid` where there is one."""
        grids = list(Area.objects.filter(level=AreaLevel.GRID, path__startswith=area.path))
        outside = [grid for grid in grids if not grid.path.startswith(avoid.path)]
        return (outside or grids)[0]

    def fresh_child(self, area: Area) -> Area:
        """A new leaf just below `area` (no boundary, no users: it can be deleted)."""
        child = Area.objects.create(
            name="待删", level=area.level + 1, code=area.code + "597", parent=area, path=""
        )
        child.path = f"{area.path}{child.pk}/"
        child.save(update_fields=["path"])
        return child

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
            client.credentials(HTTP_AUTHORIZATION=f"Token {self.token_key}")
            return client
        return self.signed_in(client, actor.user)

    def page_client(self, user: User) -> Client:
        return self.signed_in(Client(HTTP_ACCEPT_LANGUAGE="en"), user)


# --- Admin URLs -----------------------------------------------------------------------------


def admin_model(label: str):
    return next(m for m in admin.site._registry if m._meta.label_lower == label)


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)
