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
      // the part that is updated, it is kept as it is (hx-preserve needs an id), so what is typed meanwhile is not lost.
      trigger += ", input changed delay:400ms from:find input[type=search], search from:find input[type=search]";
      if (search.id) { search.setAttribute("hx-preserve", "true"); }
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

  function init() {
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
