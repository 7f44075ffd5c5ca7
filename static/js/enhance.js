/*
 * Progressive enhancement for the Instrumentengids. Every page works without JavaScript; this file only makes some of
 * them quicker. No inline scripts or handlers (the Content-Security-Policy is script-src 'self').
 *
 * Live results. A GET form marked
 *     <form action="/instrumenten" method="get" data-live-results="#results">
 * updates the element #results (which the server also renders, inside or outside the form) without a full reload when
 * a checkbox, radio button or select changes, when the form is submitted, and while typing in a search field (after a
 * short pause). The server needs no changes: it returns the whole page and htmx picks out #results (hx-select). The
 * address bar follows (hx-push-url), so the URL stays shareable and the back button works. Optional:
 *     data-live-oob="#facets, #other"   extra parts of the page to update as well (hx-select-oob)
 * The results' text with role="status" is read out by screen readers after every update.
 *
 * Print buttons. <button type="button" data-print hidden> is shown and prints the page.
 *
 * Search suggestions. <input type="search" data-suggest="/api/v1/suggest"> becomes a combobox (WAI-ARIA 1.2 pattern
 * "list autocomplete"): while typing, a listbox below the field offers word completions (they fill the field and
 * search) and matching instruments (they open the instrument). Arrow keys move through the list (aria-activedescendant;
 * focus stays in the field), Enter chooses, Escape closes, Tab leaves. Without JavaScript it is a plain search field.
 */
(function () {
  "use strict";

  var announcer;

  function announce(text) {
    if (!announcer) {
      announcer = document.createElement("div");
      announcer.className = "visually-hidden";
      announcer.setAttribute("aria-live", "polite");
      announcer.setAttribute("aria-atomic", "true");
      announcer.id = "live-announcer";
      document.body.appendChild(announcer);
    }
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = text; }, 50);
  }

  function setAll(elt, attributes) {
    Object.keys(attributes).forEach(function (name) {
      if (!elt.hasAttribute(name)) { elt.setAttribute(name, attributes[name]); }
    });
  }

  function enhanceForm(form) {
    var target = form.getAttribute("data-live-results");
    if (!target || !document.querySelector(target)) { return; }
    var action = form.getAttribute("action") || window.location.pathname;
    var common = {
      "hx-target": target,
      "hx-select": target,
      "hx-swap": "outerHTML",
      "hx-push-url": "true"
    };
    var oob = form.getAttribute("data-live-oob");
    if (oob) { common["hx-select-oob"] = oob; }
    var trigger = "submit, change";
    var search = form.querySelector("input[type=search]");
    if (search) {
      // search as you type: the form is sent after a pause in typing in its search field. If the field lies inside
      // the part that is updated, the template marks it hx-preserve (with an id; htmx looks for the mark in the new
      // content), so it is kept as it is and what is typed meanwhile is not lost.
      trigger += ", input changed delay:400ms from:find input[type=search], search from:find input[type=search]";
    }
    setAll(form, Object.assign({"hx-get": action, "hx-trigger": trigger}, common));
    window.htmx.process(form);
  }

  function liveResults() {
    if (!window.htmx) { return; }
    document.querySelectorAll("form[data-live-results]").forEach(enhanceForm);

    document.body.addEventListener("htmx:beforeRequest", function (event) {
      var target = event.detail.target;
      if (target) { target.setAttribute("aria-busy", "true"); }
    });
    document.body.addEventListener("htmx:afterSettle", function (event) {
      var target = event.detail.target;
      if (target) { target.removeAttribute("aria-busy"); }
      var selector = event.detail.requestConfig && event.detail.requestConfig.elt &&
        event.detail.requestConfig.elt.closest("form[data-live-results]");
      var results = selector ? document.querySelector(selector.getAttribute("data-live-results")) : null;
      var status = results ? results.querySelector("[role=status]") : null;
      if (status) { announce(status.textContent.replace(/\s+/g, " ").trim()); }
    });
    document.body.addEventListener("htmx:responseError", function (event) {
      // e.g. an invalid filter (HTTP 400): show the server's page instead of leaving stale results
      window.location.assign(event.detail.pathInfo.requestPath);
    });
    document.body.addEventListener("htmx:pushedIntoHistory", function () {
      // keep the language switch pointing at the same results in the other language
      document.querySelectorAll(".language-switch a[href]").forEach(function (link) {
        var url = new URL(link.href, window.location.href);
        url.search = window.location.search;
        link.href = url.pathname + url.search;
      });
    });
  }

  function printOpensDetails() {
    // print collapsed sections ("Hoe vraagt u het aan?") open, and close them again afterwards
    var opened = [];
    window.addEventListener("beforeprint", function () {
      document.querySelectorAll("details:not([open])").forEach(function (details) {
        details.open = true;
        opened.push(details);
      });
    });
    window.addEventListener("afterprint", function () {
      opened.forEach(function (details) { details.open = false; });
      opened = [];
    });
  }

  function printButtons() {
    document.querySelectorAll("button[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }

  function suggestBox(input) {
    var url = input.getAttribute("data-suggest");
    var listId = (input.id || "q") + "-suggestions";
    var statusId = listId + "-status";
    var timer = null;
    var active = -1;
    var options = [];
    var lastText = null;
    var lastData = null;
    var lang = document.documentElement.lang === "en" ? "en" : "nl";
    var words = {
      nl: {search: "Zoek op", results: function (n) { return n === 1 ? "1 suggestie" : n + " suggesties"; },
           none: "Geen suggesties", hint: "pijltjestoetsen om te kiezen"},
      en: {search: "Search for", results: function (n) { return n === 1 ? "1 suggestion" : n + " suggestions"; },
           none: "No suggestions", hint: "arrow keys to choose"}
    }[lang];

    function parts() {
      var list = document.getElementById(listId);
      if (!list) {
        var wrapper = input.parentNode;
        wrapper.classList.add("suggest-host");
        list = document.createElement("ul");
        list.id = listId;
        list.className = "suggestions";
        list.setAttribute("role", "listbox");
        list.setAttribute("aria-label", input.labels && input.labels[0] ? input.labels[0].textContent.trim() : words.search);
        list.hidden = true;
        wrapper.appendChild(list);
        list.addEventListener("mousedown", function (event) { event.preventDefault(); });  // keep focus in the field
        list.addEventListener("click", function (event) {
          var option = event.target.closest("[role=option]");
          if (option) { choose(Number(option.getAttribute("data-index"))); }
        });
      }
      var status = document.getElementById(statusId);
      if (!status) {
        status = document.createElement("div");
        status.id = statusId;
        status.className = "visually-hidden";
        status.setAttribute("role", "status");
        input.parentNode.appendChild(status);
      }
      return {list: list, status: status};
    }

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);
    input.setAttribute("autocomplete", "off");

    function close() {
      var p = parts();
      p.list.hidden = true;
      p.list.textContent = "";
      options = [];
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      var p = parts();
      active = index;
      Array.prototype.forEach.call(p.list.children, function (li, i) {
        li.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", listId + "-" + index);
        p.list.children[index].scrollIntoView({block: "nearest"});
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function choose(index) {
      var option = options[index];
      if (!option) { return; }
      close();
      if (option.url) {
        window.location.assign(option.url);
        return;
      }
      input.value = option.text;
      lastText = option.text;
      if (input.form) {
        if (input.form.requestSubmit) { input.form.requestSubmit(); } else { input.form.submit(); }
      }
    }

    function show(data) {
      lastData = data;
      var p = parts();
      p.list.textContent = "";
      options = [];
      (data.completions || []).forEach(function (text) { options.push({text: text, label: words.search + " \u2018" + text + "\u2019"}); });
      (data.items || []).forEach(function (item) {
        var path = item.url;
        try { path = new URL(item.url, window.location.href).pathname; } catch (e) { /* keep as is */ }
        options.push({text: item.name, url: path, label: item.name, detail: item.provider && item.provider.name});
      });
      options.forEach(function (option, i) {
        var li = document.createElement("li");
        li.id = listId + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.setAttribute("data-index", String(i));
        li.className = option.url ? "suggestion-instrument" : "suggestion-word";
        li.appendChild(document.createTextNode(option.label));
        if (option.detail) {
          var small = document.createElement("span");
          small.className = "suggestion-detail";
          small.textContent = " \u2013 " + option.detail;
          li.appendChild(small);
        }
        p.list.appendChild(li);
      });
      active = -1;
      input.removeAttribute("aria-activedescendant");
      // right below the field (the wrapper may also hold the button)
      p.list.style.top = (input.offsetTop + input.offsetHeight) + "px";
      p.list.style.left = input.offsetLeft + "px";
      p.list.style.width = input.offsetWidth + "px";
      p.list.hidden = options.length === 0;
      input.setAttribute("aria-expanded", options.length ? "true" : "false");
      p.status.textContent = options.length ? words.results(options.length) + ", " + words.hint : words.none;
    }

    function fetchSuggestions() {
      var text = input.value.trim();
      if (text === lastText) { return; }
      lastText = text;
      if (text.length < 2) { close(); return; }
      var target = url + "?q=" + encodeURIComponent(text) + "&limit=6";  // url_for keeps the /en prefix
      window.fetch(target, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
        .then(function (response) { return response.ok ? response.json() : {items: [], completions: []}; })
        .then(function (data) { if (input.value.trim() === text && document.activeElement === input) { show(data); } })
        .catch(function () { close(); });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(fetchSuggestions, 200);
    });
    input.addEventListener("keydown", function (event) {
      var open = input.getAttribute("aria-expanded") === "true";
      if (event.key === "ArrowDown") {
        if (!open) { lastText = null; fetchSuggestions(); return; }
        event.preventDefault();
        highlight(active + 1 < options.length ? active + 1 : 0);
      } else if (event.key === "ArrowUp" && open) {
        event.preventDefault();
        highlight(active > 0 ? active - 1 : options.length - 1);
      } else if (event.key === "Enter" && open && active >= 0) {
        event.preventDefault();
        choose(active);
      } else if (event.key === "Escape" && open) {
        event.preventDefault();
        close();
      }
    });
    document.body.addEventListener("htmx:afterSettle", function () {
      // live results replaced the part around the field (the field itself is kept): the list went with it, so
      // draw it again with the same choice while the user is still in the field
      if (!document.getElementById(listId) && options.length && document.activeElement === input) {
        var keep = active;
        show(lastData);
        if (keep >= 0) { highlight(keep); }
      } else if (document.activeElement !== input) {
        close();
      }
    });
    input.addEventListener("blur", function () {
      // close when focus really left (a live-results swap moves the field and gives focus back)
      window.setTimeout(function () { if (document.activeElement !== input) { close(); } }, 150);
    });
  }

  function suggestions() {
    if (!window.fetch) { return; }
    document.querySelectorAll("input[data-suggest]").forEach(suggestBox);
  }

  function openWide() {
    // details.wide-open is open on wide screens (CSS does it with ::details-content where supported)
    if (!window.matchMedia || !window.matchMedia("(min-width: 50rem)").matches) { return; }
    document.querySelectorAll("details.wide-open:not([open])").forEach(function (details) { details.open = true; });
  }

  function init() {
    openWide();
    suggestions();
    printButtons();
    printOpensDetails();
    liveResults();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
