// The vocabulary page's "find a term": as the reader types, the contents and the page keep only the terms whose
// name or local name (the IRI's #fragment) contains what is typed, accents and capitals ignored; Enter goes to the
// first one left. Nothing is asked of any server. Without JavaScript the field stays hidden and the contents are
// plain links to every term.
(function () {
  "use strict";
  var box = document.querySelector("[data-term-filter]");
  if (!box) return;
  var input = box.querySelector("input");
  var status = box.querySelector("[role=status]");
  var nav = box.closest("nav");
  var entries = []; // each term: its words, its entry in the contents and its section
  var links = nav.querySelectorAll("ul.toc a");
  for (var i = 0; i < links.length; i++) {
    var anchor = decodeURIComponent(links[i].getAttribute("href").slice(1));
    entries.push({
      words: fold(links[i].textContent + " " + anchor),
      anchor: anchor,
      item: links[i].parentNode,
      section: document.getElementById(anchor)
    });
  }

  function fold(text) { // "Île-de-France" finds "ile"
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function say(count) {
    var words = count === 0 ? box.getAttribute("data-none")
      : count === 1 ? box.getAttribute("data-count-one") : box.getAttribute("data-count");
    status.textContent = (words || "").replace("{count}", count);
  }

  function filter() {
    var wanted = fold(input.value.trim());
    var shown = 0;
    for (var i = 0; i < entries.length; i++) {
      var keep = !wanted || entries[i].words.indexOf(wanted) !== -1;
      entries[i].item.hidden = !keep;
      if (entries[i].section) entries[i].section.hidden = !keep;
      if (keep) shown++;
    }
    // A group with no term left is hidden too, in the contents and on the page.
    var groups = document.querySelectorAll("[data-toc-group], [data-term-group]");
    for (var j = 0; j < groups.length; j++) {
      groups[j].hidden = Boolean(wanted) && !groups[j].querySelector(
        groups[j].hasAttribute("data-toc-group") ? "li:not([hidden])" : "section.term:not([hidden])");
    }
    if (wanted) say(shown); else status.textContent = "";
  }

  input.addEventListener("input", filter);
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      for (var i = 0; i < entries.length; i++) {
        if (!entries[i].item.hidden) { location.hash = entries[i].anchor; break; }
      }
      event.preventDefault();
    } else if (event.key === "Escape" && input.value) {
      input.value = "";
      filter();
    }
  });
  box.hidden = false;
  if (input.value) filter(); // a value the browser kept on going back
})();
