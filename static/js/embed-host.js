/*
 * For the website that shows a page of the Open instrumentengids in an iframe. Include it once, after the iframe(s):
 *
 *   <iframe src="https://<gids>/embed/regios/midden-holland" title="…" width="100%" height="800" loading="lazy"
 *           data-instrumentengids></iframe>
 *   <script src="https://<gids>/static/js/embed-host.js" async></script>
 *
 * Every iframe marked data-instrumentengids then takes the height of its content: the embedded page posts
 * {type: "instrumentengids:height", height: n} (static/js/embed.js); this script accepts it only from the guide's own
 * origin (where this script came from) and only for the iframe that sent it, and sets that iframe's height (between
 * 150 and 100000 px) and removes its border. Without JavaScript the iframe keeps its height attribute and scrolls.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var origin = script ? new URL(script.src, location.href).origin : null;

  window.addEventListener("message", function (event) {
    if (!origin || event.origin !== origin) return;
    var data = event.data;
    if (!data || data.type !== "instrumentengids:height" || typeof data.height !== "number" || !isFinite(data.height)) return;
    var frames = document.querySelectorAll("iframe[data-instrumentengids]");
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === event.source) {
        frames[i].style.height = Math.max(150, Math.min(100000, Math.ceil(data.height))) + "px";
        frames[i].style.border = "0";
        frames[i].setAttribute("data-instrumentengids-height", String(Math.ceil(data.height)));
      }
    }
  });
})();
