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

  // leaflet.draw ships English only; the admin speaks the user's language.
  function localiseDraw() {
    if (!(document.documentElement.lang || "").toLowerCase().startsWith("zh")) return;
    const d = L.drawLocal.draw, e = L.drawLocal.edit;
    d.toolbar.actions = { title: "取消绘制", text: "取消" };
    d.toolbar.finish = { title: "完成绘制", text: "完成" };
    d.toolbar.undo = { title: "删除最后一个点", text: "删除最后一点" };
    d.toolbar.buttons.polygon = "画多边形边界";
    d.toolbar.buttons.rectangle = "画矩形边界";
    d.handlers.polygon.tooltip = { start: "点击开始画边界", cont: "点击继续画边界", end: "点击第一个点闭合边界" };
    d.handlers.rectangle.tooltip = { start: "按住鼠标拖动画矩形" };
    d.handlers.simpleshape.tooltip = { end: "松开鼠标完成绘制" };
    d.handlers.polyline.error = "<strong>错误：</strong>边界不能自相交！";
    e.toolbar.actions.save = { title: "保存修改", text: "保存" };
    e.toolbar.actions.cancel = { title: "放弃修改", text: "取消" };
    e.toolbar.actions.clearAll = { title: "清除全部图形", text: "全部清除" };
    e.toolbar.buttons = { edit: "编辑边界", editDisabled: "没有可编辑的边界", remove: "删除边界", removeDisabled: "没有可删除的边界" };
    e.handlers.edit.tooltip = { text: "拖动顶点修改边界", subtext: "点击取消放弃修改" };
    e.handlers.remove.tooltip = { text: "点击要删除的图形" };
  }

  function init(widget) {
    const textarea = widget.querySelector("textarea");
    const map = L.map(widget.querySelector(".boundary-map"));
    const bounds = L.latLngBounds([]);
    const context = JSON.parse(widget.dataset.context || '{"features": []}');
    if (context.features.length) {
      const reference = L.geoJSON(context, {
        style: (f) => ({ color: f.properties.role === "parent" ? "#c0392b" : "#7f8c8d", weight: 2, dashArray: "6 4", fill: false }),
        // Names are data, never markup: Leaflet reads a string as HTML.
        onEachFeature: (f, l) => {
          l.bindTooltip(Object.assign(document.createElement("span"), { textContent: f.properties.name }));
          // Each reference shape carries its name: for assistive technology and for tests.
          l.on("add", () => l.getElement().setAttribute("data-name", f.properties.name));
        },
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
    localiseDraw();
    document.querySelectorAll(".boundary-widget").forEach(init);
  });
})();
