"""Admin cells: ModelAdmin x view x administrator x position. Changelists, forms, their
choices and object views hold only rows in the administrator's scope."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.forms import ModelChoiceField
from django.urls import reverse

from governance.models import User
from grid.models import Area
from tests.factories import area_of
from tests.scoping import routes as declared
from tests.scoping.matrix import ADMIN_CELLS, ADMIN_SPECS
from tests.scoping.world import Actor, admin_model, admin_url


def assert_scoped_choices(actor: Actor, form, where: str) -> None:
    """Every choice a form offers among area-bound rows lies in the actor's scope."""
    meta = getattr(form, "_meta", None)
    own_pk = meta.model._meta.pk.name if meta else None  # a formset's row id: Django scopes it
    for name, form_field in form.fields.items():
        if (
            name != own_pk
            and isinstance(form_field, ModelChoiceField)
            and hasattr(form_field.queryset.model, "scope_path")
        ):
            outside = [obj for obj in form_field.queryset if not actor.covers(area_of(obj))]
            assert not outside, f"{where}: field {name!r} offers {outside[:3]} to {actor.key}"


@pytest.mark.parametrize("cell", ADMIN_CELLS, ids=str)
def test_admin(world, db, cell):
    spec = ADMIN_SPECS[cell.label]
    model = admin_model(cell.label)
    actor = world.actor(cell.actor)
    client = world.page_client(actor.user)

    if not isinstance(spec, declared.ScopedAdmin):
        allowed = actor.everything or isinstance(spec, declared.GlobalAdmin)
        if cell.view == "changelist":
            response = client.get(admin_url(model, "changelist"))
            assert response.status_code == (200 if allowed else 403)
        else:
            existing = model._default_manager.first()
            response = client.get(admin_url(model, "change", existing.pk if existing else 0))
            found = 200 if existing else 302
            assert response.status_code == (found if allowed else 403)
        return

    rows = spec.rows
    if cell.view == "add":
        response = client.get(admin_url(model, "add"))
        expected = 200 if spec.may_add(actor) else 403
        assert response.status_code == expected, (
            f"add: {response.status_code} for {actor.key}; if that is the policy, say so by "
            f"ADMIN_MODELS[{cell.label!r}] = ScopedAdmin(may_add=...) in tests/scoping/routes.py"
        )
        if response.status_code == 200:
            assert_scoped_choices(actor, response.context["adminform"].form, "add form")
        return

    row = world.row_for(rows, actor, cell.position)
    visible = rows.visible(actor, row)
    if cell.view == "changelist":
        # Filtered to the row, so that one row is rendered; the scope check covers them all.
        only_row = {f"{model._meta.pk.name}__exact": row.pk}
        response = client.get(admin_url(model, "changelist"), only_row)
        assert response.status_code == 200
        changelist = response.context["cl"]
        assert changelist.queryset.filter(pk=row.pk).exists() == visible
        leaked = [obj for obj in changelist.root_queryset if not rows.visible(actor, obj)]
        assert not leaked, f"{actor.key}'s changelist holds rows outside its scope: {leaked[:5]}"
        return
    if cell.view in spec.object_routes:
        response = client.get(
            reverse(f"admin:{cell.view}", kwargs={spec.object_routes[cell.view]: row.pk})
        )
        assert response.status_code == (200 if visible else 404)
        return

    response = client.get(admin_url(model, cell.view, row.pk))
    if not visible:  # the admin's "does not exist" answer
        assert response.status_code == 302 and response.url == reverse("admin:index")
        return
    allowed = cell.view != "delete" or spec.may_delete(actor, row)
    assert response.status_code == (200 if allowed else 403), (
        f"{cell.view}: {response.status_code} for {actor.key}; the rule is "
        f"ADMIN_MODELS[{cell.label!r}].may_delete in tests/scoping/routes.py"
        if cell.view == "delete"
        else f"{cell.view}: {response.status_code} for {actor.key}, a row in scope"
    )
    if cell.view == "change":
        # A row in scope that the administrator may not change opens read-only.
        assert response.context["has_change_permission"] == spec.may_change(actor, row)
        assert_scoped_choices(actor, response.context["adminform"].form, "change form")
        for inline in response.context["inline_admin_formsets"]:
            assert_scoped_choices(actor, inline.formset.empty_form, f"inline {inline.opts}")


SCOPED_ADMIN_LABELS = [
    label for label, spec in ADMIN_SPECS.items() if isinstance(spec, declared.ScopedAdmin)
]


@pytest.mark.parametrize("label", SCOPED_ADMIN_LABELS)
def test_street_administrators_changelists_hold_only_rows_inside_their_street(world, db, label):
    spec = ADMIN_SPECS[label]
    actor = world.actor("admin@street_a")
    client = world.page_client(actor.user)
    spec.rows.make(world, world.areas["community_a"], actor)  # at least one row inside
    response = client.get(admin_url(admin_model(label), "changelist"))
    shown = list(response.context["cl"].queryset)
    assert shown
    inside = actor.anchor.path
    outside = [
        obj for obj in shown if not (spec.rows.area_of(obj) or Area()).path.startswith(inside)
    ]
    assert not outside, outside[:5]


@pytest.mark.parametrize("label", SCOPED_ADMIN_LABELS)
def test_admin_view_on_site_does_not_reach_rows_out_of_scope(world, db, label):
    spec = ADMIN_SPECS[label]
    actor = world.actor("admin@street_a")
    row = spec.rows.make(world, world.areas["street_b"], actor)
    content_type = ContentType.objects.get_for_model(row)
    response = world.page_client(actor.user).get(
        reverse("admin:view_on_site", args=[content_type.pk, row.pk])
    )
    assert response.status_code == 404


def test_admin_autocomplete_suggests_only_people_in_scope(world, db):
    actor = world.actor("admin@street_a")
    client = world.page_client(actor.user)
    found, page = [], 1
    while True:
        response = client.get(
            reverse("admin:autocomplete"),
            {
                "app_label": "grid",
                "model_name": "gridteammember",
                "field_name": "user",
                "term": "t_",
                "page": page,
            },
        )
        assert response.status_code == 200
        body = response.json()
        found += [int(result["id"]) for result in body["results"]]
        if not body["pagination"]["more"]:
            break
        page += 1
    people = User.objects.filter(pk__in=found)
    assert world.bystander(world.areas["community_a"]) in people
    assert all(actor.covers(person.home_area) for person in people)
