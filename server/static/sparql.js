// The query UI: YASGUI replaces the plain form once its script has loaded. Without JavaScript, or
// where YASGUI is not installed, this file does not run and the form (server-rendered results) stays.
(function () {
  "use strict";
  var configElement = document.getElementById("sparql-config");
  var form = document.getElementById("plain-form");
  var mount = document.getElementById("yasgui");
  if (!configElement || !form || !mount || typeof window.Yasgui === "undefined") return;
  var config = JSON.parse(configElement.textContent);

  var yasgui = new window.Yasgui(mount, {
    // The form's action is this endpoint on whatever host the page was loaded from.
    requestConfig: { endpoint: form.action, method: "POST" },
    copyEndpointOnNewTab: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: form.action }]; } },
    persistenceId: null,
    // Only completions that need no other server: LOV (classes, properties) would be called out to.
    yasqe: { autocompleters: ["prefixes", "variables"] }
  });
  var editor = yasgui.getTab().getYasqe();
  editor.setValue(config.query);
  editor.addPrefixes(config.prefixes);
  form.hidden = true;
  mount.hidden = false;

  // Example links load the query into the editor instead of running it on a new page.
  document.querySelectorAll("a[data-example]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var query = config.examples[link.getAttribute("data-example")];
      if (query === undefined) return;
      event.preventDefault();
      yasgui.getTab().getYasqe().setValue(query);
      mount.scrollIntoView({ behavior: "smooth" });
    });
  });
})();
