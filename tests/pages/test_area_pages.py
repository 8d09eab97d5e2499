import re

from django.urls import reverse

from governance.services import notification_send
from tests.conftest import login


def test_the_home_page_shows_the_users_area(client, users, areas):
    login(client, users["street_office"])
    page = client.get(reverse("home")).content.decode()
    assert areas["street_a"].name in page
    assert areas["street_b"].name not in page


def test_the_tree_lists_the_root_and_loads_children_on_demand(client, users, areas):
    login(client, users["leader"])
    tree = client.get(reverse("areas:tree")).content.decode()
    assert areas["district"].name in tree
    assert reverse("areas:children", args=[areas["district"].pk]) in tree
    children = client.get(
        reverse("areas:children", args=[areas["district"].pk]), HTTP_HX_REQUEST="true"
    )
    assert areas["street_a"].name in children.content.decode()
    assert "<html" not in children.content.decode()


def test_a_grid_page_shows_the_team_with_masked_phones(client, users, areas):
    login(client, users["grid_worker_a"])
    page = client.get(reverse("areas:detail", args=[areas["grid_a"].pk])).content.decode()
    team = areas["grid_a"].team_members.all()
    assert len(team) == 5
    for member in team:
        assert member.name in page
        assert member.phone not in page
        assert member.phone_masked in page
    assert not re.search(r"1[3-9]\d{9}", page)
    assert '"type": "Polygon"' in page


def test_a_page_for_an_area_outside_the_scope_is_not_found(client, users, areas):
    login(client, users["grid_worker_a"])
    assert client.get(reverse("areas:detail", args=[areas["grid_b"].pk])).status_code == 404
    assert client.get(reverse("areas:children", args=[areas["community_a"].pk])).status_code == 404


def test_the_map_page_starts_at_the_users_top_level(client, users, areas):
    login(client, users["street_office"])
    page = client.get(reverse("areas:map")).content.decode()
    assert 'data-root-level="2"' in page
    assert "leaflet/leaflet.js" in page


def test_pages_are_chinese_by_default_and_english_on_request(client, users):
    login(client, users["street_office"])
    assert "退出" in client.get(reverse("home")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Sign out" in client.get(reverse("home")).content.decode()


def test_notifications_are_listed_and_marked_read(client, users):
    notification_send(recipients=[users["street_office"]], kind="test", title="网格排查逾期")
    login(client, users["street_office"])
    assert "网格排查逾期" in client.get(reverse("notifications")).content.decode()
    client.post(reverse("notifications-read"), {"all": "1"})
    assert 'data-testid="unread"' not in client.get(reverse("home")).content.decode()


def test_no_page_loads_assets_from_another_host(client, users, areas):
    login(client, users["leader"])
    for url in (
        reverse("home"),
        reverse("areas:map"),
        reverse("areas:detail", args=[areas["grid_a"].pk]),
    ):
        page = client.get(url).content.decode()
        assert not re.search(r"""(src|href)=["']https?://""", page), url


def test_map_tiles_come_from_the_setting_and_default_to_none(client, users, settings):
    login(client, users["street_office"])
    assert (
        '<script id="map-tiles" type="application/json">[]</script>'
        in client.get(reverse("areas:map")).content.decode()
    )
    settings.MAP_TILES_URL = "https://tiles.intranet.example/{z}/{x}/{y}.png"
    assert "tiles.intranet.example" in client.get(reverse("areas:map")).content.decode()


def test_marking_read_with_bad_ids_changes_nothing_and_says_why(client, users):
    notification_send(recipients=[users["street_office"]], kind="test", title="甲")
    login(client, users["street_office"])
    for bad in ("abc", "²", str(10**30), "0"):
        response = client.post(reverse("notifications-read"), {"id": bad}, follow=True)
        assert response.status_code == 200
        assert f"“{bad[:20]}”不是有效的通知编号。" in response.content.decode()
    assert client.post(reverse("notifications-read"), follow=True).status_code == 200
    assert 'data-testid="unread"' in client.get(reverse("home")).content.decode()
