"""Two administrators saving at the same moment must not, between them, break the tree."""

import threading

import shapely
from django.core.exceptions import ValidationError
from django.db import connection

from grid.models import Area
from grid.selectors import area_tree_problems
from grid.services import area_update
from grid.validation import normalize_boundary


def as_geojson(geometry) -> dict:
    return normalize_boundary(shapely.geometry.mapping(geometry))


def test_two_grids_growing_into_the_same_strip_at_once_cannot_both_win(
    transactional_db, users, areas
):
    admin, grid_a, grid_b = users["admin"], areas["grid_a"], areas["grid_b"]
    strip = grid_b.geometry.intersection(grid_a.geometry.buffer(0.001))
    # Free a strip of grid_b next to grid_a; then both claim it back at once.
    area_update(actor=admin, area=grid_b, boundary=as_geojson(grid_b.geometry.difference(strip)))
    claims = {
        grid_a.pk: as_geojson(grid_a.geometry.union(strip)),
        grid_b.pk: as_geojson(Area.objects.get(pk=grid_b.pk).geometry.union(strip)),
    }
    start, outcomes = threading.Barrier(2), {}

    def claim(pk: int) -> None:
        try:
            start.wait()
            area_update(actor=admin, area=Area(pk=pk), boundary=claims[pk])
            outcomes[pk] = "saved"
        except ValidationError as error:
            outcomes[pk] = " ".join(error.messages)
        except Exception as error:  # a deadlock or any other failure must show, not vanish
            outcomes[pk] = f"crashed: {error!r}"
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(pk,)) for pk in claims]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert not any(thread.is_alive() for thread in threads)
    assert set(outcomes) == set(claims), outcomes
    winners = [pk for pk, outcome in outcomes.items() if outcome == "saved"]
    assert len(winners) == 1, outcomes
    (loser,) = set(claims) - set(winners)
    assert Area.objects.get(pk=winners[0]).name in outcomes[loser]  # "overlaps ... <winner>"
    assert area_tree_problems() == []
