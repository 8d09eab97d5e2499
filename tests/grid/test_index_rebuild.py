"""The point index is rebuilt off the request path (issue 6: +2.6 s for the first request
after a boundary edit at 10,000 grids). The rule (grid.index.grid_index): a process that sees
a new revision keeps answering from its index while a thread builds the new one, and answers
from the new one as soon as it is built; a failed build is tried again at the next check.

The builds run in threads with their own database connections: the data is committed."""

import threading

import pytest

from grid import index as grid_index_module
from grid.index import current_revision, grid_index, warm_up
from grid.models import Area, AreaLevel, BoundaryRevision

WAIT = 30  # seconds: a bound for a hung thread, never reached when the code is right


@pytest.fixture
def background(transactional_db, district, settings):
    settings.GRID_INDEX_REBUILD_IN_BACKGROUND = True
    settings.GRID_INDEX_CHECK_SECONDS = 0
    grid_index_module._current = None
    yield
    builder = grid_index_module._builder
    if builder is not None:
        builder.join(WAIT)
    grid_index_module._current = None


def edit_elsewhere() -> tuple[float, float]:
    """Another process removes a grid's boundary and bumps the revision; returns a point that
    lay in that grid."""
    grid = Area.objects.filter(level=AreaLevel.GRID).order_by("pk").first()
    point = grid.geometry.representative_point()
    Area.objects.filter(pk=grid.pk).update(boundary=None)
    BoundaryRevision.objects.update(revision="changed-elsewhere")
    return point.x, point.y


def test_a_new_revision_is_answered_from_the_old_index_until_the_new_one_is_built(
    background, monkeypatch
):
    first = grid_index()  # no index yet: built before answering
    lon, lat = edit_elsewhere()
    release = threading.Event()
    real_build = grid_index_module.build_index

    def slow_build(revision):
        release.wait(WAIT)
        return real_build(revision)

    monkeypatch.setattr(grid_index_module, "build_index", slow_build)
    assert grid_index() is first  # the request does not wait for the build
    assert first.locate(lon, lat) is not None
    release.set()
    grid_index_module._builder.join(WAIT)
    fresh = grid_index()
    assert fresh is not first and fresh.revision == current_revision() == "changed-elsewhere"
    assert fresh.locate(lon, lat) is None


def test_a_failed_rebuild_keeps_the_old_index_and_is_tried_again(background, monkeypatch):
    first = grid_index()
    edit_elsewhere()
    real_build = grid_index_module.build_index
    failures = iter([True])

    def flaky_build(revision):
        if next(failures, False):
            raise ConnectionError("database went away")
        return real_build(revision)

    monkeypatch.setattr(grid_index_module, "build_index", flaky_build)
    assert grid_index() is first
    grid_index_module._builder.join(WAIT)
    assert grid_index() is first  # the failure left it; this check started another build
    grid_index_module._builder.join(WAIT)
    assert grid_index().revision == "changed-elsewhere"


def test_a_worker_builds_its_index_as_it_starts(background):
    warm_up().join(WAIT)
    assert grid_index_module._current is not None
    assert grid_index_module._current.revision == current_revision()
