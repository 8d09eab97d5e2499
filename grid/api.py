import gzip
import re

import django_filters
import numpy as np
from django.conf import settings
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from governance.api_base import CodeCursorPagination, RejectUnknownFieldsMixin, ScopedQuerysetMixin
from governance.scoping import visible_to
from grid import geojson, selectors, services
from grid.models import Area, AreaLevel

ACCEPTS_GZIP = re.compile(r"\bgzip\b")


class AreaSerializer(serializers.ModelSerializer):
    level_display = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = Area
        fields = ["id", "name", "level", "level_display", "code", "parent", "boundary"]


def area_summary(area: Area) -> dict:
    """An area as the API's lists show it. Built by hand: DRF's generic fields cost about a
    millisecond a row (a signature inspection per callable source, a lazy translation per
    label), a second for the grids of one district in a locate batch or a map."""
    return {
        "id": area.pk,
        "name": area.name,
        "level": area.level,
        "level_display": str(AreaLevel(area.level).label),
        "code": area.code,
        "parent": area.parent_id,
    }


class AreaSummarySerializer(AreaSerializer):
    class Meta(AreaSerializer.Meta):
        fields = ["id", "name", "level", "level_display", "code", "parent"]

    def to_representation(self, instance: Area) -> dict:
        return area_summary(instance)  # the declared fields above still describe it (schema)


class AreaWriteSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    name = serializers.CharField(max_length=100)
    level = serializers.ChoiceField(choices=AreaLevel.choices)
    code = serializers.CharField(max_length=15)
    parent = serializers.PrimaryKeyRelatedField(
        queryset=Area.objects.none(), allow_null=True, required=False
    )
    boundary = serializers.JSONField(allow_null=True, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A parent outside the caller's scope "does not exist" for them.
        request = self.context.get("request")  # absent while the schema is generated
        if request is not None:
            self.fields["parent"].queryset = visible_to(request.user, Area.objects.all())


class AreaUpdateSerializer(AreaWriteSerializer):
    level = None  # the level of an area never changes; move it under a parent of the level above


class PointSerializer(serializers.Serializer):
    lon = serializers.FloatField(min_value=-180, max_value=180)
    lat = serializers.FloatField(min_value=-90, max_value=90)


class PointListField(serializers.ListField):
    """A list of [lon, lat] pairs. A well-formed batch is checked as one numpy array: DRF's
    field-by-field validation of 10,000 points cost more than looking them all up. Anything
    the array does not take as an (n, 2) array of finite numbers goes through DRF's fields,
    which answer with the same messages as before."""

    def to_internal_value(self, data):
        if isinstance(data, list) and self.min_length <= len(data) <= self.max_length:
            try:
                array = np.array(data, dtype=float)
            except (TypeError, ValueError):
                pass  # ragged, nested or not numbers: DRF's fields say which point and why
            else:
                if array.ndim == 2 and array.shape[1] == 2 and np.isfinite(array).all():
                    return array.tolist()
        return super().to_internal_value(data)


class PointBatchSerializer(serializers.Serializer):
    points = PointListField(
        child=serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2),
        min_length=1,
        max_length=settings.POINT_LOOKUP_BATCH_LIMIT,
        help_text="[[lon, lat], ...] in WGS84 degrees",
    )

    def validate_points(self, points):
        for index, (lon, lat) in enumerate(points):
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise serializers.ValidationError(
                    _("Point %(i)d (%(lon)s, %(lat)s) is not a WGS84 longitude, latitude.")
                    % {"i": index, "lon": lon, "lat": lat}
                )
        return points


class WholeMapSerializer(serializers.Serializer):
    all = serializers.BooleanField()
    zoom = serializers.IntegerField(min_value=0, max_value=geojson.MAX_ZOOM, required=False)


def locate_answer(grid: Area | None) -> dict:
    return locate_answers([grid])[0]


def locate_answers(grids: list[Area | None]) -> list[dict]:
    """One answer per point, in order. Each distinct grid is serialized once, by one list
    serializer: a serializer built per point cost ~0.45 ms, 4.9 s for a batch of 10,000
    (issue 6), where the lookup takes ~25 ms. Points in the same grid share one dict."""
    distinct = list({grid.pk: grid for grid in grids if grid is not None}.values())
    summaries = {
        grid.pk: summary
        for grid, summary in zip(
            distinct, AreaSummarySerializer(distinct, many=True).data, strict=True
        )
    }
    outside = {"grid": None, "detail": _("This point is not in any grid in your area.")}
    return [outside if grid is None else {"grid": summaries[grid.pk]} for grid in grids]


def _visible_areas(request):
    # A parent outside the caller's scope "does not exist" for the filter either: otherwise
    # ?parent=<hidden id> (empty list) and ?parent=<no such id> (400) would tell them apart.
    return visible_to(getattr(request, "user", None), Area.objects.all())


class AreaFilter(django_filters.FilterSet):
    code = django_filters.CharFilter(lookup_expr="startswith")
    parent = django_filters.ModelChoiceFilter(queryset=_visible_areas)
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Area
        fields = ["level", "parent", "code", "name"]


class AreaViewSet(
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Areas of the tree (district, street, community, grid) within the caller's scope."""

    base_queryset = Area.objects.all()
    filterset_class = AreaFilter
    pagination_class = CodeCursorPagination

    def get_queryset(self):
        areas = super().get_queryset()
        # Boundaries are ~60 vertices each; only the detail and GeoJSON answers carry them.
        return areas.defer("boundary") if self.action == "list" else areas

    def get_serializer_class(self):
        if self.action in {"list"}:
            return AreaSummarySerializer
        if self.action == "create":
            return AreaWriteSerializer
        if self.action in {"update", "partial_update"}:
            return AreaUpdateSerializer
        return AreaSerializer

    @extend_schema(request=AreaWriteSerializer, responses={201: AreaSerializer})
    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        area = services.area_create(actor=request.user, **serializer.validated_data)
        return Response(AreaSerializer(area).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AreaUpdateSerializer, responses={200: AreaSerializer})
    def update(self, request, pk=None, partial=False):
        area = self.get_object()
        serializer = self.get_serializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        area = services.area_update(actor=request.user, area=area, **serializer.validated_data)
        return Response(AreaSerializer(area).data)

    @extend_schema(request=AreaUpdateSerializer, responses={200: AreaSerializer})
    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)

    def destroy(self, request, pk=None):
        services.area_delete(actor=request.user, area=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "all",
                bool,
                description="Every area of the filtered list in one answer (no pages), "
                "cached and compressed; revalidate with If-None-Match.",
            ),
            OpenApiParameter(
                "zoom",
                int,
                description=f"With all: boundaries simplified to half a pixel at this web-map "
                f"zoom level (0-{geojson.MAX_ZOOM}); without it, as stored.",
            ),
        ],
        responses={
            200: inline_serializer("AreaFeatureCollection", {"type": serializers.CharField()})
        },
        description="The same list as GeoJSON: a FeatureCollection, one Feature per area. "
        "Paginated like the list; with ?all=1 the whole list at once, `next` null.",
    )
    @action(detail=False, methods=["get"])
    def geojson(self, request):
        if "all" in request.query_params:
            options = WholeMapSerializer(data=request.query_params)
            options.is_valid(raise_exception=True)
            if options.validated_data["all"]:
                return self._whole_map(request, zoom=options.validated_data.get("zoom"))
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        features = [
            {
                "type": "Feature",
                "id": area.pk,
                "geometry": area.boundary,
                "properties": AreaSummarySerializer(area).data,
            }
            for area in page
        ]
        response = self.get_paginated_response(features)
        response.data = {
            "type": "FeatureCollection",
            "features": features,
            "next": response.data["next"],
            "previous": response.data["previous"],
        }
        return response

    def _whole_map(self, request, *, zoom: int | None) -> HttpResponse:
        areas = self.filter_queryset(self.get_queryset())
        revision, changed = geojson.tree_revision()
        key = geojson.cache_key(revision=revision, areas=areas, zoom=zoom)
        etag = f'"{key.rsplit(":", 1)[1]}"'
        if etag in parse_etags(request.headers.get("If-None-Match", "")):
            response = HttpResponse(status=status.HTTP_304_NOT_MODIFIED)
        else:
            body = geojson.cached_feature_collection(
                key, lambda: geojson.feature_collection(areas, zoom=zoom, summary=area_summary)
            )
            response = HttpResponse(content_type="application/json")
            if ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")):
                response.content = body
                response.headers["Content-Encoding"] = "gzip"
            else:
                response.content = gzip.decompress(body)
        response.headers["ETag"] = etag
        if changed:
            response.headers["Last-Modified"] = changed
        # Kept by the browser only, and revalidated on every use: an edit shows at once.
        response.headers["Cache-Control"] = "private, no-cache"
        patch_vary_headers(
            response, ["Accept-Encoding", "Accept-Language", "Authorization", "Cookie"]
        )
        return response

    @extend_schema(
        parameters=[
            OpenApiParameter("lon", float, required=True),
            OpenApiParameter("lat", float, required=True),
        ],
        request=PointBatchSerializer,
        responses={
            200: inline_serializer("GridLookup", {"grid": AreaSummarySerializer(allow_null=True)})
        },
        description="Which grid is this point in? GET with lon/lat for one point; "
        'POST {"points": [[lon, lat], ...]} for a batch (answers in the same order).',
    )
    @action(detail=False, methods=["get", "post"])
    def locate(self, request):
        if request.method == "GET":
            point = PointSerializer(data=request.query_params)
            point.is_valid(raise_exception=True)
            grid = selectors.grid_locate(user=request.user, **point.validated_data)
            return Response(locate_answer(grid))
        batch = PointBatchSerializer(data=request.data)
        batch.is_valid(raise_exception=True)
        grids = selectors.grid_locate_many(user=request.user, points=batch.validated_data["points"])
        return Response({"results": locate_answers(grids)})
