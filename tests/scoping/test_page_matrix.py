"""Page cells: page x actor (x position for pages about one row): 200 in scope, 404 outside,
and no name of an area outside the actor's scope nor anyone else's notification in the HTML."""

import re

import pytest
from django.urls import reverse

from tests.scoping import routes as declared
from tests.scoping.matrix import CLASSIFIED, PAGE_CELLS, Route
from tests.scoping.world import Actor, CellContext, World, notice_title

CJK = "\u4e00-\u9fff"


def assert_nothing_hidden_shown(world: World, actor: Actor, html: str) -> None:
    """No name of an area outside the actor's scope, and no one else's notice, in a page.
    Department staff may read the names of the areas their unit serves (they register cases
    in its grids), though no row of those areas."""
    served = (
        actor.user.unit.area.path if actor.user.unit_id and not actor.user.sees_by_area else None
    )
    for area in world.all_areas:
        if not actor.covers(area) and not (served and area.path.startswith(served)):
            shown = re.search(rf"(?<![{CJK}]){re.escape(area.name)}(?![{CJK}])", html)
            assert not shown, f"{actor.key} is shown {area.name} ({area.code}), outside its scope"
    for user in world.noticed:
        if user.pk != actor.user.pk:
            assert notice_title(user) not in html, f"{actor.key} is shown {user}'s notification"


def page_url(route: Route, page: declared.Page, row=None) -> str:
    return reverse(route.name, kwargs=page.kwargs(row) if page.kwargs else None)


@pytest.mark.parametrize("cell", PAGE_CELLS, ids=str)
def test_page(world, db, cell):
    page: declared.Page = CLASSIFIED[cell.route.key].spec
    actor = world.actor(cell.actor)
    client = world.page_client(actor.user)
    row = visible = area = None
    if page.rows is not None:
        row = world.row_for(page.rows, actor, cell.position)
        visible = page.rows.visible(actor, row)
        area = world.position_area(cell.actor, cell.position)
    if set(cell.route.kwargs) and page.kwargs is None:
        message = f"{cell.route.key} takes {set(cell.route.kwargs)}: declare its rows and kwargs"
        pytest.fail(message, pytrace=False)
    url = page_url(cell.route, page, row)
    if page.method != "GET" or page.post is not None:  # a POST, or a GET that answers a file
        assert page.post is not None, f"PAGES[{cell.route.key!r}] needs post= for {page.method}"
        page.post(CellContext(world, actor, area, row, visible, client, url, page.method))
        return
    response = client.get(url)
    expected = 404 if visible is False else 200
    assert response.status_code == expected, f"{url}: {response.status_code}"
    if expected == 200:
        assert_nothing_hidden_shown(world, actor, response.content.decode())
