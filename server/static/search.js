// The search box's suggestions, after the WAI-ARIA 1.2 combobox pattern (a text box controlling a listbox popup):
// as the reader types, names from /suggest on this same site, in the page's language. ArrowDown and ArrowUp move
// through them, Enter opens the active one (or submits the form when none is active), Escape closes the list.
// Without JavaScript the box is a plain form to /search; nothing here asks another host for anything.
(function () {
  "use strict";
  var DELAY_MS = 150; // after the last key press, so typing a word asks once
  var forms = document.querySelectorAll("form[data-suggest]");
  for (var i = 0; i < forms.length; i++) setUp(forms[i], i);

  function setUp(form, number) {
    var input = form.querySelector("input[name=q]");
    if (!input || !window.fetch || !window.URL) return;
    var listId = "search-suggestions-" + number;
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", form.getAttribute("data-list") || "");
    list.hidden = true;
    var status = document.createElement("p"); // says how many, for screen readers
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    form.appendChild(list);
    form.appendChild(status);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);
    input.setAttribute("autocomplete", "off");

    var suggestions = [], active = -1, timer = null, asked = 0, pending = null, shownFor = null;

    function isOpen() { return !list.hidden; }

    function open() {
      if (!suggestions.length) return;
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function close() {
      activate(-1);
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
    }

    function activate(index) {
      var options = list.children;
      if (active >= 0 && options[active]) options[active].setAttribute("aria-selected", "false");
      active = index;
      if (active >= 0 && options[active]) {
        options[active].setAttribute("aria-selected", "true");
        input.setAttribute("aria-activedescendant", options[active].id);
        options[active].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function go(index) {
      // Only this site's own pages: a path, never another origin or a javascript: URL.
      var url = suggestions[index] && suggestions[index].url;
      if (typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/") window.location.assign(url);
    }

    function say(count) {
      var words = count === 1 ? form.getAttribute("data-count-one") : form.getAttribute("data-count");
      status.textContent = (words || "{count}").replace("{count}", String(count));
    }

    function show(text, results) {
      shownFor = text;
      suggestions = results;
      activate(-1);
      list.textContent = "";
      results.forEach(function (result, index) {
        var option = document.createElement("li");
        option.id = listId + "-" + index;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        var name = document.createElement("span");
        name.className = "name";
        name.textContent = result.name;
        if (result.lang && result.lang !== document.documentElement.lang) name.lang = result.lang; // a fallback's own voice
        option.appendChild(name);
        var kind = document.createElement("small");
        kind.className = "tag";
        kind.textContent = result.kind;
        option.appendChild(document.createTextNode(" "));
        option.appendChild(kind);
        if (result.also) { // the name that matched, when the one shown does not say why it was found
          var also = document.createElement("span");
          also.className = "also";
          also.textContent = (form.getAttribute("data-also") || "") + " " + result.also;
          option.appendChild(document.createTextNode(" "));
          option.appendChild(also);
        }
        option.addEventListener("mousedown", function (event) { event.preventDefault(); }); // the box keeps focus
        option.addEventListener("click", function () { go(index); });
        list.appendChild(option);
      });
      say(results.length);
      if (results.length) open(); else close();
    }

    function ask() {
      var text = input.value.trim();
      if (text === shownFor) { open(); return; }
      if (pending) pending.abort();
      pending = null;
      var number = ++asked;
      if (!text) { show(text, []); return; }
      var url = new URL(form.getAttribute("data-suggest"), window.location.href);
      if (url.origin !== window.location.origin) return;
      url.searchParams.set("q", text);
      // A language the reader chose (the form carries it) names things, and follows the links; else Accept-Language.
      var chosen = form.querySelector("input[name=lang]");
      if (chosen && chosen.value) url.searchParams.set("lang", chosen.value);
      pending = window.AbortController ? new AbortController() : null;
      fetch(url.href, { headers: { Accept: "application/json" }, credentials: "same-origin",
                        signal: pending ? pending.signal : undefined })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (body) { if (number === asked) show(text, Array.isArray(body.results) ? body.results : []); })
        .catch(function () { /* aborted by a newer key press, or offline: the form still submits */ });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, DELAY_MS);
    });

    input.addEventListener("keydown", function (event) {
      if (event.isComposing || event.keyCode === 229) return; // an input method (Chinese, Japanese) is composing
      var count = suggestions.length;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!count) return;
        event.preventDefault();
        var down = event.key === "ArrowDown";
        if (!isOpen()) {
          open();
          activate(down ? 0 : count - 1);
        } else if (down) {
          activate(active + 1 < count ? active + 1 : 0);
        } else {
          activate(active > 0 ? active - 1 : count - 1);
        }
      } else if (event.key === "Enter") {
        if (isOpen() && active >= 0) {
          event.preventDefault();
          go(active);
        } // else the form submits to /search
      } else if (event.key === "Escape") {
        if (isOpen()) {
          event.preventDefault();
          close();
        }
      }
    });

    input.addEventListener("blur", close);
  }
})();
