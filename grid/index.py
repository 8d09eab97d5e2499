"""Point-to-grid lookup: an in-memory raster in front of a shapely STRtree.

Each process keeps one index. Boundary changes (and every other change a map shows, see
grid.geojson) bump `BoundaryRevision` in the same
transaction, and a process compares that revision at most every
`GRID_INDEX_CHECK_SECONDS`, so an edit saved by one process reaches all the others.
A process that finds a new revision keeps answering from its index while a thread builds the
new one (see `grid_index` for the exact rule), so no request waits for a rebuild.

Most points lie well inside one grid. A raster of small cells (about 32 per grid side)
answers those with one array read; only the cells that a boundary passes through (about a
tenth of them) ask the STRtree. A cell that no boundary crosses lies wholly inside or wholly
outside every grid, so the raster gives exactly the STRtree's answer.
"""

import array
import logging
import threading
import time
from dataclasses import dataclass, field

import numpy as np
import shapely
from django.conf import settings
from django.db import connections
from django.db.models import TextField
from django.db.models.functions import Cast

from grid.models import Area, AreaLevel, BoundaryRevision

CELLS_PER_GRID_SIDE = 32
MAX_CELLS = 2_000_000  # 4 bytes each: at most 8 MB per process, however large the area
OUTSIDE = -1  # the cell is in no grid
EDGE = -2  # a boundary crosses the cell: ask the tree
# Slack (degrees, ~1 mm) when marking the cells a boundary segment crosses: many orders of
# magnitude above floating-point error, so no crossed cell goes unmarked.
EDGE_SLACK = 1e-8


@dataclass(frozen=True)
class Raster:
    """Cell (row, col) covers lon [x0 + col / kx, x0 + (col + 1) / kx), lat likewise; its value
    is the lowest tree index of the grids that contain it whole, OUTSIDE or EDGE."""

    x0: float
    y0: float
    kx: float  # cells per degree
    ky: float
    nx: int
    ny: int
    cells: array.array  # int32, row-major; plain array reads are the fastest from Python

    @property
    def grid(self) -> np.ndarray:
        return np.frombuffer(self.cells, dtype=np.int32).reshape(self.ny, self.nx)


@dataclass(frozen=True)
class GridIndex:
    revision: str
    grid_ids: np.ndarray
    tree: shapely.STRtree
    raster: Raster | None = field(init=False, repr=False)
    _ids: list[int] = field(init=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "raster", _rasterize(self.tree.geometries))
        object.__setattr__(self, "_ids", [int(pk) for pk in self.grid_ids])

    def locate(self, lon: float, lat: float) -> int | None:
        """The id of the grid containing the point, or None when no grid does."""
        raster = self.raster
        if raster is not None:
            try:
                col = (lon - raster.x0) * raster.kx
                row = (lat - raster.y0) * raster.ky
            except TypeError:  # not a float (a Decimal, say): let shapely read it
                pass
            else:
                # NaN fails both comparisons too; beyond the raster there is no grid.
                if not (0.0 <= col < raster.nx and 0.0 <= row < raster.ny):
                    return None
                cell = raster.cells[int(row) * raster.nx + int(col)]
                if cell >= 0:
                    return self._ids[cell]
                if cell == OUTSIDE:
                    return None
        hits = self.tree.query(shapely.Point(lon, lat), predicate="intersects")
        if len(hits) == 0:
            return None
        # A point on a shared edge touches two grids: the lower index wins, deterministically.
        return self._ids[hits.min()]

    def locate_many(self, coordinates: np.ndarray) -> list[int | None]:
        """Grid ids for an (n, 2) array of lon, lat; None where a point is in no grid."""
        coordinates = np.asarray(coordinates, dtype=float)
        if len(coordinates) == 0:
            return []
        raster = self.raster
        if raster is None:
            found = self._tree_lookup(coordinates)
        else:
            col = (coordinates[:, 0] - raster.x0) * raster.kx
            row = (coordinates[:, 1] - raster.y0) * raster.ky
            inside = (col >= 0) & (col < raster.nx) & (row >= 0) & (row < raster.ny)
            found = np.full(len(coordinates), OUTSIDE, dtype=np.int64)
            cells = np.frombuffer(raster.cells, dtype=np.int32)
            found[inside] = cells[
                row[inside].astype(np.int64) * raster.nx + col[inside].astype(np.int64)
            ]
            edge = np.flatnonzero(found == EDGE)
            if len(edge):
                found[edge] = self._tree_lookup(coordinates[edge])
        hit = found >= 0
        grid_ids = np.full(len(found), -1, dtype=np.int64)
        grid_ids[hit] = self.grid_ids[found[hit]]
        return [grid_id if grid_id >= 0 else None for grid_id in grid_ids.tolist()]

    def _tree_lookup(self, coordinates: np.ndarray) -> np.ndarray:
        """Tree index per point, OUTSIDE where no grid holds it."""
        point_idx, tree_idx = self.tree.query(shapely.points(coordinates), predicate="intersects")
        # A point on a shared edge hits two grids: keep its lowest tree index, as locate() does.
        lowest = np.full(len(coordinates), np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(lowest, point_idx, tree_idx)
        return np.where(lowest == np.iinfo(np.int64).max, OUTSIDE, lowest)


def _rasterize(geometries: np.ndarray) -> Raster | None:
    """The raster of the grids, or None when there is nothing to rasterize (the tree alone
    then answers)."""
    geometries = np.asarray(geometries)
    types = shapely.get_type_id(geometries)
    polygonal = (types == shapely.GeometryType.POLYGON) | (
        types == shapely.GeometryType.MULTIPOLYGON
    )
    if len(geometries) == 0 or not polygonal.all() or shapely.is_empty(geometries).any():
        return None
    bounds = shapely.bounds(geometries)
    x0, y0 = bounds[:, 0].min(), bounds[:, 1].min()
    x1, y1 = bounds[:, 2].max(), bounds[:, 3].max()
    # Cell size from a typical grid, coarser when the raster would pass MAX_CELLS.
    dx = max(np.median(bounds[:, 2] - bounds[:, 0]), 1e-9) / CELLS_PER_GRID_SIDE
    dy = max(np.median(bounds[:, 3] - bounds[:, 1]), 1e-9) / CELLS_PER_GRID_SIDE
    growth = max(1.0, np.sqrt((x1 - x0) / dx * (y1 - y0) / dy / MAX_CELLS))
    kx, ky = 1 / (dx * growth), 1 / (dy * growth)
    nx, ny = int((x1 - x0) * kx) + 1, int((y1 - y0) * ky) + 1
    grid = np.full((ny, nx), OUTSIDE, dtype=np.int32)

    def column(x):
        return np.clip(np.floor((x - x0) * kx), 0, nx - 1).astype(np.int64)

    def row(y):
        return np.clip(np.floor((y - y0) * ky), 0, ny - 1).astype(np.int64)

    # 1. Mark every cell a boundary segment passes through, column by column of the segment.
    rings = shapely.get_rings(shapely.get_parts(geometries))
    points, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[1:] == ring[:-1]
    a, b = points[:-1][same], points[1:][same]
    left, right = np.minimum(a[:, 0], b[:, 0]), np.maximum(a[:, 0], b[:, 0])
    first, last = column(left - EDGE_SLACK), column(right + EDGE_SLACK)
    segment, col = _expand(first, last)
    # The part of the segment inside this column (with slack), as a parameter range on a->b.
    lo = np.maximum(x0 + col / kx - EDGE_SLACK, left[segment])
    hi = np.minimum(x0 + (col + 1) / kx + EDGE_SLACK, right[segment])
    ax, ay = a[segment, 0], a[segment, 1]
    span_x, span_y = b[segment, 0] - ax, b[segment, 1] - ay
    with np.errstate(divide="ignore", invalid="ignore"):
        t_lo = np.where(span_x != 0, (lo - ax) / span_x, 0.0)
        t_hi = np.where(span_x != 0, (hi - ax) / span_x, 1.0)
    t_lo, t_hi = np.clip(t_lo, 0, 1), np.clip(t_hi, 0, 1)
    y_a, y_b = ay + t_lo * span_y, ay + t_hi * span_y
    bottom = row(np.minimum(y_a, y_b) - EDGE_SLACK)
    top = row(np.maximum(y_a, y_b) + EDGE_SLACK)
    pair, rows = _expand(bottom, top)
    grid[rows, col[pair]] = EDGE

    # 2. Every other cell is wholly inside or wholly outside each grid: its centre tells which.
    # Grids in tree order and only unlabelled cells, so the lowest index wins where they overlap.
    first_col, last_col = column(bounds[:, 0]), column(bounds[:, 2])
    first_row, last_row = row(bounds[:, 1]), row(bounds[:, 3])
    for index, geometry in enumerate(geometries):
        c0, r0 = first_col[index], first_row[index]
        block = grid[r0 : last_row[index] + 1, c0 : last_col[index] + 1]
        rr, cc = np.nonzero(block == OUTSIDE)
        if len(rr) == 0:
            continue
        centre_x = x0 + (c0 + cc + 0.5) / kx
        centre_y = y0 + (r0 + rr + 0.5) / ky
        inside = shapely.contains_xy(geometry, centre_x, centre_y)
        block[rr[inside], cc[inside]] = index
    return Raster(
        x0=float(x0),
        y0=float(y0),
        kx=float(kx),
        ky=float(ky),
        nx=nx,
        ny=ny,
        cells=array.array("i", grid.tobytes()),
    )


def _expand(first: np.ndarray, last: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For ranges first[i]..last[i] (inclusive): (i, value) for every value of every range."""
    counts = last - first + 1
    owner = np.repeat(np.arange(len(first)), counts)
    starts = np.cumsum(counts) - counts
    return owner, first[owner] + (np.arange(counts.sum()) - starts[owner])


_lock = threading.Lock()
_current: GridIndex | None = None
_checked_at = 0.0
_builder: threading.Thread | None = None
logger = logging.getLogger(__name__)


def current_revision() -> str:
    row = BoundaryRevision.objects.order_by("pk").values_list("revision", flat=True).first()
    return row or ""


def build_index(revision: str) -> GridIndex:
    # The boundaries come as the database's JSON text and GEOS parses them (shapely releases
    # the GIL meanwhile): decoding them into Python dicts first took 2.2 s of a 6 s build at
    # 10,000 grids, all of it holding the GIL that the worker's requests need.
    rows = list(
        Area.objects.filter(level=AreaLevel.GRID, boundary__isnull=False)
        .order_by("pk")
        .values_list("pk", Cast("boundary", TextField()))
    )
    geometries = shapely.from_geojson(np.array([text for _, text in rows], dtype=object))
    shapely.prepare(geometries)
    return GridIndex(
        revision=revision,
        grid_ids=np.array([pk for pk, _ in rows], dtype=np.int64),
        tree=shapely.STRtree(geometries),
    )


def grid_index() -> GridIndex:
    """This process's index, kept up to date with the boundaries in the database.

    Semantics: a process checks the revision at most every GRID_INDEX_CHECK_SECONDS. When it
    finds a new one and already has an index, it keeps answering from that index while a
    background thread builds the new one (2.6 s at 10,000 grids), then swaps it in: no request
    waits for a rebuild, and a process answers from a stale index for at most one build after
    it saw the new revision (a failed build is logged and retried at the next check). Only a
    process with no index at all builds in the request (or waits for the boot-time build,
    `warm_up`). With GRID_INDEX_REBUILD_IN_BACKGROUND off (the tests), every check that finds
    a new revision rebuilds at once, before answering."""
    global _current, _checked_at
    now = time.monotonic()
    current = _current
    if current is not None and now - _checked_at < settings.GRID_INDEX_CHECK_SECONDS:
        return current
    revision = current_revision()
    _checked_at = now
    if current is not None and current.revision == revision:
        return current
    if current is not None and settings.GRID_INDEX_REBUILD_IN_BACKGROUND:
        rebuild_in_background()
        return current
    builder = _builder
    if current is None and builder is not None:
        builder.join()  # the boot-time build is under way: wait for it rather than build twice
    with _lock:
        if _current is None or _current.revision != revision:
            _current = build_index(revision)
        return _current


def rebuild_in_background() -> threading.Thread:
    """Start building the index of the newest revision in a thread, unless one is already
    building; the new index replaces the current one when it is complete."""
    global _builder
    with _lock:
        if _builder is None or not _builder.is_alive():
            # Not a daemon: a worker that stops mid-build finishes it first (native code
            # running while the interpreter shuts down can crash the process).
            _builder = threading.Thread(target=_rebuild, name="grid-index-rebuild", daemon=False)
            _builder.start()
        return _builder


def _rebuild() -> None:
    global _current
    try:
        # The revision is read before the rows: the rows are then at least that new, so an
        # index never carries a revision newer than its data.
        revision = current_revision()
        if _current is not None and _current.revision == revision:
            return
        index = build_index(revision)
        with _lock:
            _current = index
    except Exception:
        logger.exception("rebuilding the grid index failed; the next check tries again")
    finally:
        connections.close_all()  # this thread's own database connection


def warm_up() -> threading.Thread | None:
    """Build the index at process start (gunicorn imports the WSGI module in each worker), so
    that the first request does not wait for it either."""
    return rebuild_in_background() if settings.GRID_INDEX_REBUILD_IN_BACKGROUND else None
