/* Area maps: the boundary of one area with its sub-areas, and the drill-down map.
   No tile server is assumed (the portal works offline); boundaries are drawn on a plain
   background, and tiles are added only when the LEAFLET_CONFIG setting names them. */
(function () {
  "use strict";

  const STYLE = { color: "#1f5fa8", weight: 2, fillOpacity: 0.12 };
  const OUTLINE = { color: "#c0392b", weight: 3, fill: false };

  function newMap(element) {
    const map = L.map(element, { zoomSnap: 0.25 });
    const source = document.getElementById("map-tiles");  // from settings.MAP_TILES_URL
    const tiles = source ? JSON.parse(source.textContent) : [];
    tiles.forEach((t) => L.tileLayer(t.url, t.options).addTo(map));
    return map;
  }

  // Follows `next` for a paginated answer; the whole-map answer (?all=1) has none.
  async function fetchAll(url) {
    const features = [];
    while (url) {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) throw new Error(response.status + " " + url);
      const page = await response.json();
      features.push(...page.features);
      url = page.next;
    }
    return { type: "FeatureCollection", features: features.filter((f) => f.geometry) };
  }

  // Area names are data, never markup: Leaflet would read a string as HTML.
  function text(tag, content) {
    const node = document.createElement(tag);
    node.textContent = content;
    return node;
  }

  function label(layer, feature) {
    layer.bindTooltip(text("span", feature.properties.name), { permanent: true, direction: "center", className: "area-label" });
    // The polygon itself carries its name: for assistive technology and for tests.
    layer.on("add", () => {
      const path = layer.getElement();
      if (path) { path.setAttribute("data-name", feature.properties.name); path.setAttribute("aria-label", feature.properties.name); }
    });
  }

  async function areaDetailMap(element) {
    const map = newMap(element);
    const own = JSON.parse(document.getElementById("area-boundary").textContent);
    const bounds = L.latLngBounds([]);
    if (own) {
      const outline = L.geoJSON(own, { style: OUTLINE }).addTo(map);
      bounds.extend(outline.getBounds());
    }
    const children = await fetchAll(element.dataset.childrenUrl);
    const layer = L.geoJSON(children, {
      style: STYLE,
      onEachFeature: (feature, l) => {
        label(l, feature);
        l.on("click", () => { window.location.href = element.dataset.detailUrl.replace("/0/", "/" + feature.id + "/"); });
      },
    }).addTo(map);
    if (children.features.length) bounds.extend(layer.getBounds());
    if (bounds.isValid()) map.fitBounds(bounds); else map.setView([30.27, 120.15], 12);
    element.dataset.loaded = children.features.map((f) => f.properties.name).join("|");
  }

  function drillMap(element) {
    const map = newMap(element);
    const trail = document.getElementById("map-trail");
    const up = document.getElementById("map-up");
    const gridLevel = Number(element.dataset.gridLevel);
    const detailUrl = (id) => element.dataset.detailUrl.replace("/0/", "/" + id + "/");
    const stack = [];
    let layer = null;
    let loads = 0;

    function renderTrail() {
      trail.innerHTML = "";
      const items = [{ name: element.dataset.rootName }].concat(stack.map((s) => s.area));
      items.forEach((item, index) => {
        const li = document.createElement("li");
        li.className = "breadcrumb-item";
        if (index === items.length - 1) { li.textContent = item.name; li.classList.add("active"); }
        else {
          const a = document.createElement("a");
          a.href = "#"; a.textContent = item.name;
          a.addEventListener("click", (e) => { e.preventDefault(); stack.length = index; show(); });
          li.appendChild(a);
        }
        trail.appendChild(li);
      });
      up.hidden = stack.length === 0;
    }

    async function show() {
      const current = stack[stack.length - 1];
      const query = current ? "?parent=" + current.area.id : "?level=" + element.dataset.rootLevel;
      const ticket = ++loads;
      // One cached answer per level (revalidated by its ETag), not pages of 500.
      const collection = await fetchAll(element.dataset.geojsonUrl + query + "&all=1");
      if (ticket !== loads) return; // a later click asked for another level meanwhile
      if (layer) map.removeLayer(layer);
      layer = L.geoJSON(collection, {
        style: STYLE,
        onEachFeature: (feature, l) => {
          label(l, feature);
          const area = feature.properties;
          if (area.level === gridLevel) {
            // A grid is the bottom of the tree: its popup links to the grid page.
            const popup = document.createElement("div");
            const link = text("a", element.dataset.openLabel);
            link.href = detailUrl(area.id);
            link.dataset.testid = "open-grid";
            popup.append(text("strong", area.name), document.createElement("br"), link);
            l.bindPopup(popup);
          } else {
            l.on("click", () => { stack.push({ area: area }); show(); });
          }
        },
      }).addTo(map);
      // No animation: the new level is in view at once, and "loaded" means ready to click.
      if (collection.features.length) map.fitBounds(layer.getBounds(), { animate: false });
      else map.setView([30.27, 120.15], 12, { animate: false });
      element.dataset.loaded = collection.features.map((f) => f.properties.name).join("|");
      renderTrail();
    }

    up.addEventListener("click", (e) => { e.preventDefault(); stack.pop(); show(); });
    show();
  }

  document.addEventListener("DOMContentLoaded", () => {
    const detail = document.getElementById("area-map");
    if (detail) areaDetailMap(detail);
    const drill = document.getElementById("drill-map");
    if (drill) drillMap(drill);
  });
})();
