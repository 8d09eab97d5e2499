/* Behaviour of every page, kept out of the markup: the Content-Security-Policy allows no
   inline script or event handler. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", () => {
    // The language menu applies at once (the <noscript> button does it without script).
    const language = document.getElementById("language");
    if (language) language.addEventListener("change", () => language.form.submit());
  });
})();
