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

  // A cut result carries the header Coopgraph-Result-Truncated: max-rows=N; YASGUI would not say so.
  var notice = document.getElementById("yasgui-truncated");
  function watch(tab) {
    var yasqe = tab && tab.getYasqe();
    if (!yasqe || yasqe.coopgraphWatched) return;
    yasqe.coopgraphWatched = true;
    yasqe.on("queryResponse", function (_instance, response) {
      var cut = response && response.headers && response.headers.get ? response.headers.get("Coopgraph-Result-Truncated") : null;
      notice.hidden = !cut;
      if (cut) {
        notice.textContent = "Only the first " + cut.split("=")[1] + " rows are shown: the results were cut at " +
          "this endpoint's row limit. Add a LIMIT or narrow the query to see the rest.";
      }
    });
  }
  watch(yasgui.getTab());
  yasgui.on("query", function (_instance, tab) { watch(tab); });

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
