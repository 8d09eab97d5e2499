import json

from django import forms


class BoundaryMapWidget(forms.Textarea):
    """Draw or edit a GeoJSON boundary on a Leaflet map (leaflet.draw, shipped by
    django-leaflet), stored in a plain JSONField: no GeoDjango, no GDAL."""

    template_name = "grid/widgets/boundary_map.html"

    class Media:
        css = {"all": ["leaflet/leaflet.css", "leaflet/draw/leaflet.draw.css", "css/portal.css"]}
        js = ["leaflet/leaflet.js", "leaflet/draw/leaflet.draw.js", "js/boundary_widget.js"]

    def __init__(self, *args, context_features: list | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.context_features = context_features or []

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["context_geojson"] = json.dumps(
            {"type": "FeatureCollection", "features": self.context_features}, ensure_ascii=False
        )
        return context
