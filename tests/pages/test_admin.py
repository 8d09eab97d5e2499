import json
import re

from django.contrib.messages import get_messages
from django.urls import reverse

from governance.models import ApiToken, Role, User
from grid.models import Area, AreaLevel
from tests.conftest import login
from tests.factories import TOTPDeviceFactory
from tests.grid.test_area_services import inner_square


def area_form(area: Area, **changes) -> dict:
    data = {
        "name": area.name,
        "level": area.level,
        "code": area.code,
        "parent": area.parent_id or "",
        "boundary": json.dumps(area.boundary),
        "team_members-TOTAL_FORMS": "0",
        "team_members-INITIAL_FORMS": "0",
    }
    return data | changes


def test_the_area_form_draws_the_boundary_on_a_map_with_its_neighbours(client, users, areas):
    login(client, users["admin"])
    page = client.get(reverse("admin:grid_area_change", args=[areas["grid_a"].pk])).content.decode()
    assert "leaflet/draw/leaflet.draw.js" in page and "js/boundary_widget.js" in page
    assert areas["grid_b"].name in page  # a sibling drawn for reference


def test_a_bad_code_in_the_admin_is_a_form_error_and_saves_nothing(client, users, areas):
    login(client, users["admin"])
    before = Area.objects.count()
    grid = areas["grid_a"]
    response = client.post(
        reverse("admin:grid_area_add"),
        area_form(grid, name="新网格", code="12345", boundary=""),
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["code"] == [
        "网格编码应为 15 位，“12345”为 5 位。"
    ]
    assert Area.objects.count() == before


def test_an_overlapping_boundary_in_the_admin_names_the_neighbour(client, users, areas):
    login(client, users["admin"])
    grid, other = areas["grid_a"], areas["grid_b"]
    before = grid.boundary
    response = client.post(
        reverse("admin:grid_area_change", args=[grid.pk]),
        area_form(grid, boundary=json.dumps(inner_square(other, 0.5))),
    )
    assert response.status_code == 200
    assert other.name in str(response.context["adminform"].form.errors["boundary"])
    assert Area.objects.get(pk=grid.pk).boundary == before


def test_an_administrator_redraws_a_grid_in_the_admin(client, users, areas):
    login(client, users["admin"])
    grid = areas["grid_a"]
    smaller = inner_square(grid, 0.5)
    response = client.post(
        reverse("admin:grid_area_change", args=[grid.pk]),
        area_form(grid, boundary=json.dumps(smaller)),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    grid.refresh_from_db()
    assert grid.boundary == smaller


def test_a_street_administrator_sees_only_the_street_in_the_admin(client, users, areas):
    login(client, users["street_admin"])
    areas_page = client.get(reverse("admin:grid_area_changelist") + "?all=").content.decode()
    assert areas["community_a"].name in areas_page and areas["street_b"].name not in areas_page
    users_page = client.get(reverse("admin:governance_user_changelist")).content.decode()
    assert "t_office_a" in users_page and "t_office_b" not in users_page
    assert (
        client.get(reverse("admin:grid_area_change", args=[areas["street_b"].pk])).status_code
        == 302
    )


def test_office_staff_cannot_enter_the_admin(client, users):
    login(client, users["street_office"])
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and "login" in response.url


def test_a_token_issued_in_the_admin_is_shown_once_and_stored_hashed(client, users, areas):
    login(client, users["admin"])
    response = client.post(
        reverse("admin:governance_apitoken_add"),
        {
            "client": users["api_client"].pk,
            "name": "12345 hotline",
            "area": areas["street_a"].pk,
            "expires_at_0": "",
            "expires_at_1": "",
        },
    )
    assert response.status_code == 302
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    key = re.search(r"ggp_[\w-]+", " ".join(shown)).group()
    token = ApiToken.objects.get()
    assert key.split("_", 2)[2] not in token.secret_hash
    change_page = reverse("admin:governance_apitoken_change", args=[token.pk])
    assert key in client.get(change_page).content.decode()  # the one time it is shown
    assert key not in client.get(change_page).content.decode()


def test_issuing_a_token_to_a_non_client_is_a_form_error(client, users, areas):
    login(client, users["admin"])
    response = client.post(
        reverse("admin:governance_apitoken_add"),
        {"client": users["leader"].pk, "name": "x", "area": areas["street_a"].pk},
    )
    # A non-client is not even offered: the choice is invalid.
    assert response.status_code == 200 and not ApiToken.objects.exists()
    assert "client" in response.context["adminform"].form.errors


def test_tokens_are_revoked_from_the_admin(client, users, areas, street_token):
    login(client, users["admin"])
    token = ApiToken.objects.get()
    client.post(
        reverse("admin:governance_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None


def add_grid_worker(client, home_area: Area):
    return client.post(
        reverse("admin:governance_user_add"),
        {
            "username": "new_worker",
            "password1": "Grid@Portal2026x",
            "password2": "Grid@Portal2026x",
            "role": Role.GRID_WORKER,
            "home_area": home_area.pk,
        },
    )


def test_a_street_administrator_cannot_give_an_account_an_area_outside_the_street(
    client, users, areas
):
    login(client, users["street_admin"])
    # Not even offered: an area outside the street is an invalid choice.
    assert add_grid_worker(client, areas["grid_other_street"]).status_code == 200
    assert not User.objects.filter(username="new_worker").exists()
    response = add_grid_worker(client, areas["community_a"])
    assert (
        "home_area" in response.context["adminform"].form.errors
    )  # a grid worker's area is a grid
    assert add_grid_worker(client, areas["grid_a"]).status_code == 302
    assert User.objects.get(username="new_worker").home_area.level == AreaLevel.GRID


def test_a_street_administrator_cannot_rename_their_own_street_in_the_admin(client, users, areas):
    login(client, users["street_admin"])
    street = areas["street_a"]
    response = client.post(
        reverse("admin:grid_area_change", args=[street.pk]), area_form(street, name="文新新街道")
    )
    assert response.status_code == 403  # the level above names its streets
    street.refresh_from_db()
    assert street.name != "文新新街道"


def test_a_street_administrator_renames_a_community_of_their_street_in_the_admin(
    client, users, areas
):
    login(client, users["street_admin"])
    community = areas["community_a"]
    response = client.post(
        reverse("admin:grid_area_change", args=[community.pk]),
        area_form(community, name="新社区"),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    community.refresh_from_db()
    assert community.name == "新社区" and community.parent == areas["street_a"]


def test_a_district_offered_to_a_non_superuser_is_a_form_error_not_a_403(client, users):
    login(client, users["admin"])
    response = client.post(
        reverse("admin:grid_area_add"),
        {
            "name": "新区",
            "level": AreaLevel.DISTRICT,
            "code": "330108",
            "parent": "",
            "boundary": "",
            "team_members-TOTAL_FORMS": "0",
            "team_members-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()
    assert not Area.objects.filter(code="330108").exists()


def test_an_area_administrator_cannot_touch_a_superusers_account(client, users, areas):
    root = users["superuser"]
    root.home_area = areas["street_a"]
    root.save()
    login(client, users["street_admin"])
    for url in (
        reverse("admin:governance_user_change", args=[root.pk]),
        reverse("admin:auth_user_password_change", args=[root.pk]),
        reverse("admin:governance_user_delete", args=[root.pk]),
    ):
        response = client.post(
            url, {"password1": "Take@Over2026x", "password2": "Take@Over2026x", "post": "yes"}
        )
        assert response.status_code == 403, url
    root.refresh_from_db()
    assert root.check_password("Test@Portal2026") and type(root).objects.filter(pk=root.pk).exists()


def test_an_administrator_resets_a_lost_authenticator(client, users):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    leader = users["leader"]
    TOTPDeviceFactory(user=leader, name="old phone")
    login(client, users["admin"])
    client.post(
        reverse("admin:governance_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [leader.pk]},
    )
    assert not TOTPDevice.objects.filter(user=leader, name="old phone").exists()


def test_a_street_administrator_resets_only_the_accounts_theirs_to_manage(client, users, areas):
    from auditlog.models import LogEntry
    from django_otp.plugins.otp_totp.models import TOTPDevice

    root, office = users["superuser"], users["street_office"]
    root.home_area = areas["street_a"]
    root.save()
    for user in (root, office):
        TOTPDeviceFactory(user=user)
    login(client, users["street_admin"])
    client.post(
        reverse("admin:governance_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [root.pk, office.pk]},
    )
    assert TOTPDevice.objects.filter(user=root, name="phone").exists()
    assert not TOTPDevice.objects.filter(user=office, name="phone").exists()
    entry = LogEntry.objects.get_for_object(office).latest("timestamp")
    assert entry.actor == users["street_admin"] and "second factor" in entry.changes_dict
