// The query UI: YASGUI replaces the plain form once its script has loaded. Without JavaScript, or where YASGUI
// is not installed, this file does not run and the form (server-rendered results) stays.
//
// What it changes in YASGUI, and why:
// - completion comes from this site only: YASQE's own class and property completers ask another site
//   (lov.linkeddata.es), and listing them "off" in the config does not remove them (its defaults are merged
//   in by position), so the default list itself is replaced by completers reading /sparql/vocabulary (the
//   dataset's classes and properties, the predeclared prefixes) and /suggest (names of things);
// - the starting query is YASGUI's default for a new tab, so a query a share link carries wins over it;
// - IRIs in results link to their pages here and show their names in the reader's language, asked once
//   per table from /sparql/labels;
// - the editor is labelled, says how to leave it with the keyboard, and YASGUI's parts this page does not
//   use (tabs, endpoint field) are hidden, the endpoint being this one.
(function () {
  "use strict";
  var configElement = document.getElementById("sparql-config");
  var form = document.getElementById("plain-form");
  var area = document.getElementById("sparql-editor");
  var mount = document.getElementById("yasgui");
  if (!configElement || !form || !area || !mount || typeof window.Yasgui === "undefined") return;
  var config = JSON.parse(configElement.textContent);
  var words = config.words;
  var Yasqe = window.Yasqe;
  var Yasr = window.Yasr;
  var endpoint = form.action; // this endpoint, absolute, on whatever host the page came from

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function postJson(url, body) {
    return fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })
      .then(function (response) { if (!response.ok) throw new Error(response.statusText); return response.json(); });
  }

  // ---------------------------------------------------------------------------------------------
  // Completion, from this site only

  var vocabulary = null; // a promise of {prefixes, terms}, asked on first use
  function loadVocabulary() {
    if (!vocabulary) {
      vocabulary = fetch(config.vocabulary).then(function (response) { return response.json(); })
        .catch(function () { vocabulary = null; return { prefixes: {}, terms: [] }; });
    }
    return vocabulary;
  }

  // name -> namespace: the query's own PREFIX lines win over the predeclared ones.
  function prefixesFor(yasqe, predeclared) {
    var prefixes = {};
    Object.keys(predeclared).forEach(function (name) { prefixes[name] = predeclared[name]; });
    var own = yasqe.getPrefixesFromQuery();
    Object.keys(own).forEach(function (name) { prefixes[name] = own[name]; });
    return prefixes;
  }

  function shortForm(iri, prefixes) {
    var best = null;
    Object.keys(prefixes).forEach(function (name) {
      var namespace = prefixes[name];
      if (namespace && iri.indexOf(namespace) === 0 && /^[A-Za-z_][\w.-]*$/.test(iri.slice(namespace.length)) &&
          (best === null || namespace.length > prefixes[best].length)) best = name;
    });
    return best === null ? "<" + iri + ">" : best + ":" + iri.slice(prefixes[best].length);
  }

  var hintLabels = {}; // completion text -> the name shown beside it

  function termCompleter(kind, base) {
    return {
      name: "site-" + kind,
      bulk: false,
      autoShow: true,
      persistenceId: null,
      isValidCompletionPosition: function (yasqe) {
        var position = positionOf(yasqe);
        return position ? position === kind : Yasqe.Autocompleters[base].isValidCompletionPosition(yasqe);
      },
      preProcessToken: function (_yasqe, token) { token.autocompletionString = token.string.trim(); return token; },
      postProcessSuggestion: function (_yasqe, _token, suggestion) { return suggestion; },
      postprocessHints: labelHints,
      get: function (yasqe, token) {
        var typed = ((token && token.autocompletionString) || "").toLowerCase();
        return loadVocabulary().then(function (data) {
          var prefixes = prefixesFor(yasqe, data.prefixes);
          var found = [];
          data.terms.forEach(function (term) {
            if (term.kind !== kind) return;
            var text = shortForm(term.iri, prefixes);
            var local = text.charAt(0) === "<" ? "" : text.slice(text.indexOf(":") + 1).toLowerCase();
            var name = (term.name || "").toLowerCase();
            if (!typed || text.toLowerCase().indexOf(typed) === 0 || ("<" + term.iri.toLowerCase()).indexOf(typed) === 0 ||
                (typed.indexOf(":") < 0 && typed.charAt(0) !== "<" && (local.indexOf(typed) === 0 || name.indexOf(typed) === 0))) {
              if (term.name) hintLabels[text] = term.name;
              found.push(text);
            }
          });
          return found.sort().slice(0, 100);
        });
      }
    };
  }

  // "property" or "class" where the text before the word being typed says so; else YASQE's grammar decides.
  // (YASQE's keeps "a" as the last property past ";" and ".": it would offer classes where a property goes.)
  function positionOf(yasqe) {
    var cursor = yasqe.getDoc().getCursor();
    var token = yasqe.getCompleteToken();
    var before = yasqe.getDoc().getRange({ line: Math.max(0, cursor.line - 20), ch: 0 }, { line: cursor.line, ch: token.start })
      .replace(/#[^\n]*/g, " ").replace(/"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g, '""');
    if (/(?:^|\s)(?:a|rdf:type)\s+$/.test(before)) return "class";
    if (/;\s*$/.test(before)) return "property";
    if (/(?:^|[{.}])\s*(?:[?$]\w+|<[^<>\s]*>|[\w.-]*:[\w.-]*)\s+$/.test(before)) return "property";
    return null;
  }

  function labelHints(_yasqe, hints) {
    hints.forEach(function (hint) {
      if (hintLabels[hint.text]) hint.displayText = hint.text + " — " + hintLabels[hint.text];
    });
    return hints;
  }

  var prefixCompleter = {
    name: "site-prefixes",
    bulk: false,
    autoShow: true,
    persistenceId: null,
    isValidCompletionPosition: Yasqe.Autocompleters.prefixes.isValidCompletionPosition,
    preProcessToken: Yasqe.Autocompleters.prefixes.preProcessToken,
    postProcessSuggestion: function (_yasqe, _token, suggestion) { return suggestion; },
    get: function (_yasqe, token) {
      var typed = ((token && token.string) || "").trim().toLowerCase();
      return loadVocabulary().then(function (data) {
        return Object.keys(data.prefixes).map(function (name) { return name + ": <" + data.prefixes[name] + ">"; })
          .filter(function (line) { return line.toLowerCase().indexOf(typed) === 0; });
      });
    }
  };

  // After "<", names of things of this dataset, from the search box's own suggestions.
  var entityCompleter = {
    name: "site-entities",
    bulk: false,
    autoShow: true,
    persistenceId: null,
    isValidCompletionPosition: function (yasqe) {
      var token = yasqe.getCompleteToken();
      return /^<[^<>\s:/]{2,}$/.test(token.string);
    },
    preProcessToken: function (_yasqe, token) { token.autocompletionString = token.string.slice(1); return token; },
    postProcessSuggestion: function (_yasqe, _token, suggestion) { return suggestion; },
    postprocessHints: labelHints,
    get: function (_yasqe, token) {
      var url = config.suggest + "?" + new URLSearchParams({ q: token.autocompletionString, lang: config.lang });
      return fetch(url).then(function (response) { return response.json(); }).then(function (data) {
        return data.results.map(function (hit) {
          var text = "<" + hit.id + ">";
          hintLabels[text] = hit.name + (hit.kind ? " (" + hit.kind + ")" : "");
          return text;
        });
      }).catch(function () { return []; });
    }
  };

  // Replace the default completers (which include the two that ask lov.linkeddata.es) by this site's.
  Yasqe.defaults.autocompleters.splice(0, Yasqe.defaults.autocompleters.length);
  Yasqe.defaults.prefixCcApi = null;
  Yasqe.registerAutocompleter(prefixCompleter, true);
  Yasqe.registerAutocompleter(termCompleter("property", "property"), true);
  Yasqe.registerAutocompleter(termCompleter("class", "class"), true);
  Yasqe.registerAutocompleter(entityCompleter, true);
  Yasqe.defaults.autocompleters.push("variables");
  var ours = Yasqe.defaults.autocompleters.slice();

  // ---------------------------------------------------------------------------------------------
  // Results: names beside IRIs, links to this site's pages

  var labels = {}; // IRI -> {name, lang, href}, or {} once asked and unnamed
  var Table = Yasr.plugins.table;
  Table.prototype.getUriLinkFromBinding = function (binding, prefixes) {
    var iri = binding.value;
    var known = labels[iri] || {};
    var text = shortForm(iri, prefixes || {});
    var href = known.href || (/^https?:/i.test(iri) ? iri : null);
    var kind = text.charAt(0) === "<" ? "iri whole-iri" : "iri"; // a whole IRI may break anywhere, a prefixed name not
    var link = href ? '<a class="' + kind + '" href="' + escapeHtml(href) + '">' + escapeHtml(text) + "</a>" : escapeHtml(text);
    var name = known.name ? ' <span class="iri-label"' + (known.lang && known.lang !== config.lang ?
      ' lang="' + escapeHtml(known.lang) + '"' : "") + ">" + escapeHtml(known.name) + "</span>" : "";
    return link + name;
  };

  // Whole cells by default, names included: YASR's ellipsis would cut them off (it stays a switch away).
  var draw = Table.prototype.draw;
  Table.prototype.draw = function (settings) {
    return draw.call(this, Object.assign({ isEllipsed: false }, settings || {}));
  };

  function irisOf(yasr) {
    var results = yasr.results;
    var bindings = results && !results.hasError() && results.getBindings ? results.getBindings() : null;
    var iris = {};
    (bindings || []).forEach(function (row) {
      Object.keys(row).forEach(function (variable) {
        if (row[variable] && row[variable].type === "uri" && !(row[variable].value in labels)) iris[row[variable].value] = true;
      });
    });
    return Object.keys(iris);
  }

  function fixResultsControls(yasr) {
    var root = yasr.rootEl;
    root.querySelectorAll("select.tableSizer").forEach(function (select) { select.setAttribute("aria-label", words.page_size); });
    root.querySelectorAll(".pageSizerLabel").forEach(function (label) { label.textContent = words.page_size + " "; });
    var switches = root.querySelectorAll(".tableControls .switch .label");
    if (switches.length === 2) { switches[0].textContent = words.simple_view; switches[1].textContent = words.ellipsis; }
    root.querySelectorAll("input.tableFilter").forEach(function (input) {
      input.setAttribute("aria-label", words.filter);
      input.placeholder = words.filter;
    });
    root.querySelectorAll("th").forEach(function (cell) {
      if (!cell.textContent.trim()) { cell.textContent = "#"; cell.title = words.row; }
    });
    // YASR writes its buttons and its count of results in English: the page's language instead.
    [["table", words.view_table], ["response", words.view_response]].forEach(function (view) {
      root.querySelectorAll(".yasr_btn.select_" + view[0]).forEach(function (button) {
        var label = button.querySelector("span");
        if (label) label.textContent = view[1];
        button.title = view[1];
        button.setAttribute("aria-label", words.show_view.replace("{view}", view[1]));
      });
    });
    root.querySelectorAll(".yasr_downloadIcon").forEach(function (button) {
      button.title = words.download;
      button.setAttribute("aria-label", words.download);
    });
    var chip = root.querySelector(".yasr_response_chip");
    var results = yasr.results;
    if (chip && results && !results.hasError()) {
      var bindings = results.getBindings ? results.getBindings() : null;
      var said = [];
      if (bindings) said.push(bindings.length === 1 ? words.result_one : words.results.replace("{count}", bindings.length.toLocaleString(document.documentElement.lang)));
      var time = results.getResponseTime ? results.getResponseTime() : null;
      if (time) said.push(words.in_seconds.replace("{seconds}", (time / 1000).toLocaleString(document.documentElement.lang)));
      if (said.length) chip.textContent = said.join(" ");
    }
    // Wide results scroll in their own box, which the keyboard can reach.
    root.querySelectorAll(".dataTables_wrapper, .dt-container").forEach(function (box) {
      box.classList.add("results-scroll");
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", words.results || "Results");
    });
  }

  function watchResults(yasr) {
    if (!yasr || yasr.coopgraphWatched) return;
    yasr.coopgraphWatched = true;
    yasr.on("drawn", function () {
      fixResultsControls(yasr);
      var wanted = irisOf(yasr);
      if (!wanted.length) return;
      wanted.forEach(function (iri) { labels[iri] = {}; }); // asked: not again, named or not
      postJson(config.labels, { iris: wanted }).then(function (data) {
        Object.keys(data.labels).forEach(function (iri) { labels[iri] = data.labels[iri]; });
        yasr.draw();
      }).catch(function () {});
    });
  }

  // ---------------------------------------------------------------------------------------------
  // The editor

  form.hidden = true;
  area.hidden = false; // shown before CodeMirror measures itself, or it draws one line until clicked
  if (config.run) { // the editor runs the query itself, below
    document.querySelectorAll("[data-server-result]").forEach(function (element) { element.hidden = true; });
  }

  var yasgui = new window.Yasgui(mount, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    persistenceId: null,
    autofocus: false, // the page starts at its top, not in the editor (a screen reader reads the page first)
    // A share link (#query=…) opens with its query and results; it may only ever ask this endpoint.
    populateFromUrl: config.run ? false : function (tab) {
      tab.requestConfig.endpoint = endpoint;
      tab.requestConfig.args = [];
      tab.requestConfig.headers = {};
      return tab;
    },
    yasqe: { value: config.query, autocompleters: ours, inputStyle: "contenteditable", editorHeight: "320px" },
    yasr: { prefixes: config.prefixes }
  });
  yasgui.config.requestConfig.args = []; // what the page's own URL said (lang=…) is not a query argument

  var notice = document.getElementById("yasgui-truncated");
  function prepare(tab) {
    var yasqe = tab && tab.getYasqe();
    if (!yasqe || yasqe.coopgraphReady) return;
    yasqe.coopgraphReady = true;
    ours.forEach(function (name) { if (!yasqe.autocompleters[name]) yasqe.enableCompleter(name); });
    Object.keys(yasqe.autocompleters).forEach(function (name) {
      if (ours.indexOf(name) < 0) yasqe.disableCompleter(name);
    });
    var input = yasqe.getInputField();
    input.setAttribute("aria-labelledby", "sparql-editor-label");
    input.setAttribute("aria-describedby", "sparql-keyboard-hint sparql-prefixes-note");
    input.setAttribute("role", "textbox");
    input.setAttribute("aria-multiline", "true");
    var refresh = function () { yasqe.refresh(); };
    window.requestAnimationFrame(refresh);
    if (document.fonts && document.fonts.ready) document.fonts.ready.then(refresh);
    // A cut result carries the header Coopgraph-Result-Truncated: max-rows=N; YASGUI would not say so.
    yasqe.on("queryResponse", function (_instance, response) {
      var cut = response && response.headers && response.headers.get ? response.headers.get("Coopgraph-Result-Truncated") : null;
      notice.hidden = !cut;
      if (cut) notice.textContent = words.truncated.replace("{rows}", cut.split("=")[1]);
    });
    watchResults(tab.getYasr());
  }
  prepare(yasgui.getTab());
  yasgui.on("tabSelect", function () { prepare(yasgui.getTab()); });
  yasgui.on("tabAdd", function () { prepare(yasgui.getTab()); });
  yasgui.on("query", function (_instance, tab) { prepare(tab); });
  if (config.run) yasgui.getTab().query().catch(function () {});

  // Example links load the query into the editor instead of running it on a new page.
  document.querySelectorAll("a[data-example]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var query = config.examples && config.examples[link.getAttribute("data-example")];
      if (query === undefined) return;
      event.preventDefault();
      yasgui.getTab().getYasqe().setValue(query);
      area.scrollIntoView({ behavior: "smooth" });
    });
  });
})();
