"""Time the named benchmark scenarios against PostgreSQL and record them in bench/RESULTS.md.

    .venv/bin/python bench/run.py                                  # every scenario, scale 1
    .venv/bin/python bench/run.py --scenarios locate_batch,locate_single --scale 0.1

Each scenario runs once to warm up, then REPEAT times; the best run is the figure, the
median is shown beside it. See bench/README.md for what each one measures.
"""

import argparse
import datetime
import io
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402

from bench import generate  # noqa: E402

BENCH_DIR = Path(__file__).resolve().parent
RESULTS = BENCH_DIR / "RESULTS.md"
REPEAT = 3
SEED = 2026

BATCH_POINTS = 200_000
SINGLE_POINTS = 100_000
API_POINTS = 10_000


@dataclass(frozen=True)
class Target:
    value: float
    higher_is_better: bool

    def met(self, measured: float) -> bool:
        return measured >= self.value if self.higher_is_better else measured <= self.value


@dataclass
class Result:
    scenario: str
    value: float
    unit: str
    target: Target | None
    median: float
    detail: str
    # Scenarios that stand for an API call: the whole HTTP call is `value` (ms) and this is
    # the same answer computed in-process (ms), so the table shows both and their ratio.
    in_process: float | None = None
    ratio_target: float | None = None  # at most this many times the in-process figure
    also_met: bool | None = None  # a second target (e.g. ≤ 3× COPY), named by also_target
    also_target: str = ""

    @property
    def ratio(self) -> float | None:
        return self.value / self.in_process if self.in_process else None

    @property
    def status(self) -> str:
        checks = []
        if self.target is not None:
            checks.append(self.target.met(self.value))
        if self.ratio_target is not None and self.ratio is not None:
            checks.append(self.ratio <= self.ratio_target)
        if self.also_met is not None:
            checks.append(self.also_met)
        if not checks:
            return ""
        return "met" if all(checks) else "**missed**"


def timed_runs(run: Callable[[], object], *, repeat: int = REPEAT) -> list[float]:
    """Seconds per run: one untimed warm-up, then `repeat` timed runs."""
    run()
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - started)
    return seconds


class Context:
    """What the scenarios share: the scale and, once asked for, a generated district."""

    def __init__(self, scale: float):
        self.scale = scale
        self._server: str | None = None
        self.session: requests.Session | None = None

    def ensure_district(self) -> None:
        """Reuse the district in the bench database when it has this scale's size."""
        from grid.generation import DistrictSpec
        from grid.models import Area, AreaLevel

        expected = DistrictSpec.for_grids(generate.rows_at(self.scale, "grids")).grids
        if Area.objects.filter(level=AreaLevel.GRID).count() != expected:
            print(f"  generating the scale {self.scale:g} district first")
            generate.generate(self.scale)

    def random_points(self, count: int):
        """`count` uniformly random (lon, lat) inside the district's bounding box, seeded."""
        import numpy as np

        from grid.models import Area, AreaLevel

        self.ensure_district()
        district = Area.objects.get(level=AreaLevel.DISTRICT)
        min_lon, min_lat, max_lon, max_lat = district.geometry.bounds
        rng = np.random.default_rng(SEED)
        return np.column_stack(
            [rng.uniform(min_lon, max_lon, count), rng.uniform(min_lat, max_lat, count)]
        )

    def grid_index(self):
        from grid.index import current_revision, grid_index

        self.ensure_district()
        index = grid_index()
        assert index.revision == current_revision(), "stale grid index"
        return index

    def server(self) -> str:
        """The base URL of a gunicorn server on the bench database, started once for the run
        (bench/server.py); `close()` stops it."""
        if self._server is None:
            from bench.server import gunicorn_server

            self.ensure_district()
            self._server_cm = gunicorn_server()
            self._server = self._server_cm.__enter__()
            self.session = requests.Session()
            self.session.headers["Authorization"] = f"Token {self.district_token()}"
        return self._server

    def close(self) -> None:
        if self._server is not None:
            self._server_cm.__exit__(None, None, None)
            self._server = None

    def district_token(self) -> str:
        """A fresh key of an API client scoped to the whole district (a city system's)."""
        from governance.models import Role, User
        from governance.services import api_token_issue
        from grid.models import Area, AreaLevel

        admin = self.superuser()
        client, _ = User.objects.update_or_create(
            username="bench-api-client",
            defaults={"role": Role.API_CLIENT, "is_active": True, "is_superuser": False},
        )
        district = Area.objects.get(level=AreaLevel.DISTRICT)
        client.home_area = district
        client.save(update_fields=["home_area"])
        client.api_tokens.all().delete()
        _token, key = api_token_issue(actor=admin, client=client, name="bench", area=district)
        return key

    def ensure_population(self) -> None:
        """The district and its residents at this scale, generated afresh when either differs."""
        from population.models import Resident

        self.ensure_district()
        if Resident.objects.count() != generate.rows_at(self.scale, "residents"):
            print(f"  generating the scale {self.scale:g} residents first")
            generate.generate(self.scale)

    def ensure_cases(self) -> None:
        """The district, its units and its dispute cases at this scale (so many open, so many
        due and not carded), generated afresh when a count differs: only what is missing,
        never the population (`generate(only=...)`)."""
        from django.utils import timezone

        from disputes.models import Case
        from grid.generation import DistrictSpec
        from grid.models import Area, AreaLevel

        grids = DistrictSpec.for_grids(generate.rows_at(self.scale, "grids")).grids
        if Area.objects.filter(level=AreaLevel.GRID).count() != grids:
            print(f"  generating the scale {self.scale:g} district and its cases first")
            generate.generate(self.scale, only=("district", "units", "cases"), log=_log)
            return
        due = _due_cases(timezone.now())
        if (
            Case.objects.count() != generate.rows_at(self.scale, "disputes")
            or due.count() != generate.rows_at(self.scale, "disputes_due")
            or due.exclude(yellow_carded_at__isnull=True, red_carded_at__isnull=True).exists()
        ):
            print(f"  generating the scale {self.scale:g} dispute cases first")
            generate.generate(self.scale, only=("units", "cases"), log=_log)

    def street_token(self) -> tuple[object, str]:
        """(street, fresh key) of an API client scoped to the district's first street, the
        scope an office's own system works in."""
        from governance.models import Role, User
        from governance.services import api_token_issue
        from grid.models import Area, AreaLevel

        street = Area.objects.filter(level=AreaLevel.STREET).order_by("code").first()
        client, _ = User.objects.update_or_create(
            username="bench-street-client",
            defaults={"role": Role.API_CLIENT, "is_active": True, "home_area": street},
        )
        client.api_tokens.all().delete()
        _token, key = api_token_issue(
            actor=self.superuser(), client=client, name="bench", area=street
        )
        return street, key

    def superuser(self):
        from governance.models import Role, User

        user, _ = User.objects.update_or_create(
            username="bench-superuser",
            defaults={
                "is_superuser": True,
                "is_staff": True,
                "role": Role.ADMIN,
                "is_active": True,
            },
        )
        return user


def _log(line: str) -> None:
    print(f"    {line}", flush=True)


def _due_cases(now):
    """The open cases past their warning point or their deadline and not carded for it."""
    from django.db.models import Q

    from disputes.models import OPEN_STATES, Case

    return Case.objects.filter(state__in=OPEN_STATES).filter(
        Q(stage_warn_at__lte=now, yellow_carded_at__isnull=True)
        | Q(stage_due_at__lte=now, red_carded_at__isnull=True)
    )


# --- Scenarios --------------------------------------------------------------------------------


def generate_district(ctx: Context) -> Result:
    reports = []

    def run():
        # The area tree, accounts and teams only: the population comes later, when a scenario
        # needs it (Context.ensure_population), at its own pace.
        reports.append(generate.generate(ctx.scale, only=("district",)))

    seconds = timed_runs(run)
    last = reports[-1]
    rows = ", ".join(f"{count:,} {what}" for what, count in last.rows.items())
    steps = ", ".join(f"{step} {value:.2f} s" for step, value in last.seconds.items())
    return Result(
        "generate_district",
        min(seconds),
        "s",
        Target(30, higher_is_better=False),
        statistics.median(seconds),
        f"{rows}; last run: {steps}",
    )


def locate_batch(ctx: Context) -> Result:
    from grid import index as grid_index_module

    index = ctx.grid_index()
    build_index = grid_index_module.build_index
    build = min(timed_runs(lambda: build_index(index.revision), repeat=1))
    points = ctx.random_points(BATCH_POINTS)
    found = []
    seconds = timed_runs(lambda: found.append(index.locate_many(points)))
    hits = sum(grid_id is not None for grid_id in found[-1])
    mismatches = _reference_mismatches(index, points, found[-1])
    rates = [BATCH_POINTS / s for s in seconds]
    return Result(
        "locate_batch",
        max(rates),
        "points/s",
        Target(200_000, higher_is_better=True),
        statistics.median(rates),
        f"{BATCH_POINTS:,} points per call, {hits / BATCH_POINTS:.1%} inside a grid; "
        f"{len(index.grid_ids):,} grids, index built in {build:.2f} s"
        + _raster_detail(index, grid_index_module)
        + (
            "same answers as a plain STRtree query"
            if mismatches == 0
            else f"**{mismatches} answers differ from a plain STRtree query**"
        )
        + f"; {min(seconds) * 1000:.0f} ms per call",
    )


def _raster_detail(index, grid_index_module) -> str:
    raster = getattr(index, "raster", None)
    if raster is None:
        return " (no raster); "
    crossed = (raster.grid == grid_index_module.EDGE).mean()
    return f" (raster of {len(raster.cells):,} cells, {crossed:.1%} crossed by an edge); "


def _reference_mismatches(index, points, found) -> int:
    """Answers that differ from the simplest correct lookup: every grid the point intersects
    in an STRtree of the stored boundaries, the lowest tree index winning."""
    import numpy as np
    import shapely

    from grid.models import Area, AreaLevel

    rows = list(
        Area.objects.filter(level=AreaLevel.GRID, boundary__isnull=False)
        .order_by("pk")
        .values_list("pk", "boundary")
    )
    ids = np.array([pk for pk, _ in rows])
    tree = shapely.STRtree([shapely.geometry.shape(boundary) for _, boundary in rows])
    point_idx, tree_idx = tree.query(shapely.points(points), predicate="intersects")
    lowest = np.full(len(points), len(rows))
    np.minimum.at(lowest, point_idx, tree_idx)
    expected = [int(ids[i]) if i < len(rows) else None for i in lowest]
    return sum(a != b for a, b in zip(expected, found, strict=True))


def locate_single(ctx: Context) -> Result:
    index = ctx.grid_index()
    points = ctx.random_points(SINGLE_POINTS).tolist()  # Python floats, as a request has them
    locate = index.locate
    batch = index.locate_many(ctx.random_points(SINGLE_POINTS))
    answers = []

    def run():
        answers.clear()
        answers.extend(locate(lon, lat) for lon, lat in points)

    seconds = timed_runs(run)
    rates = [SINGLE_POINTS / s for s in seconds]
    agree = answers == batch
    return Result(
        "locate_single",
        max(rates),
        "lookups/s",
        Target(50_000, higher_is_better=True),
        statistics.median(rates),
        f"{SINGLE_POINTS:,} calls to GridIndex.locate(lon, lat); "
        + ("same answers as locate_many" if agree else "**answers differ from locate_many**")
        + f"; {min(seconds) / SINGLE_POINTS * 1e6:.1f} µs per lookup",
    )


# --- Over HTTP: gunicorn (2 workers) + PostgreSQL, beside the same answer in-process ----------

HTTP_CALLS = 200  # calls per timed run of the one-call scenarios


def _area_summary(area) -> dict:
    """An area as the API's summaries show it: the in-process reference uses the API's own
    hand-built summary, so the HTTP figure differs by the view, the server and the wire only."""
    from grid.api import area_summary

    return area_summary(area)


def _render(data) -> bytes:
    from rest_framework.renderers import JSONRenderer

    return JSONRenderer().render(data)


def _locate_reference(user, points) -> bytes:
    """The batch locate answer in-process: the selector, plain dicts, DRF's JSON renderer."""
    from django.utils.translation import gettext as _

    from grid.selectors import grid_locate_many

    outside = {"grid": None, "detail": _("This point is not in any grid in your area.")}
    grids = grid_locate_many(user=user, points=points)
    distinct = {g.pk: g for g in grids if g is not None}
    summaries = {pk: _area_summary(g) for pk, g in distinct.items()}  # once per grid
    return _render(
        {"results": [outside if g is None else {"grid": summaries[g.pk]} for g in grids]}
    )


def _alternating(in_process, over_http, *, rounds: int = 5) -> tuple[float, list[float]]:
    """(best in-process seconds, HTTP milliseconds per round), run in turns after a warm-up
    of each."""
    in_process(), over_http()
    local, remote = [], []
    for _ in range(rounds):
        local.append(_time(in_process))
        remote.append(_time(over_http) * 1000)
    return min(local), remote


def _time(run) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def _milliseconds(seconds: list[float]) -> list[float]:
    return [s * 1000 for s in seconds]


def locate_api_batch(ctx: Context) -> Result:
    import json

    from bench.server import timed_request

    base = ctx.server()
    user = ctx.superuser()  # the district token sees every grid too: the same answer
    points = ctx.random_points(API_POINTS).tolist()  # lists of floats, as parsed from JSON
    body = json.dumps({"points": points})
    answers = []

    def call():
        seconds, response = timed_request(
            ctx.session,
            "POST",
            f"{base}/api/v1/areas/locate/",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code == 200, response.text[:300]
        answers.append(response)

    # In turns, so that the load of a shared machine weighs on both figures alike.
    local, seconds = _alternating(lambda: _locate_reference(user, points), call)
    same = answers[-1].json() == json.loads(_locate_reference(user, points))
    return Result(
        "locate_api_batch",
        min(seconds),
        "ms",
        None,
        statistics.median(seconds),
        f"POST /api/v1/areas/locate/ with {API_POINTS:,} points, district token; in-process: "
        "grid_locate_many + plain dicts + JSONRenderer; "
        + ("same answer" if same else "**answers differ from the in-process one**")
        + f"; {len(answers[-1].content):,} bytes, "
        f"{answers[-1].headers.get('Content-Encoding', 'identity')} on the wire",
        in_process=local * 1000,
        ratio_target=3,
    )


def _per_call(ctx: Context, url: str, calls: int = HTTP_CALLS) -> list[float]:
    """Milliseconds per call, one timed run = `calls` sequential calls on one connection."""
    from bench.server import timed_request

    def run():
        for _ in range(calls):
            _seconds, response = timed_request(ctx.session, "GET", url)
            assert response.status_code == 200, (url, response.status_code, response.text[:300])

    return [s * 1000 / calls for s in timed_runs(run)]


def locate_api_single(ctx: Context) -> Result:
    from grid.selectors import grid_locate

    base = ctx.server()
    lon, lat = ctx.random_points(1).tolist()[0]
    user = ctx.superuser()
    local = min(timed_runs(lambda: grid_locate(user=user, lon=lon, lat=lat), repeat=3))
    healthz = _per_call(ctx, f"{base}/healthz")
    seconds = _per_call(ctx, f"{base}/api/v1/areas/locate/?lon={lon}&lat={lat}")
    return Result(
        "locate_api_single",
        min(seconds),
        "ms",
        Target(15 * min(healthz), higher_is_better=False),  # 15× /healthz
        statistics.median(seconds),
        f"GET /api/v1/areas/locate/?lon=&lat= ({HTTP_CALLS} calls a run, district token); "
        f"/healthz over the same connection {min(healthz):.2f} ms: "
        f"{min(seconds) / min(healthz):.1f}× /healthz (target ≤ 15×); "
        "in-process: the grid_locate selector",
        in_process=local * 1000,
    )


def api_request_overhead(ctx: Context) -> Result:
    """A token call whose answer needs no boundary: its cost must not grow with the token's
    area (issue 6, "every API request loads the token area's whole boundary")."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from governance.services import api_token_authenticate

    base = ctx.server()
    key = ctx.session.headers["Authorization"].split()[1]
    local = min(timed_runs(lambda: api_token_authenticate(key), repeat=20))
    with CaptureQueriesContext(connection) as queries:
        api_token_authenticate(key)
    loads_boundary = any('"boundary"' in q["sql"] for q in queries.captured_queries)
    healthz = _per_call(ctx, f"{base}/healthz")
    seconds = _per_call(ctx, f"{base}/api/v1/notifications/")
    return Result(
        "api_request_overhead",
        min(seconds),
        "ms",
        None,
        statistics.median(seconds),
        f"GET /api/v1/notifications/ (empty) with a district token, {HTTP_CALLS} calls a run; "
        f"/healthz {min(healthz):.2f} ms; in-process: api_token_authenticate, whose query "
        + ("**loads the area's boundary**" if loads_boundary else "loads no boundary"),
        in_process=local * 1000,
    )


def geojson_page(ctx: Context) -> Result:
    from bench.server import timed_request
    from governance.scoping import visible_to
    from grid.models import Area

    base = ctx.server()
    user = ctx.superuser()

    def reference():
        rows = visible_to(user, Area.objects.order_by("code"))[:500]
        return _render(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "id": a.pk,
                        "geometry": a.boundary,
                        "properties": _area_summary(a),
                    }
                    for a in rows
                ],
            }
        )

    local = min(timed_runs(reference))
    answers = []

    def call():
        seconds, response = timed_request(
            ctx.session, "GET", f"{base}/api/v1/areas/geojson/?page_size=500"
        )
        assert response.status_code == 200, response.text[:300]
        answers.append(response)

    seconds = _milliseconds(timed_runs(call))
    response = answers[-1]
    return Result(
        "geojson_page",
        min(seconds),
        "ms",
        None,
        statistics.median(seconds),
        f"GET /api/v1/areas/geojson/?page_size=500, the first page; {_size(response)}; "
        "in-process: the scoped rows + plain dicts + JSONRenderer",
        in_process=local * 1000,
    )


def _size(response) -> str:
    body = len(response.content)
    wire = response.headers.get("Content-Length")
    encoding = response.headers.get("Content-Encoding")
    if encoding and wire:
        return f"{body / 1e6:.2f} MB, {int(wire) / 1e6:.2f} MB {encoding} on the wire"
    return f"{body / 1e6:.2f} MB uncompressed"


def geojson_map_pages(ctx: Context) -> Result:
    """The whole map of the token's area walked page by page, as clients had to before ?all=1."""
    from bench.server import timed_request

    base = ctx.server()
    pages = []

    def walk():
        pages.clear()
        url = f"{base}/api/v1/areas/geojson/?page_size=500"
        while url:
            _seconds, response = timed_request(ctx.session, "GET", url)
            assert response.status_code == 200, response.text[:300]
            pages.append(response)
            url = response.json()["next"]

    walked = _milliseconds(timed_runs(walk, repeat=1))
    features = sum(len(page.json()["features"]) for page in pages)
    wire = sum(int(p.headers.get("Content-Length") or len(p.content)) for p in pages)
    return Result(
        "geojson_map_pages",
        min(walked),
        "ms",
        None,
        statistics.median(walked),
        f"GET geojson/?page_size=500 and every `next`: {len(pages)} requests, {features:,} "
        f"features, {wire / 1e6:.1f} MB on the wire",
    )


def _whole_map_reference(ctx: Context):
    """(areas, key) of the whole map in-process, as the superuser: the same rows as the
    district token's."""
    from governance.scoping import visible_to
    from grid import geojson
    from grid.models import Area

    areas = visible_to(ctx.superuser(), Area.objects.all())
    revision, _changed = geojson.tree_revision()
    return areas, geojson.cache_key(revision=revision, areas=areas, zoom=None)


def geojson_map_cold(ctx: Context) -> Result:
    """The one-answer map right after an edit: nothing cached for the new revision."""
    import gzip

    from bench.server import timed_request
    from grid import geojson
    from grid.api import area_summary
    from grid.services import boundary_revision_bump

    base = ctx.server()
    url = f"{base}/api/v1/areas/geojson/?all=1"
    areas, _key = _whole_map_reference(ctx)
    local = min(
        timed_runs(
            lambda: gzip.compress(
                geojson.feature_collection(areas, zoom=None, summary=area_summary),
                compresslevel=geojson.GZIP_LEVEL,
            )
        )
    )
    answers = []

    from grid.index import build_index

    rebuild = _time(lambda: build_index("bench"))

    def cold():
        boundary_revision_bump()  # a new revision: nothing cached for it yet
        # Let the workers' background index rebuilds (grid.index) pass: `index_rebuild`
        # measures what they cost, this the map alone.
        time.sleep(1.5 + 2 * rebuild)
        seconds, response = timed_request(ctx.session, "GET", url)
        assert response.status_code == 200 and "ETag" in response.headers, response.status_code
        answers.append(response)
        return seconds

    seconds = [cold() * 1000 for _ in range(REPEAT)]
    return Result(
        "geojson_map_cold",
        min(seconds),
        "ms",
        Target(2000, higher_is_better=False),
        statistics.median(seconds),
        f"GET geojson/?all=1 right after a tree revision, district token: "
        f"{len(answers[-1].json()['features']):,} features, {_size(answers[-1])}; "
        "in-process: grid.geojson.feature_collection + gzip",
        in_process=local * 1000,
    )


def geojson_map(ctx: Context) -> Result:
    """The one-answer map once cached, and revalidated with its ETag."""
    from bench.server import timed_request
    from grid import geojson
    from grid.api import area_summary

    base = ctx.server()
    url = f"{base}/api/v1/areas/geojson/?all=1"
    areas, key = _whole_map_reference(ctx)
    geojson.cached_feature_collection(
        key, lambda: geojson.feature_collection(areas, zoom=None, summary=area_summary)
    )
    local = min(timed_runs(lambda: geojson.cached_feature_collection(key, None)))
    answers = []

    def call():
        _seconds, response = timed_request(ctx.session, "GET", url)
        assert response.status_code == 200, response.status_code
        answers.append(response)

    seconds = _milliseconds(timed_runs(call))
    etag = answers[-1].headers["ETag"]
    revalidated = _milliseconds(
        timed_runs(lambda: timed_request(ctx.session, "GET", url, headers={"If-None-Match": etag}))
    )
    _seconds, not_modified = timed_request(ctx.session, "GET", url, headers={"If-None-Match": etag})
    return Result(
        "geojson_map",
        min(seconds),
        "ms",
        Target(300, higher_is_better=False),
        statistics.median(seconds),
        f"GET geojson/?all=1 cached, district token: {_size(answers[-1])}; with If-None-Match "
        f"{min(revalidated):,.1f} ms ({not_modified.status_code}); in-process: the cache read "
        "(Redis)",
        in_process=local * 1000,
    )


def index_rebuild(ctx: Context) -> Result:
    """The first requests after a boundary edit: does a user wait for the index rebuild?"""
    from bench.server import timed_request
    from grid import index as grid_index_module
    from grid.services import boundary_revision_bump

    base = ctx.server()
    lon, lat = ctx.random_points(1).tolist()[0]
    url = f"{base}/api/v1/areas/locate/?lon={lon}&lat={lat}"
    build = min(timed_runs(lambda: grid_index_module.build_index("bench"), repeat=1))
    steady = min(_per_call(ctx, url, calls=50))
    worst = []

    def after_edit():
        boundary_revision_bump()
        time.sleep(1.5)  # past GRID_INDEX_CHECK_SECONDS: every worker checks the revision
        calls = [timed_request(ctx.session, "GET", url)[0] * 1000 for _ in range(8)]
        worst.append(max(calls))

    for _ in range(REPEAT):
        after_edit()
    return Result(
        "index_rebuild",
        min(worst),
        "ms",
        None,
        statistics.median(worst),
        f"the slowest of 8 one-point GET locate calls right after a boundary revision "
        f"(both workers answer some); steady state {steady:.2f} ms a call; "
        f"in-process: build_index",
        in_process=build * 1000,
    )


def _resident_calls(
    ctx: Context, calls: list[tuple[str, str, dict | None]]
) -> tuple[list[float], list[float], set[int]]:
    """(HTTP ms per call, in-process ms per call, query counts per call) of `calls`
    (method, path, JSON body) with a street token: over HTTP against gunicorn, and in-process
    through Django's test client (the same view, serializer and renderer, without the network
    and gunicorn)."""
    import json

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.server import timed_request

    base = ctx.server()
    _street, key = ctx.street_token()
    headers = {"Authorization": f"Token {key}", "Content-Type": "application/json"}
    client = Client(headers={"Authorization": f"Token {key}"}, SERVER_NAME="localhost")
    http, local, queries = [], [], set()
    for round_ in range(2):  # the first round warms both up and is not counted
        for method, path, body in calls:
            data = json.dumps(body) if body is not None else None
            seconds, response = timed_request(
                ctx.session, method, base + path, data=data, headers=headers
            )
            assert response.status_code == 200, (path, response.status_code, response.text[:300])
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as captured:
                if method == "GET":
                    in_process = client.get(path)
                else:
                    in_process = client.post(path, data, content_type="application/json")
            elapsed = time.perf_counter() - started
            assert in_process.status_code == 200, (path, in_process.status_code)
            if round_:
                http.append(seconds * 1000)
                local.append(elapsed * 1000)
                queries.add(len(captured.captured_queries))
    return http, local, queries


def _page_paths(ctx: Context, first: str, pages: int) -> list[str]:
    """`first` and the `next` links after it, walked once with a street token."""
    from urllib.parse import urlsplit

    base = ctx.server()
    _street, key = ctx.street_token()
    paths, url = [], base + first
    while url and len(paths) < pages:
        response = ctx.session.get(url, headers={"Authorization": f"Token {key}"})
        assert response.status_code == 200, response.text[:300]
        parts = urlsplit(url)
        paths.append(parts.path + (f"?{parts.query}" if parts.query else ""))
        url = response.json()["next"]
    return paths


def resident_list_api(ctx: Context) -> Result:
    """A street's residents page by page (cursor), as an office's system reads its ledger."""
    ctx.ensure_population()
    paths = _page_paths(ctx, "/api/v1/residents/", pages=50)
    http, local, queries = _resident_calls(ctx, [("GET", path, None) for path in paths])
    return Result(
        "resident_list_api",
        _percentile(http, 0.95),
        "ms",
        Target(100, higher_is_better=False),
        statistics.median(http),
        f"p95 of GET /api/v1/residents/, {len(paths)} pages of a street's "
        f"{generate.rows_at(ctx.scale, 'residents') // 10:,} residents walked by cursor, street "
        f"token; queries per page: {sorted(queries)}; in-process p95 through Django's test "
        "client",
        in_process=_percentile(local, 0.95),
    )


def resident_search_api(ctx: Context) -> Result:
    """Searches a street's office makes: by name (a surname, a full name) and by full ID
    number (through the blind index)."""
    from population.models import Resident

    ctx.ensure_population()
    street, _key = ctx.street_token()
    people = list(Resident.objects.filter(grid__path__startswith=street.path).order_by("pk")[:20])
    # Posted, as the API asks: an ID number never travels in a URL (access logs keep those).
    # Names from their start: a whole name, or its first two characters (the shortest search
    # taken; a surname alone matches thousands of a street's people).
    terms = [person.name for person in people[:7]] + [person.name[:2] for person in people[7:10]]
    terms += [person.id_number for person in people[10:16]] + [p.phone for p in people[16:]]
    searches = [("POST", "/api/v1/residents/search/", {"q": term}) for term in terms]
    http, local, queries = _resident_calls(ctx, searches)
    return Result(
        "resident_search_api",
        _percentile(http, 0.95),
        "ms",
        Target(100, higher_is_better=False),
        statistics.median(http),
        "p95 of POST /api/v1/residents/search/ with a street token: 7 full names, 3 two-character "
        "name starts, "
        f"6 full ID numbers and 4 phone numbers of the street's people among "
        f"{generate.rows_at(ctx.scale, 'residents'):,}; "
        f"queries per call: {sorted(queries)}; in-process p95 through Django's test client",
        in_process=_percentile(local, 0.95),
    )


def case_list_api(ctx: Context) -> Result:
    """A street's dispute cases page by page (cursor) with a street token: the accepted ones
    not overdue (most of the street's handling work), and the overdue ones."""
    from disputes.models import Case

    ctx.ensure_cases()
    street, _key = ctx.street_token()
    lists = {
        "?state=accepted&overdue=false": "/api/v1/disputes/?state=accepted&overdue=false",
        "?overdue=true": "/api/v1/disputes/?overdue=true",
    }
    paths = {name: _page_paths(ctx, first, pages=50) for name, first in lists.items()}
    calls = [("GET", path, None) for walked in paths.values() for path in walked]
    http, local, queries = _resident_calls(ctx, calls)
    in_street = Case.objects.filter(grid__path__startswith=street.path).count()
    walked = ", ".join(f"{name} {len(pages)} pages" for name, pages in paths.items())
    return Result(
        "case_list_api",
        _percentile(http, 0.95),
        "ms",
        Target(100, higher_is_better=False),
        statistics.median(http),
        f"p95 of {len(calls)} GET /api/v1/disputes/ pages walked by cursor ({walked}; up to 50 "
        f"each, 50 cases a page) of a street's {in_street:,} cases among "
        f"{generate.rows_at(ctx.scale, 'disputes'):,}, street token; queries per page: "
        f"{sorted(queries)}; in-process p95 through Django's test client",
        in_process=_percentile(local, 0.95),
    )


class _QueryCounter:
    """Counts every query on the connection (execute_wrapper): CaptureQueriesContext stops
    counting at the 9,000 queries Django's log keeps."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def case_deadline_scan(ctx: Context) -> Result:
    """One run of the deadline scan over the open cases with the due ones not yet carded
    (yellow card, red card and an escalation each), then a re-run that must card nothing.
    Between timed runs the due cases are put back as generated (their keyed actions and the
    run's notifications deleted, cards, supervising level and escalations reset), so each run
    does the same work."""
    from django.db import connection
    from django.utils import timezone

    from disputes import case_services
    from disputes.models import Case, CaseAction
    from governance.models import Notification

    ctx.ensure_cases()
    due_ids = list(_due_cases(timezone.now()).values_list("pk", flat=True))
    generated = list(
        Case.objects.filter(pk__in=due_ids).only("pk", "supervising_area_id", "escalations")
    )
    open_cases = Case.objects.exclude(state="closed").count()
    first_notification = (
        Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    )

    def restore() -> None:
        CaseAction.objects.filter(case_id__in=due_ids, key__isnull=False).delete()
        Notification.objects.filter(pk__gt=first_notification).delete()
        for case in generated:
            case.yellow_carded_at = case.red_carded_at = None
        Case.objects.bulk_update(
            generated,
            ["yellow_carded_at", "red_carded_at", "supervising_area", "escalations"],
            batch_size=1000,
        )

    runs: list[dict] = []

    def scan() -> dict:
        counter = _QueryCounter()
        started = time.perf_counter()
        with connection.execute_wrapper(counter):
            shown = case_services.case_deadline_scan()
        seconds = time.perf_counter() - started
        return {"seconds": seconds, "shown": shown, "queries": counter.count}

    def one_round() -> None:
        restore()
        notifications = Notification.objects.filter(pk__gt=first_notification)
        first = scan()
        first["escalations"] = CaseAction.objects.filter(
            case_id__in=due_ids, action="escalate", key__isnull=False
        ).count()
        first["notifications"] = notifications.count()
        again = scan()
        again["notifications"] = notifications.count() - first["notifications"]
        runs.append({"first": first, "again": again})

    try:
        for _round in range(REPEAT + 1):  # the first warms up
            one_round()
    finally:
        restore()
    timed = runs[1:]
    seconds = [run["first"]["seconds"] for run in timed]
    again = [run["again"]["seconds"] for run in timed]
    last = timed[-1]
    expected = {"yellow": len(due_ids), "red": len(due_ids)}
    same_work = all(run["first"]["shown"] == expected for run in timed)
    nothing_again = all(run["again"]["shown"] == {"yellow": 0, "red": 0} for run in timed)
    return Result(
        "case_deadline_scan",
        min(seconds),
        "s",
        Target(2, higher_is_better=False),
        statistics.median(seconds),
        f"case_deadline_scan() over {open_cases:,} open cases with {len(due_ids):,} due: "
        f"{last['first']['shown']['yellow']:,} yellow and {last['first']['shown']['red']:,} red "
        f"cards, {last['first']['escalations']:,} escalations, "
        f"{last['first']['notifications']:,} notifications, {last['first']['queries']:,} queries "
        f"a run"
        + ("" if same_work else f" (**expected {expected} every run**)")
        + f"; the re-run right after: {min(again):.2f} s (median {statistics.median(again):.2f} "
        f"s), {last['again']['queries']} queries, "
        + (
            "carded nothing"
            if nothing_again and last["again"]["notifications"] == 0
            else f"**carded {last['again']['shown']}, {last['again']['notifications']} "
            "notifications**"
        )
        + "; the due cases restored between runs",
    )


VISIT_CALLS = 200  # visits logged per timed run


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def visit_api_create(ctx: Context) -> Result:
    """POST /api/v1/visits/ (a visit with the phone's point, placed in its grid), one call
    at a time on one keep-alive connection, as a district system logging its workers'
    visits; p95 of every call. In-process: the visit_log service, the answer's serializer
    and DRF's JSON renderer, for the same payloads. The visits made are removed at the end."""
    import json
    import random

    from django.test import RequestFactory

    from bench.server import timed_request
    from governance.models import User
    from grid.models import Area, AreaLevel
    from population.api import VisitSerializer
    from population.models import Visit
    from population.services import visit_log

    base = ctx.server()
    client = User.objects.get(username="bench-api-client")
    rng = random.Random(SEED)
    grids = list(Area.objects.filter(level=AreaLevel.GRID).order_by("pk"))
    points = {}
    for grid in rng.sample(grids, min(50, len(grids))):
        point = grid.geometry.representative_point()
        points[grid.pk] = (grid, round(point.y, 6), round(point.x, 6))
    chosen = list(points.values())

    def payload(index: int) -> dict:
        grid, lat, lon = chosen[index % len(chosen)]
        return {
            "grid": grid.pk,
            "subject": f"{index % 30 + 1}幢{index % 4 + 1}单元住户",
            "purpose": "routine",
            "notes": "入户走访，了解家庭近况。",
            "findings": "无异常。",
            "latitude": lat,
            "longitude": lon,
            "location_accuracy": 15.0,
        }

    request = RequestFactory().get("/")
    request.user = client
    made = []

    def in_process_call(index: int) -> None:
        data = payload(index)
        grid = points[data.pop("grid")][0]
        visit = visit_log(actor=client, grid=grid, **data)
        _render(VisitSerializer(visit, context={"request": request}).data)
        made.append(visit.pk)

    def over_http_call(index: int) -> float:
        seconds, response = timed_request(
            ctx.session,
            "POST",
            f"{base}/api/v1/visits/",
            data=json.dumps(payload(index)),
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code == 201, response.text[:300]
        body = response.json()
        assert body["located_grid"] == body["grid"] and not body["outside_grid"], body
        made.append(body["id"])
        return seconds * 1000

    try:
        before = Visit.objects.count()
        local: list[float] = []
        remote: list[float] = []
        for index in range(20):  # warm-up of each
            in_process_call(index), over_http_call(index)
        for _round in range(REPEAT):  # in turns, so a shared machine's load weighs on both
            for index in range(VISIT_CALLS):
                started = time.perf_counter()
                in_process_call(index)
                local.append((time.perf_counter() - started) * 1000)
            remote += [over_http_call(index) for index in range(VISIT_CALLS)]
    finally:
        Visit.objects.filter(pk__in=made).delete()
    return Result(
        "visit_api_create",
        _percentile(remote, 0.95),
        "ms",
        Target(50, higher_is_better=False),
        statistics.median(remote),
        f"p95 of {len(remote):,} POST /api/v1/visits/ calls ({REPEAT} runs of {VISIT_CALLS}), "
        f"district token, each with a point placed in its grid (50 grids); the median is the "
        f"median call; p99 {_percentile(remote, 0.99):.1f} ms; in-process p95 of visit_log + "
        f"serializer + JSONRenderer (median {statistics.median(local):.2f} ms); "
        f"{before:,} visits in the table",
        in_process=_percentile(local, 0.95),
    )


IMPORT_ROWS = 100_000
IMPORT_REPEAT = 2  # each run checks and loads 100,000 rows twice over: a minute or more
STATUS_WORDS = ("户籍", "户籍", "户籍", "流动", "流动", "境外")


def _import_file(grids, rows: int) -> bytes:
    """A resident spreadsheet (CSV, Chinese headers) of `rows` distinct valid people spread
    over the grids: what an office uploads."""
    import datetime

    from population.identities import id_number_make

    lines = ["网格编码,姓名,公民身份号码,联系电话,人口类型,居住地址,工作单位"]
    first = datetime.date(1940, 1, 1)
    for n in range(rows):
        born = first + datetime.timedelta(days=n // 100)
        number = id_number_make(region="330106", born=born, serial=n % 100, female=n % 2 == 0)
        grid = grids[n % len(grids)]
        lines.append(
            f"{grid.code},居民{n},{number},139{n:08d},{STATUS_WORDS[n % 6]},"
            f"{n % 30 + 1}幢{n % 4 + 1}单元{n % 12 + 1}0{n % 4 + 1},"
            f"{'某物流公司' if n % 3 else ''}"
        )
    return ("\n".join(lines) + "\n").encode()


def _copy_seconds(cursor, table: str, data: bytes, options: str = "") -> float:
    started = time.perf_counter()
    cursor.copy_expert(f"COPY {table} FROM STDIN {options}", io.BytesIO(data))
    return time.perf_counter() - started


def _copy_baselines(content: bytes) -> tuple[float, float, float]:
    """Seconds to COPY the same 100,000 people, each into a fresh table with two indexes, in
    a transaction rolled back afterwards:

    - as the file has them (its seven text columns; unique ID number, grid code);
    - as the load stored them in population_resident (every column: ciphertext, blind index,
      derived sex and birth date, timestamps; unique blind index, grid), read back with COPY
      TO: the issue's "COPY of 100,000 such rows", the baseline of the ratio;
    - the same stored rows, and the load's move-in events, into population_resident and
      population_residentevent themselves (emptied first, in the same transaction): every
      index of theirs (16 and 5) and their foreign keys checked (SET CONSTRAINTS ALL
      IMMEDIATE: Django's are deferred to the commit), what any load of these rows pays on
      the server whatever the client does."""
    from django.db import connection, transaction

    from population.models import Resident, ResidentEvent

    resident_table = Resident._meta.db_table
    event_table = ResidentEvent._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        stored = io.BytesIO()
        cursor.copy_expert(f"COPY {resident_table} TO STDOUT", stored)
        events = io.BytesIO()
        cursor.copy_expert(f"COPY {event_table} TO STDOUT", events)
        cursor.execute(f"TRUNCATE {resident_table}, {event_table} CASCADE")  # rolled back
        started = time.perf_counter()
        cursor.copy_expert(f"COPY {resident_table} FROM STDIN", io.BytesIO(stored.getvalue()))
        cursor.copy_expert(f"COPY {event_table} FROM STDIN", io.BytesIO(events.getvalue()))
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        in_place = time.perf_counter() - started
        cursor.execute(
            "CREATE TABLE bench_copy_file (grid_code varchar(15), name varchar(50), "
            "id_number varchar(18), phone varchar(20), status varchar(10), "
            "address varchar(200), employer varchar(200))"
        )
        cursor.execute("CREATE UNIQUE INDEX ON bench_copy_file (id_number)")
        cursor.execute("CREATE INDEX ON bench_copy_file (grid_code)")
        as_file = _copy_seconds(cursor, "bench_copy_file", content, "WITH (FORMAT csv, HEADER)")
        cursor.execute(f"CREATE TABLE bench_copy_stored (LIKE {resident_table})")
        cursor.execute("CREATE UNIQUE INDEX ON bench_copy_stored (id_number_index)")
        cursor.execute("CREATE INDEX ON bench_copy_stored (grid_id)")
        as_stored = _copy_seconds(cursor, "bench_copy_stored", stored.getvalue())
        transaction.set_rollback(True)  # the tables go with the transaction
    return as_file, as_stored, in_place


def resident_import(ctx: Context) -> Result:
    """A 100,000-row file checked (dry run) and loaded by a district administrator, through
    population/imports.py as the upload page calls it, beside COPY of the same rows."""
    from django.db import connection

    from governance.models import Role, User
    from grid.models import Area, AreaLevel
    from population.imports import resident_import_check, resident_import_load
    from population.models import Resident, ResidentImport

    ctx.ensure_district()
    grids = list(Area.objects.filter(level=AreaLevel.GRID).defer("boundary").order_by("code"))
    actor = User.objects.get(role=Role.ADMIN, home_area__level=AreaLevel.DISTRICT)
    rows = max(1, round(IMPORT_ROWS * min(ctx.scale, 1)))
    content = _import_file(grids, rows)
    checks, loads, copies = [], [], []
    # The bench process's own CPU seconds (time.process_time) of the check and the load: on a
    # machine shared with other work the wall clock also counts the waits for a core.
    check_cpu, load_cpu = [], []

    def clear() -> None:  # outside the timing: the rows of the previous run
        # CASCADE: the loaded people's move-in events (ResidentEvent) go with them.
        with connection.cursor() as cursor:
            cursor.execute(
                f"TRUNCATE {Resident._meta.db_table}, {ResidentImport._meta.db_table} CASCADE"
            )

    def run() -> None:
        clear()
        started, cpu = time.perf_counter(), time.process_time()
        checked = resident_import_check(actor=actor, file_name="bench.csv", content=content)
        checks.append(time.perf_counter() - started)
        check_cpu.append(time.process_time() - cpu)
        assert checked.is_clean, checked.problems[:3]
        started, cpu = time.perf_counter(), time.process_time()
        loaded = resident_import_load(actor=actor, resident_import=checked)
        loads.append(time.perf_counter() - started)
        load_cpu.append(time.process_time() - cpu)
        assert loaded.loaded_count == rows == Resident.objects.count()
        copies.append(_copy_baselines(content))

    timed_runs(run, repeat=IMPORT_REPEAT)
    clear()
    load = min(loads[1:])
    copy_file = min(seconds for seconds, _stored, _in_place in copies[1:])
    copy = min(stored for _file, stored, _in_place in copies[1:])
    in_place = min(seconds for _file, _stored, seconds in copies[1:])
    ratio = load / copy
    return Result(
        "resident_import",
        load,
        "s",
        Target(20, higher_is_better=False),
        statistics.median(loads[1:]),
        f"{rows:,} rows ({len(content) / 1e6:.1f} MB CSV, {len(grids):,} grids) loaded by "
        f"resident_import_load: read, checked again through the resident rules, SM4-encrypted, "
        f"blind-indexed, COPY in one transaction. Beside it: the dry "
        f"run (resident_import_check) {min(checks[1:]):.2f} s, so upload to loaded "
        f"{min(c + lo for c, lo in zip(checks[1:], loads[1:], strict=True)):.2f} s. COPY of "
        f"the same people into a table with two indexes: as stored (every resident column, "
        f"ciphertext included) {copy:.2f} s, as in the file (7 text columns) {copy_file:.2f} "
        f"s; the load is {ratio:.1f}× the first (target ≤ 3×: "
        f"{'met' if ratio <= 3 else 'missed'}), {load / copy_file:.0f}× the second. The "
        f"stored rows and their move-in events COPYed into the ledger's own tables (every "
        f"index, foreign keys checked) {in_place:.2f} s: the load is {load / in_place:.1f}× "
        f"that. CPU time of the bench process itself (the rest is waiting for PostgreSQL or "
        f"for a core): the check {min(check_cpu[1:]):.2f} s, the load {min(load_cpu[1:]):.2f} s",
        also_met=ratio <= 3,
        also_target="≤ 3× COPY",
    )


def ledger_quality_api(ctx: Context) -> Result:
    """GET /api/v1/ledger-quality/?area=<street> with a district token: the figures of the
    street with the most grids, per community, over HTTP and in-process (the selector, the
    answer's serializer and JSONRenderer), in turns. Grids with no expected household count
    are given 400 first (the generator sets none). Uses whatever residents, houses,
    households, organisations and visits the generators made, and names their numbers."""
    from django.db import connection
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext

    from bench.server import timed_request
    from governance.models import User
    from grid.models import Area, AreaLevel
    from population.api import LedgerQualitySerializer
    from population.selectors import ledger_quality

    base = ctx.server()
    Area.objects.filter(level=AreaLevel.GRID, expected_households__isnull=True).update(
        expected_households=400
    )
    street = (
        Area.objects.filter(level=AreaLevel.STREET)
        .annotate(communities=Count("children"))
        .order_by("-communities", "code")
        .first()
    )
    client = User.objects.get(username="bench-api-client")
    token = client.api_tokens.get()
    url = f"{base}/api/v1/ledger-quality/?area={street.pk}"
    answers = []

    def in_process():
        report = ledger_quality(user=client, token=token, area=street)
        answers.append(_render(LedgerQualitySerializer(report).data))

    def over_http():
        _seconds, response = timed_request(ctx.session, "GET", url)
        assert response.status_code == 200, response.text[:300]
        answers.append(response.content)

    local, remote = _alternating(in_process, over_http)
    with CaptureQueriesContext(connection) as queries:
        report = ledger_quality(user=client, token=token, area=street)
    total = report.total
    same = answers[-1] == _render(LedgerQualitySerializer(report).data)
    return Result(
        "ledger_quality_api",
        min(remote),
        "ms",
        None,
        statistics.median(remote),
        f"GET /api/v1/ledger-quality/?area=<street> (district token), {len(report.rows)} "
        f"communities, {total.grids:,} grids, {total.residents:,} residents living there, "
        f"{total.households:,} households counted, {total.visits_recent:,} visits in 30 days; "
        f"{len(queries)} queries in-process (selector + serializer + JSONRenderer); "
        + ("same answer" if same else "**answers differ from the in-process one**"),
        in_process=local * 1000,
    )


def screening_open(ctx: Context) -> Result:
    """The beat task that opens the two screenings' current periods: a report row for every
    active reporting unit of the district (communities, streets, departments, enterprises),
    in one bulk insert; then a re-run that must create nothing. Between timed runs the
    current periods' reports are deleted, so each run does the same work."""
    from django.utils import timezone

    from disputes.models import ScreeningReport
    from disputes.screening_services import screening_periods_open

    ctx.ensure_cases()  # the district and its units
    today = timezone.localdate()
    current = ScreeningReport.objects.filter(
        period__starts_on__lte=today, period__ends_on__gte=today
    )
    created: list[int] = []

    def run() -> None:
        current.delete()
        created.append(screening_periods_open(today=today))

    seconds = timed_runs(run)
    rerun = timed_runs(lambda: created.append(screening_periods_open(today=today)))
    assert created[-1] == 0, created
    return Result(
        "screening_open",
        min(seconds),
        "s",
        Target(2, higher_is_better=False),
        statistics.median(seconds),
        f"screening_periods_open for the {generate.rows_at(ctx.scale, 'grids'):,} grids' "
        f"district: {created[1]:,} reports created a run (every reporting unit, each period it "
        f"reports in); the re-run right after creates nothing in {min(rerun) * 1000:.0f} ms",
    )


SCENARIOS: dict[str, tuple[Callable[[Context], Result], str]] = {
    "generate_district": (generate_district, "areas, users and teams, wipe included"),
    "locate_batch": (locate_batch, "GridIndex.locate_many, 200,000 random points"),
    "locate_single": (locate_single, "GridIndex.locate, 100,000 calls"),
    "locate_api_batch": (locate_api_batch, "POST locate, 10,000 points, HTTP and in-process"),
    "locate_api_single": (locate_api_single, "GET locate, one point, beside /healthz"),
    "api_request_overhead": (api_request_overhead, "a token call that needs no boundary"),
    "geojson_page": (geojson_page, "GET geojson, one page of 500"),
    "geojson_map_pages": (geojson_map_pages, "the whole map, page by page"),
    "geojson_map_cold": (geojson_map_cold, "the whole map in one answer, nothing cached"),
    "geojson_map": (geojson_map, "the whole map in one answer, cached"),
    "index_rebuild": (index_rebuild, "the first calls after a boundary edit"),
    "resident_list_api": (resident_list_api, "a street's residents, 50 pages by cursor"),
    "resident_search_api": (resident_search_api, "name and full ID number searches"),
    "visit_api_create": (visit_api_create, "POST visits, one at a time, p95"),
    "resident_import": (resident_import, "a 100,000-row resident file, beside COPY"),
    "ledger_quality_api": (ledger_quality_api, "GET ledger-quality of a street, per community"),
    "screening_open": (screening_open, "the two screenings' period opener, every unit"),
    "case_list_api": (case_list_api, "a street's dispute cases, 2 lists by cursor"),
    "case_deadline_scan": (case_deadline_scan, "yellow and red cards over the open cases"),
}


# --- The record -----------------------------------------------------------------------------

HEADER = """# Benchmark results

Written by `bench/run.py` (how to run it and what each scenario measures: `bench/README.md`).
Newest run first; each figure is the best of 3 timed runs after a warm-up, the median beside it.
"""


def _command(*args: str) -> str:
    try:
        return subprocess.run(args, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def _uncommitted() -> bool:
    """Whether the code these scenarios run differs from the commit: over HTTP that is the
    whole application, so any tracked file but the record itself."""
    status = _command(
        "git", "-C", str(BENCH_DIR.parent), "status", "--porcelain", "--untracked-files=no"
    )
    changed = [line.split(maxsplit=1)[-1] for line in status.splitlines() if line.strip()]
    return status != "?" and any(path != "bench/RESULTS.md" for path in changed)


def machine() -> dict[str, str]:
    import numpy
    import shapely
    from django.db import connection

    cpu = "?"
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "?"
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024**2:.1f} GiB"
                break
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    return {
        "nproc": _command("nproc"),
        "CPU": cpu,
        "memory": memory,
        "Python": platform.python_version(),
        "PostgreSQL": postgres,
        "shapely / GEOS / numpy": f"{shapely.__version__} / {shapely.geos_version_string} / "
        f"{numpy.__version__}",
        "load average (1, 5, 15 min) at the end": ", ".join(f"{v:.2f}" for v in os.getloadavg()),
        "commit": _command("git", "-C", str(BENCH_DIR), "rev-parse", "--short", "HEAD")
        + (" + uncommitted changes" if _uncommitted() else ""),
    }


def _figure(value: float, unit: str) -> str:
    return f"{value:,.2f} {unit}" if value < 100 else f"{value:,.0f} {unit}"


def _target(result: Result) -> str:
    targets = []
    if result.target is not None:
        sign = "≥" if result.target.higher_is_better else "<"
        targets.append(f"{sign} {_figure(result.target.value, result.unit)}")
    if result.ratio_target is not None:
        targets.append(f"≤ {result.ratio_target:g}× in-process")
    if result.also_target:
        targets.append(result.also_target)
    return ", ".join(targets) or "—"


def render_run(scale: float, results: list[Result], started: datetime.datetime) -> str:
    lines = [
        f"## {started.isoformat(sep=' ', timespec='minutes')} — scale {scale:g}",
        "",
        "| machine | |",
        "|---|---|",
    ]
    lines += [f"| {key} | {value} |" for key, value in machine().items()]
    lines += [
        "",
        "| scenario | best | median | target | | in-process | HTTP ÷ in-process | detail |",
        "|---|---:|---:|---|---|---:|---:|---|",
    ]
    lines += [
        f"| `{r.scenario}` | {_figure(r.value, r.unit)} | {_figure(r.median, r.unit)} "
        f"| {_target(r)} | {r.status} "
        f"| {_figure(r.in_process, r.unit) if r.in_process is not None else '—'} "
        f"| {f'{r.ratio:.1f}×' if r.ratio is not None else '—'} | {r.detail} |"
        for r in results
    ]
    return "\n".join(lines) + "\n"


def record(run: str, path: Path = RESULTS) -> None:
    """Put the new run first, keeping the earlier runs below it."""
    earlier = ""
    if path.exists():
        text = path.read_text()
        start = text.find("\n## ")
        earlier = text[start + 1 :] if start >= 0 else ""
    path.write_text(HEADER + "\n" + run + ("\n" + earlier if earlier else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scenarios",
        default=",".join(SCENARIOS),
        help=f"comma-separated subset of: {', '.join(SCENARIOS)} (default: all)",
    )
    parser.add_argument(
        "--scale", type=float, default=1.0, help="1.0 = a whole district (1,000 grids)"
    )
    parser.add_argument(
        "--no-record", action="store_true", help=f"print only; leave {RESULTS.name} alone"
    )
    args = parser.parse_args()
    names = [name.strip() for name in args.scenarios.split(",") if name.strip()]
    unknown = [name for name in names if name not in SCENARIOS]
    if unknown or not names:
        parser.error(f"unknown scenario(s) {', '.join(unknown)}; known: {', '.join(SCENARIOS)}")
    if args.scale <= 0:
        parser.error("--scale must be positive")

    from bench.server import BENCH_REDIS_URL

    # The in-process figures read the same cache as the server: the bench's Redis database.
    os.environ["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", BENCH_REDIS_URL)
    generate.setup_django()
    from django.utils import timezone

    started = timezone.localtime()
    ctx = Context(args.scale)
    results = []
    try:
        for name in SCENARIOS:  # registry order: generation first, so lookups use its district
            if name not in names:
                continue
            scenario, what = SCENARIOS[name]
            print(f"{name}: {what} ...", flush=True)
            result = scenario(ctx)
            ratio = f", {result.ratio:.1f}× in-process" if result.ratio is not None else ""
            print(
                f"  {_figure(result.value, result.unit)} (median "
                f"{_figure(result.median, result.unit)}, target {_target(result)}{ratio}) "
                f"{result.status}\n  {result.detail}",
                flush=True,
            )
            results.append(result)
    finally:
        ctx.close()  # the gunicorn server, when a scenario started one
    if not args.no_record:
        record(render_run(args.scale, results, started))
        print(f"recorded in {os.path.relpath(RESULTS)}")


if __name__ == "__main__":
    main()
