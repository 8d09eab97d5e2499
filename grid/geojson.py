"""The whole map of a scope as one GeoJSON answer, built once per scope and tree revision.

A city system or the map page asks for every area it sees at once (`?all=1`) instead of
walking 23 pages of 500. Boundaries change rarely, so the answer is cached: in the Django
cache (Redis), gzipped, keyed by the tree revision (`BoundaryRevision`, bumped by every change
that the map shows), the caller's scope root and the query; and in the browser, which
revalidates with the ETag (304 when nothing changed).

Boundaries are copied into the answer as PostgreSQL's text of the stored JSON: decoding and
re-encoding 24 MB of coordinates cost most of the time of the paginated answer.
"""

import gzip
import hashlib
import json
from typing import NamedTuple

import numpy as np
import shapely
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast
from django.utils.http import http_date
from django.utils.translation import get_language

from grid.models import Area, BoundaryRevision

CACHE_SECONDS = 24 * 60 * 60  # a new revision makes a new key; old answers just expire
# Level 3: a 10,000-grid map (26 MB) packs to 5.3 MB in 0.23 s; level 5 to 4.3 MB in 0.4-0.5 s,
# which a cold answer cannot afford (< 2 s); the body is compressed once per revision.
GZIP_LEVEL = 3
MAX_ZOOM = 22


class _Row(NamedTuple):
    """The fields of an area that its summary reads: a model instance per row cost a third of
    the time of a cold 10,000-grid map."""

    pk: int
    name: str
    level: int
    code: str
    parent_id: int | None


def tree_revision() -> tuple[str, str]:
    """(revision, HTTP date of the change) of the area tree, one small query."""
    row = BoundaryRevision.objects.order_by("pk").values_list("revision", "changed_at").first()
    if row is None:
        return "", ""
    return row[0], http_date(row[1].timestamp())


def cache_key(*, revision: str, areas: QuerySet[Area], zoom: int | None) -> str:
    """One key per revision, scope, filters, zoom and language. The scope and the filters are
    read from the SQL of the caller's scoped, filtered queryset: two callers share an answer
    exactly when they would select the same rows. The language names the levels."""
    try:
        rows = str(areas.query)
    except EmptyResultSet:  # a scope that sees nothing (`.none()`) has no SQL
        rows = ""
    parts = [revision, rows, zoom, get_language()]
    return "grid:geojson:" + hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:40]


def simplify_tolerance(zoom: int | None) -> float | None:
    """Half a screen pixel at that web-map zoom level, in degrees: finer than the eye sees."""
    if zoom is None:
        return None
    return 360 / (256 * 2**zoom) / 2


def feature_collection(areas: QuerySet[Area], *, zoom: int | None, summary) -> bytes:
    """The areas as a GeoJSON FeatureCollection (UTF-8 JSON bytes), with `next`/`previous`
    null so that a client walking pages reads it as the one and last page. `summary` makes the
    properties of an area (the API's area summary)."""
    rows = list(
        areas.order_by("code").values_list(
            "pk", "name", "level", "code", "parent_id", Cast("boundary", TextField())
        )
    )
    geometries = [row[5] for row in rows]
    tolerance = simplify_tolerance(zoom)
    if tolerance is not None and rows:
        present = [i for i, text in enumerate(geometries) if text is not None]
        shapes = shapely.from_geojson(np.array([geometries[i] for i in present], dtype=object))
        simplified = shapely.to_geojson(shapely.simplify(shapes, tolerance, preserve_topology=True))
        for i, text in zip(present, simplified, strict=True):
            geometries[i] = text
    features = []
    for (pk, name, level, code, parent_id, _text), geometry in zip(rows, geometries, strict=True):
        properties = summary(_Row(pk, name, level, code, parent_id))
        features.append(
            f'{{"type":"Feature","id":{pk},"geometry":{geometry or "null"},'
            f'"properties":{_json(properties)}}}'
        )
    return (
        '{"type":"FeatureCollection","features":['
        + ",".join(features)
        + '],"next":null,"previous":null}'
    ).encode()


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def cached_feature_collection(key: str, build) -> bytes:
    """The gzipped answer for the key, built (and cached) when missing."""
    body = cache.get(key)
    if body is None:
        body = gzip.compress(build(), compresslevel=GZIP_LEVEL, mtime=0)
        cache.set(key, body, CACHE_SECONDS)
    return body
