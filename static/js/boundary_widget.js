/* Admin widget: draw or edit an area's GeoJSON boundary with leaflet.draw. The parent and
   neighbouring areas are drawn dashed for reference; the textarea holds the geometry. */
(function () {
  "use strict";

  function toGeometry(group) {
    const polygons = [];
    group.eachLayer((layer) => {
      const geometry = layer.toGeoJSON().geometry;
      if (geometry.type === "Polygon") polygons.push(geometry.coordinates);
      if (geometry.type === "MultiPolygon") polygons.push(...geometry.coordinates);
    });
    if (!polygons.length) return "";
    const geometry = polygons.length === 1
      ? { type: "Polygon", coordinates: polygons[0] }
      : { type: "MultiPolygon", coordinates: polygons };
    return JSON.stringify(geometry);
  }

  function init(widget) {
    const textarea = widget.querySelector("textarea");
    const map = L.map(widget.querySelector(".boundary-map"));
    const bounds = L.latLngBounds([]);
    const context = JSON.parse(widget.dataset.context || '{"features": []}');
    if (context.features.length) {
      const reference = L.geoJSON(context, {
        style: (f) => ({ color: f.properties.role === "parent" ? "#c0392b" : "#7f8c8d", weight: 2, dashArray: "6 4", fill: false }),
        onEachFeature: (f, l) => l.bindTooltip(f.properties.name),
      }).addTo(map);
      bounds.extend(reference.getBounds());
    }
    const drawn = new L.FeatureGroup().addTo(map);
    if (textarea.value.trim()) {
      try {
        L.geoJSON(JSON.parse(textarea.value)).eachLayer((layer) => {
          // Each polygon of a MultiPolygon becomes its own editable layer.
          const geometry = layer.toGeoJSON().geometry;
          const parts = geometry.type === "MultiPolygon" ? geometry.coordinates : [geometry.coordinates];
          parts.forEach((coordinates) => {
            drawn.addLayer(L.polygon(coordinates.map((ring) => ring.map(([x, y]) => [y, x]))));
          });
        });
        if (drawn.getLayers().length) bounds.extend(drawn.getBounds());
      } catch (error) { /* unreadable JSON: the form's error message says why */ }
    }
    map.addControl(new L.Control.Draw({
      edit: { featureGroup: drawn },
      // showArea off: leaflet.draw 1.0.4 throws "type is not defined" computing the area label.
      draw: { polygon: { allowIntersection: false, showArea: false }, polyline: false, rectangle: { showArea: false }, circle: false, marker: false, circlemarker: false },
    }));
    const sync = () => { textarea.value = toGeometry(drawn); };
    map.on(L.Draw.Event.CREATED, (e) => { drawn.addLayer(e.layer); sync(); });
    map.on(L.Draw.Event.EDITED, sync);
    map.on(L.Draw.Event.DELETED, sync);
    if (bounds.isValid()) map.fitBounds(bounds); else map.setView([30.27, 120.15], 12);
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll(".boundary-widget").forEach(init);
  });
})();
