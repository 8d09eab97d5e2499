/* The phone's location for a visit being logged: asked for once when the form opens (the
   browser asks the person first), put in the form's hidden fields, and its state shown.
   No inline script: the Content-Security-Policy allows none. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", () => {
    const form = document.querySelector("form[data-geolocate]");
    if (!form) return;
    const state = form.querySelector("[data-testid=location-state]");
    const field = (name) => form.querySelector(`input[name=${name}]`);
    const show = (text, kind) => {
      state.textContent = "";
      const span = document.createElement("span");
      span.className = kind;
      span.textContent = text;
      state.appendChild(span);
      state.dataset.state = kind === "text-success" ? "captured" : kind === "text-muted" ? "unavailable" : "locating";
    };
    const unavailable = () => show(form.dataset.unavailable, "text-muted");
    if (field("latitude").value && field("longitude").value) {
      show(form.dataset.captured, "text-success");  // kept from a form shown again with errors
      return;
    }
    if (!("geolocation" in navigator)) {
      unavailable();
      return;
    }
    show(form.dataset.locating, "text-secondary");
    navigator.geolocation.getCurrentPosition(
      (position) => {
        const { latitude, longitude, accuracy } = position.coords;
        field("latitude").value = latitude.toFixed(6);
        field("longitude").value = longitude.toFixed(6);
        field("location_accuracy").value = Math.round(accuracy);
        show(`${form.dataset.captured} (±${Math.round(accuracy)} m)`, "text-success");
      },
      unavailable,
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
    );
  });
})();
