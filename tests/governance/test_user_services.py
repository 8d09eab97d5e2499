"""Accounts are created and changed through user_create / user_update, which hold the rules:
role and home area inside the actor's scope, administrators (and only they) reach the admin."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from governance.models import Role, User
from governance.services import user_create, user_update
from tests.conftest import PASSWORD, login


def test_a_street_administrator_creates_a_grid_worker_in_the_street(users, areas):
    worker = user_create(
        actor=users["street_admin"],
        username="new_gw",
        password=PASSWORD,
        role=Role.GRID_WORKER,
        home_area=areas["grid_a"],
    )
    assert worker.check_password(PASSWORD) and not worker.is_staff


def test_an_account_outside_the_actors_street_is_refused_and_nothing_is_saved(users, areas):
    with pytest.raises(ValidationError) as refused:
        user_create(
            actor=users["street_admin"],
            username="elsewhere",
            password=PASSWORD,
            role=Role.OFFICE_STAFF,
            home_area=areas["street_b"],
        )
    assert "home_area" in refused.value.message_dict
    assert not User.objects.filter(username="elsewhere").exists()


def test_office_staff_cannot_create_accounts(users, areas):
    with pytest.raises(PermissionDenied):
        user_create(
            actor=users["street_office"],
            username="x",
            password=PASSWORD,
            role=Role.GRID_WORKER,
            home_area=areas["grid_a"],
        )


def test_a_weak_password_is_refused_by_the_service(users, areas):
    with pytest.raises(ValidationError):
        user_create(
            actor=users["admin"],
            username="weak",
            password="12345678",
            role=Role.LEADER,
            home_area=areas["district"],
        )
    assert not User.objects.filter(username="weak").exists()


def test_giving_the_administrator_role_opens_the_admin_and_taking_it_closes_it(users):
    office = users["street_office"]
    assert not office.is_staff
    promoted = user_update(actor=users["admin"], user=office, role=Role.ADMIN)
    assert promoted.is_staff and promoted.is_administrator
    demoted = user_update(actor=users["admin"], user=office, role=Role.LEADER)
    assert not demoted.is_staff and not demoted.is_administrator


def test_a_street_administrator_cannot_move_an_account_out_of_the_street(users, areas):
    with pytest.raises(ValidationError):
        user_update(
            actor=users["street_admin"], user=users["street_office"], home_area=areas["street_b"]
        )
    users["street_office"].refresh_from_db()
    assert users["street_office"].home_area == areas["street_a"]


def test_the_administrator_rule_and_its_queryset_form_agree(users):
    users["street_admin"].is_active = False
    users["street_admin"].save()
    by_property = {u.pk for u in User.objects.all() if u.is_administrator}
    assert set(User.objects.administrators().values_list("pk", flat=True)) == by_property
    assert {users["admin"].pk, users["superuser"].pk} <= by_property
    assert users["street_admin"].pk not in by_property


def test_the_admin_creates_an_account_through_the_service(client, users, areas):
    login(client, users["street_admin"])
    response = client.post(
        reverse("admin:governance_user_add"),
        {
            "username": "admin_made",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "role": Role.ADMIN,
            "home_area": areas["community_a"].pk,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    made = User.objects.get(username="admin_made")
    assert made.is_staff and made.home_area == areas["community_a"]  # is_staff: the service's
