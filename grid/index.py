"""Point-to-grid lookup from an in-memory shapely STRtree.

Each process keeps one index. Boundary changes bump `BoundaryRevision` in the same
transaction, and a process compares that revision at most every
`GRID_INDEX_CHECK_SECONDS`, so an edit saved by one process reaches all the others.
"""

import threading
import time
from dataclasses import dataclass

import numpy as np
import shapely
from django.conf import settings

from grid.models import Area, AreaLevel, BoundaryRevision


@dataclass(frozen=True)
class GridIndex:
    revision: int
    grid_ids: np.ndarray
    tree: shapely.STRtree

    def locate(self, lon: float, lat: float) -> int | None:
        """The id of the grid containing the point, or None when no grid does."""
        hits = self.tree.query(shapely.Point(lon, lat), predicate="intersects")
        if len(hits) == 0:
            return None
        # A point on a shared edge touches two grids: the lower index wins, deterministically.
        return int(self.grid_ids[hits.min()])

    def locate_many(self, coordinates: np.ndarray) -> list[int | None]:
        """Grid ids for an (n, 2) array of lon, lat; None where a point is in no grid."""
        points = shapely.points(coordinates)
        point_idx, tree_idx = self.tree.query(points, predicate="intersects")
        found = np.full(len(points), -1, dtype=np.int64)
        # A point on a shared edge hits two grids: keep its lowest tree index, as locate() does.
        order = np.lexsort((tree_idx, point_idx))
        hit_points, first = np.unique(point_idx[order], return_index=True)
        found[hit_points] = self.grid_ids[tree_idx[order][first]]
        return [int(grid_id) if grid_id >= 0 else None for grid_id in found]


_lock = threading.Lock()
_current: GridIndex | None = None
_checked_at = 0.0


def current_revision() -> int:
    row = BoundaryRevision.objects.order_by("pk").values_list("revision", flat=True).first()
    return row or 0


def build_index(revision: int) -> GridIndex:
    rows = list(
        Area.objects.filter(level=AreaLevel.GRID, boundary__isnull=False)
        .order_by("pk")
        .values_list("pk", "boundary")
    )
    geometries = [shapely.geometry.shape(boundary) for _, boundary in rows]
    shapely.prepare(geometries)
    return GridIndex(
        revision=revision,
        grid_ids=np.array([pk for pk, _ in rows], dtype=np.int64),
        tree=shapely.STRtree(geometries),
    )


def grid_index() -> GridIndex:
    """This process's index, rebuilt when another process has changed a boundary."""
    global _current, _checked_at
    now = time.monotonic()
    if _current is not None and now - _checked_at < settings.GRID_INDEX_CHECK_SECONDS:
        return _current
    revision = current_revision()
    with _lock:
        if _current is None or _current.revision != revision:
            _current = build_index(revision)
        _checked_at = now
    return _current
