/*
 * Inside an embedded page (/embed/…): tells the page that frames it how tall the content is, so the host can size its
 * iframe (static/js/embed-host.js does that). Message: {type: "instrumentengids:height", height: <CSS pixels>}, sent
 * on load and whenever the content's height changes (ResizeObserver; also after live results are swapped in). The
 * height is not secret, so any parent may read it ("*"); the host script checks that it comes from the guide.
 * Without JavaScript the iframe keeps the height the snippet gives it and scrolls.
 */
(function () {
  "use strict";
  if (window.parent === window) return;
  var last = -1;

  function send() {
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height === last) return;
    last = height;
    window.parent.postMessage({type: "instrumentengids:height", height: height}, "*");
  }

  function start() {
    send();
    if (window.ResizeObserver) {
      new ResizeObserver(send).observe(document.documentElement);
    } else {
      window.addEventListener("resize", send);
    }
    window.addEventListener("load", send);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
