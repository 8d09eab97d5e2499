import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grid import index as grid_index_module
from grid.index import build_index, current_revision, grid_index
from grid.models import Area, AreaLevel, BoundaryRevision


def brute_force(grids: list[Area], lon: float, lat: float) -> int | None:
    """The lowest id among the grids that cover the point: what the index must answer."""
    point = shapely.Point(lon, lat)
    hits = [grid.pk for grid in grids if grid.geometry.intersects(point)]
    return min(hits) if hits else None


@pytest.fixture
def grids(district) -> list[Area]:
    return list(Area.objects.filter(level=AreaLevel.GRID).order_by("pk"))


@pytest.fixture
def bounds(district) -> tuple[float, float, float, float]:
    return district.geometry.bounds


def test_every_grids_inner_point_is_located_in_it(grids):
    index = grid_index()
    for grid in grids:
        point = grid.geometry.representative_point()
        assert index.locate(point.x, point.y) == grid.pk


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(fx=st.floats(-0.05, 1.05), fy=st.floats(-0.05, 1.05))
def test_single_lookups_agree_with_brute_force(grids, bounds, fx, fy):
    x0, y0, x1, y1 = bounds
    lon, lat = x0 + fx * (x1 - x0), y0 + fy * (y1 - y0)
    assert grid_index().locate(lon, lat) == brute_force(grids, lon, lat)


def test_points_on_shared_edges_and_vertices_resolve_like_brute_force(grids):
    index = grid_index()
    vertices = {tuple(c) for grid in grids[:4] for c in grid.boundary["coordinates"][0]}
    for lon, lat in vertices:
        assert index.locate(lon, lat) == brute_force(grids, lon, lat)
    lons, lats = zip(*vertices, strict=True)
    batch = index.locate_many(np.column_stack([lons, lats]))
    assert batch == [index.locate(lon, lat) for lon, lat in vertices]


def test_a_batch_agrees_with_single_lookups(grids, bounds):
    rng = np.random.default_rng(7)
    x0, y0, x1, y1 = bounds
    points = np.column_stack(
        [rng.uniform(x0 - 0.01, x1 + 0.01, 2000), rng.uniform(y0 - 0.01, y1 + 0.01, 2000)]
    )
    index = grid_index()
    assert index.locate_many(points) == [index.locate(lon, lat) for lon, lat in points]


def test_an_index_is_rebuilt_when_another_process_changes_a_boundary(grids, settings):
    settings.GRID_INDEX_CHECK_SECONDS = 3600
    grid_index_module._current = None
    first = grid_index()
    grid = grids[0]
    point = grid.geometry.representative_point()
    # Another process removes the grid's boundary and bumps the revision in the database.
    Area.objects.filter(pk=grid.pk).update(boundary=None)
    BoundaryRevision.objects.update(revision="changed-elsewhere")
    assert grid_index() is first  # within the check interval the index is trusted
    settings.GRID_INDEX_CHECK_SECONDS = 0
    rebuilt = grid_index()
    assert rebuilt is not first and rebuilt.revision == current_revision() == "changed-elsewhere"
    assert rebuilt.locate(point.x, point.y) is None


def test_an_empty_tree_locates_nothing(db):
    assert build_index("empty").locate(120.1, 30.2) is None
    assert build_index("empty").locate_many(np.array([[120.1, 30.2]])) == [None]


def test_points_on_raster_cell_edges_agree_with_brute_force(grids):
    index = grid_index()
    raster = index.raster
    assert raster is not None
    rng = np.random.default_rng(11)
    cols = rng.integers(0, raster.nx, 300)
    rows = rng.integers(0, raster.ny, 300)
    # Exactly on a cell's lower-left corner, and a hair either side of it.
    for offset in (0.0, 1e-12, -1e-12):
        lons = raster.x0 + cols / raster.kx + offset
        lats = raster.y0 + rows / raster.ky + offset
        for lon, lat in zip(lons, lats, strict=True):
            assert index.locate(lon, lat) == brute_force(grids, lon, lat)
