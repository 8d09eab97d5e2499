from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from governance.scoping import in_scope, visible_to
from grid.models import Area, AreaLevel
from grid.services import area_validate
from grid.widgets import BoundaryMapWidget


def context_feature(area: Area, role: str) -> dict:
    return {
        "type": "Feature",
        "geometry": area.boundary,
        "properties": {"name": area.name, "role": role},
    }


class AreaForm(forms.ModelForm):
    """Area editing in the admin. Validation is the service's, so the messages are the same
    as in the API; saving goes through the services as well (see AreaAdmin.save_model)."""

    boundary = forms.JSONField(
        label=Area._meta.get_field("boundary").verbose_name,
        required=False,
        widget=BoundaryMapWidget,
    )

    class Meta:
        model = Area
        fields = ["name", "level", "code", "parent", "boundary", "expected_households"]

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        if "parent" in self.fields:
            self.fields["parent"].queryset = visible_to(
                actor, Area.objects.exclude(level=AreaLevel.GRID)
            )
        if self.instance.pk and "level" in self.fields:  # the read-only page has no fields
            self.fields["level"].disabled = True
            self.fields["boundary"].widget.context_features = self._context_features()

    def _context_features(self) -> list[dict]:
        """The parent and neighbours drawn for reference: only those in the actor's scope."""
        area = self.instance
        features = []
        if area.parent and area.parent.boundary and in_scope(self.actor, area.parent):
            features.append(context_feature(area.parent, "parent"))
        siblings = visible_to(
            self.actor, Area.objects.filter(parent=area.parent_id, boundary__isnull=False)
        ).exclude(pk=area.pk)
        features += [context_feature(sibling, "sibling") for sibling in siblings]
        return features

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        area = self.instance
        # The admin offers what the service would refuse (a district to a non-superuser):
        # say so on the form, not with a 403 page after it validated.
        if not self.actor.has_perm("grid.change_area" if area.pk else "grid.add_area", area):
            self.add_error(None, _("You are not allowed to do this in this area."))
            return
        changed = "boundary" in self.changed_data or "parent" in self.changed_data
        try:
            area_validate(area, actor=self.actor, boundary_changed=changed or not area.pk)
        except ValidationError as error:
            self._update_errors(error)
