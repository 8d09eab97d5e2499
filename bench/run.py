"""Time the named benchmark scenarios against PostgreSQL and record them in bench/RESULTS.md.

    .venv/bin/python bench/run.py                                  # every scenario, scale 1
    .venv/bin/python bench/run.py --scenarios locate_batch,locate_single --scale 0.1

Each scenario runs once to warm up, then REPEAT times; the best run is the figure, the
median is shown beside it. See bench/README.md for what each one measures.
"""

import argparse
import datetime
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

    @property
    def status(self) -> str:
        if self.target is None:
            return ""
        return "met" if self.target.met(self.value) else "**missed**"


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


# --- Scenarios --------------------------------------------------------------------------------


def generate_district(ctx: Context) -> Result:
    reports = []

    def run():
        reports.append(generate.generate(ctx.scale))

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


def locate_api_batch(ctx: Context) -> Result:
    from governance.models import Role, User
    from grid.selectors import grid_locate_many

    ctx.ensure_district()
    user, _ = User.objects.update_or_create(
        username="bench-superuser",
        defaults={"is_superuser": True, "is_staff": True, "role": Role.ADMIN, "is_active": True},
    )
    points = ctx.random_points(API_POINTS).tolist()  # lists of floats, as parsed from JSON
    answers = []
    seconds = timed_runs(lambda: answers.append(grid_locate_many(user=user, points=points)))
    rates = [API_POINTS / s for s in seconds]
    located = {area.pk for area in answers[-1] if area is not None}
    return Result(
        "locate_api_batch",
        max(rates),
        "points/s",
        None,
        statistics.median(rates),
        f"{API_POINTS:,} points per call as a superuser, {len(located):,} distinct grids "
        f"loaded by the scoping query; {min(seconds) * 1000:.0f} ms per call",
    )


SCENARIOS: dict[str, tuple[Callable[[Context], Result], str]] = {
    "generate_district": (generate_district, "areas, users and teams, wipe included"),
    "locate_batch": (locate_batch, "GridIndex.locate_many, 200,000 random points"),
    "locate_single": (locate_single, "GridIndex.locate, 100,000 calls"),
    "locate_api_batch": (locate_api_batch, "grid_locate_many selector, 10,000 points"),
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
    """Whether the code these scenarios run differs from the commit."""
    paths = [
        *("bench/generate.py", "bench/run.py", "requirements.txt", "governance/scoping.py"),
        *("grid/generation.py", "grid/index.py", "grid/models.py", "grid/selectors.py"),
    ]
    status = _command("git", "-C", str(BENCH_DIR.parent), "status", "--porcelain", "--", *paths)
    return status not in ("", "?")


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
    if result.target is None:
        return "—"
    sign = "≥" if result.target.higher_is_better else "<"
    return f"{sign} {_figure(result.target.value, result.unit)}"


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
        "| scenario | best | median | target | | detail |",
        "|---|---:|---:|---|---|---|",
    ]
    lines += [
        f"| `{r.scenario}` | {_figure(r.value, r.unit)} | {_figure(r.median, r.unit)} "
        f"| {_target(r)} | {r.status} | {r.detail} |"
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

    generate.setup_django()
    from django.utils import timezone

    started = timezone.localtime()
    ctx = Context(args.scale)
    results = []
    for name in SCENARIOS:  # registry order: generation first, so lookups use its district
        if name not in names:
            continue
        scenario, what = SCENARIOS[name]
        print(f"{name}: {what} ...", flush=True)
        result = scenario(ctx)
        print(
            f"  {_figure(result.value, result.unit)} (median {_figure(result.median, result.unit)},"
            f" target {_target(result)}) {result.status}\n  {result.detail}",
            flush=True,
        )
        results.append(result)
    if not args.no_record:
        record(render_run(args.scale, results, started))
        print(f"recorded in {os.path.relpath(RESULTS)}")


if __name__ == "__main__":
    main()
