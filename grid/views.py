from django.shortcuts import get_object_or_404, render

from governance.views import portal_login_required
from grid import selectors
from grid.models import AreaLevel, UnitKind


def _visible_area(request, pk: int):
    # Out of scope is "not found": a page never confirms that an area it hides exists.
    return get_object_or_404(selectors.area_list(user=request.user), pk=pk)


@portal_login_required
def area_tree(request):
    return render(
        request, "grid/area_tree.html", {"areas": selectors.area_roots(user=request.user)}
    )


@portal_login_required
def area_children(request, pk: int):
    """The children of one node of the tree list, loaded by htmx when it is opened."""
    area = _visible_area(request, pk)
    return render(
        request,
        "grid/_area_nodes.html",
        {"areas": selectors.area_children(user=request.user, area=area)},
    )


@portal_login_required
def area_detail(request, pk: int):
    area = _visible_area(request, pk)
    context = {
        "area": area,
        "ancestors": selectors.area_ancestors(user=request.user, area=area),
        "children": selectors.area_children(user=request.user, area=area),
        "team": selectors.grid_team(user=request.user, grid=area) if area.is_grid else None,
    }
    return render(request, "grid/area_detail.html", context)


@portal_login_required
def area_map(request):
    roots = list(selectors.area_roots(user=request.user))
    return render(
        request,
        "grid/area_map.html",
        {"roots": roots, "grid_level": AreaLevel.GRID},
    )


@portal_login_required
def unit_list(request):
    kind = request.GET.get("kind") or None
    if kind not in UnitKind.values:
        kind = None
    return render(
        request,
        "grid/unit_list.html",
        {
            "units": selectors.unit_list(user=request.user, kind=kind),
            "kinds": UnitKind.choices,
            "kind": kind,
        },
    )


@portal_login_required
def unit_detail(request, pk: int):
    unit = get_object_or_404(selectors.unit_list(user=request.user), pk=pk)
    named = [
        (unit._meta.get_field(field).verbose_name, getattr(unit, field))
        for field in unit.NAMED_PEOPLE
    ]
    context = {
        "unit": unit,
        "named": named,
        "missing": unit.names_missing(),
        "members": selectors.unit_members(user=request.user, unit=unit),
    }
    return render(request, "grid/unit_detail.html", context)
