// HPO autocomplete for the cohort explorer: an ARIA 1.2 combobox over GET /api/terms.
// Progressive enhancement only: without this script the typed text is submitted and resolved by the server.
(function () {
  "use strict";
  var input = document.getElementById("hpo-input");
  var chosen = document.getElementById("hpo-chosen");
  if (!input || !chosen || !window.fetch) { return; }

  var list = document.createElement("ul");
  list.id = "hpo-suggestions";
  list.className = "suggestions";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", input.labels && input.labels[0] ? input.labels[0].textContent : "HPO");
  list.hidden = true;
  input.parentNode.appendChild(list);

  var status = document.createElement("div");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  input.parentNode.appendChild(status);

  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", list.id);

  var terms = [];
  var active = -1;
  var timer = null;
  var asked = 0;

  function close() {
    list.hidden = true;
    list.textContent = "";
    terms = [];
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function show(found) {
    list.textContent = "";
    terms = found;
    active = -1;
    found.forEach(function (term, index) {
      var item = document.createElement("li");
      item.id = "hpo-option-" + index;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      item.dataset.term = term.id;
      var label = document.createElement("span");
      label.textContent = term.label + (term.fallback ? " (EN)" : "");
      var id = document.createElement("span");
      id.className = "muted";
      id.textContent = term.id;
      item.appendChild(label);
      item.appendChild(id);
      item.addEventListener("mousedown", function (event) { event.preventDefault(); choose(index); });
      list.appendChild(item);
    });
    list.hidden = found.length === 0;
    input.setAttribute("aria-expanded", found.length ? "true" : "false");
    status.textContent = found.length
      ? (input.dataset.foundLabel || "") + " " + found.length
      : (input.dataset.noneLabel || "");
  }

  function highlight(index) {
    var items = list.querySelectorAll("li");
    items.forEach(function (item, i) { item.setAttribute("aria-selected", i === index ? "true" : "false"); });
    active = index;
    if (index >= 0) {
      input.setAttribute("aria-activedescendant", items[index].id);
      items[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function choose(index) {
    var term = terms[index];
    if (!term) { return; }
    if (!chosen.querySelector('[data-term="' + term.id + '"]')) {
      var chip = document.createElement("li");
      chip.className = "chip";
      chip.dataset.term = term.id;
      var hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = "hpo";
      hidden.value = term.id;
      var label = document.createElement("span");
      label.className = "chip-label";
      label.textContent = term.label + (term.fallback ? " (EN)" : "");
      var code = document.createElement("code");
      code.textContent = term.id;
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "chip-remove";
      remove.textContent = "×";
      remove.setAttribute("aria-label", (input.dataset.removeLabel || "Remove") + " " + term.label);
      remove.addEventListener("click", function () { chip.remove(); input.focus(); });
      chip.append(hidden, label, " ", code, " ", remove);
      chosen.appendChild(chip);
    }
    input.value = "";
    close();
    input.focus();
  }

  function lookup() {
    var text = input.value.trim();
    if (!text) { close(); return; }
    var ticket = ++asked;
    var url = input.dataset.termsUrl + "?limit=8&lang=" + encodeURIComponent(input.dataset.lang || "en")
      + "&q=" + encodeURIComponent(text);
    fetch(url, { headers: { accept: "application/json" } })
      .then(function (reply) { return reply.ok ? reply.json() : { terms: [] }; })
      .then(function (doc) { if (ticket === asked) { show(doc.terms || []); } })
      .catch(function () { close(); });
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(lookup, 150);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" && terms.length) {
      event.preventDefault();
      highlight((active + 1) % terms.length);
    } else if (event.key === "ArrowUp" && terms.length) {
      event.preventDefault();
      highlight(active <= 0 ? terms.length - 1 : active - 1);
    } else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      choose(active);
    } else if (event.key === "Escape") {
      close();
    }
  });
  input.addEventListener("blur", function () { window.setTimeout(close, 150); });

  // Server-rendered chips remove themselves in place when scripts run (their link still works without).
  chosen.querySelectorAll(".chip-remove[href]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      link.closest(".chip").remove();
      input.focus();
    });
  });
})();
