import gzip
import re

import django_filters
import numpy as np
from django.conf import settings
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from governance.api_base import (
    CodeCursorPagination,
    IdCursorPagination,
    RejectUnknownFieldsMixin,
    ScopedQuerysetMixin,
    request_token,
)
from governance.api_fields import JsonFloatField
from governance.api_filters import BooleanFilter, PortalFilterSet
from governance.scoping import visible_to
from grid import geojson, selectors, services
from grid.models import Area, AreaLevel, Unit, UnitKind

ACCEPTS_GZIP = re.compile(r"\bgzip\b")
JSON_NUMBERS = (int, float)  # bool is a subclass of int: compared by exact type


class AreaSerializer(serializers.ModelSerializer):
    level_display = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = Area
        fields = [
            "id",
            "name",
            "level",
            "level_display",
            "code",
            "parent",
            "boundary",
            "expected_households",
        ]


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
    expected_households = serializers.IntegerField(min_value=0, allow_null=True, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A parent outside the caller's scope "does not exist" for them.
        request = self.context.get("request")  # absent while the schema is generated
        if request is not None:
            self.fields["parent"].queryset = visible_to(
                request.user, Area.objects.all(), token=request_token(request)
            )


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
        if (
            isinstance(data, list)
            and self.min_length <= len(data) <= self.max_length
            # numpy would take true and "1.5" as numbers; JSON's numbers only are (JsonFloatField)
            and all(
                type(pair) is list and all(type(value) in JSON_NUMBERS for value in pair)
                for pair in data
            )
        ):
            try:
                array = np.array(data, dtype=float)
            except (TypeError, ValueError):
                pass  # ragged: DRF's fields say which point and why
            else:
                if array.ndim == 2 and array.shape[1] == 2 and np.isfinite(array).all():
                    return array.tolist()
        return super().to_internal_value(data)


class PointBatchSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    points = PointListField(
        # OpenAPI 3.0 cannot bound a pair's two numbers apart: both are documented as
        # longitudes (-180..180); validate_points holds the latitude to -90..90.
        child=serializers.ListField(
            child=JsonFloatField(min_value=-180, max_value=180), min_length=2, max_length=2
        ),
        min_length=1,
        max_length=settings.POINT_LOOKUP_BATCH_LIMIT,
        help_text="[[lon, lat], ...] in WGS84 degrees: lon -180..180, lat -90..90",
    )

    def validate_points(self, points):
        for index, (lon, lat) in enumerate(points):
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise serializers.ValidationError(
                    _("Point %(i)d (%(lon)s, %(lat)s) is not a WGS84 longitude, latitude.")
                    % {"i": index, "lon": lon, "lat": lat}
                )
        return points


class GridLookupSerializer(serializers.Serializer):
    """For the schema: the answer about one point."""

    grid = AreaSummarySerializer(allow_null=True)
    detail = serializers.CharField(
        required=False, help_text="Present when the point is in no grid."
    )


class GridLookupBatchSerializer(serializers.Serializer):
    """For the schema: the answers about a batch, in the order of its points."""

    results = GridLookupSerializer(many=True)


class WholeMapSerializer(serializers.Serializer):
    all = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Every area of the filtered list in one answer (no pages), cached and "
        "compressed; revalidate with If-None-Match.",
    )
    zoom = serializers.IntegerField(
        min_value=0,
        max_value=geojson.MAX_ZOOM,
        required=False,
        help_text="With all: boundaries simplified to half a pixel at this web-map zoom level; "
        "without it, as stored.",
    )


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
    return visible_to(
        getattr(request, "user", None), Area.objects.all(), token=request_token(request)
    )


# ?level= takes a level's number or its name: ?level=4 and ?level=grid are the same filter.
LEVEL_BY_NAME = {level.name.lower(): level for level in AreaLevel}
LEVEL_CHOICES = [(str(level.value), level.label) for level in AreaLevel] + [
    (name, level.label) for name, level in LEVEL_BY_NAME.items()
]


@extend_schema_field(
    {
        "type": "string",
        "enum": [value for value, _label in LEVEL_CHOICES],
        "description": "A level by number (1-4) or name (district, street, community, grid).",
    }
)
class LevelFilter(django_filters.ChoiceFilter):
    pass


class AreaFilter(PortalFilterSet):
    level = LevelFilter(
        choices=LEVEL_CHOICES,
        method="filter_level",
    )
    code = django_filters.CharFilter(lookup_expr="startswith")
    parent = django_filters.ModelChoiceFilter(queryset=_visible_areas)
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Area
        fields = ["level", "parent", "code", "name"]

    def filter_level(self, queryset, name, value):
        level = LEVEL_BY_NAME[value] if value in LEVEL_BY_NAME else int(value)
        return queryset.filter(level=level)


class PageParameters(serializers.Serializer):
    """For the schema of an action that pages like a list (the GeoJSON one)."""

    cursor = serializers.CharField(
        required=False, allow_blank=True, help_text="From a next or previous link."
    )
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=CodeCursorPagination.max_page_size
    )


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
    action_permissions = {"locate": "view"}  # a batch of points is POSTed, but only read

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
        parameters=[PageParameters, WholeMapSerializer],
        filters=True,
        responses={
            200: inline_serializer(
                "AreaFeatureCollection",
                {
                    "type": serializers.ChoiceField(choices=["FeatureCollection"]),
                    "features": inline_serializer(
                        "AreaFeature",
                        {
                            "type": serializers.ChoiceField(choices=["Feature"]),
                            "id": serializers.IntegerField(),
                            "geometry": serializers.JSONField(allow_null=True),
                            "properties": AreaSummarySerializer(),
                        },
                        many=True,
                    ),
                    "next": serializers.URLField(allow_null=True),
                    "previous": serializers.URLField(allow_null=True),
                },
            )
        },
        description="The same list as GeoJSON: a FeatureCollection, one Feature per area. "
        "Paginated like the list; with ?all=1 the whole list at once, `next` null.",
    )
    @action(detail=False, methods=["get"])
    def geojson(self, request):
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
        methods=["GET"],
        parameters=[PointSerializer],
        responses={200: GridLookupSerializer},
        description="Which grid is this point in? (WGS84 degrees)",
    )
    @extend_schema(
        methods=["POST"],
        request=PointBatchSerializer,
        responses={200: GridLookupBatchSerializer},
        description='Which grid is each point in? {"points": [[lon, lat], ...]}; the answers '
        "come in the same order.",
    )
    @action(detail=False, methods=["get", "post"])
    def locate(self, request):
        if request.method == "GET":
            point = PointSerializer(data=request.query_params)
            point.is_valid(raise_exception=True)
            grid = selectors.grid_locate(
                user=request.user, token=request_token(request), **point.validated_data
            )
            return Response(locate_answer(grid))
        batch = PointBatchSerializer(data=request.data)
        batch.is_valid(raise_exception=True)
        grids = selectors.grid_locate_many(
            user=request.user, token=request_token(request), points=batch.validated_data["points"]
        )
        return Response({"results": locate_answers(grids)})


# --- Units ----------------------------------------------------------------------------------


class UnitPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")
    phone = serializers.CharField()


class UnitSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    lead = UnitPersonSerializer(allow_null=True)
    first_responsible = UnitPersonSerializer(allow_null=True)
    reporting_leader = UnitPersonSerializer(allow_null=True)
    liaison = UnitPersonSerializer(allow_null=True)

    class Meta:
        model = Unit
        fields = [
            "id",
            "name",
            "kind",
            "kind_display",
            "area",
            "phone",
            "active",
            "organisation",
            "lead",
            "first_responsible",
            "reporting_leader",
            "liaison",
        ]
        read_only_fields = fields


class UnitFilter(PortalFilterSet):
    kind = django_filters.ChoiceFilter(choices=UnitKind.choices)
    area = django_filters.ModelChoiceFilter(queryset=_visible_areas)
    active = BooleanFilter()

    class Meta:
        model = Unit
        fields = ["kind", "area", "active"]


class UnitViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """The units of the caller's scope (offices, member departments, reporting enterprises)
    with the people each names; administrators keep them in the admin."""

    base_queryset = Unit.objects.select_related(
        "lead", "first_responsible", "reporting_leader", "liaison"
    )
    serializer_class = UnitSerializer
    filterset_class = UnitFilter
    pagination_class = IdCursorPagination
