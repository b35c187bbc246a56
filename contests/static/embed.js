/* contests widget loader: paste
 *   <a href="https://HOST/c/SLUG" data-contests-link>...</a>
 *   <script src="https://HOST/embed.js" data-contest="SLUG" async></script>
 * and the link (kept for browsers without JavaScript) becomes the entry form in an iframe that
 * grows to its content. Messages are accepted only from the form's own origin and frame.
 */
(function () {
  "use strict";
  var UTM = ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"];

  function mount(script) {
    if (script.getAttribute("data-contests-mounted")) return;
    script.setAttribute("data-contests-mounted", "1");
    var slug = script.getAttribute("data-contest") || "";
    if (!/^[a-z0-9-]{3,80}$/.test(slug)) return;
    var origin = new URL(script.src, location.href).origin;
    var params = new URLSearchParams();
    params.set("host", location.href.slice(0, 1500));
    var here = new URLSearchParams(location.search);
    UTM.forEach(function (key) {
      if (here.get(key)) params.set(key, here.get(key).slice(0, 100));
    });
    var channel = script.getAttribute("data-source");
    if (channel) params.set("src", channel);

    var iframe = document.createElement("iframe");
    iframe.src = origin + "/embed/" + encodeURIComponent(slug) + "?" + params.toString();
    iframe.title = script.getAttribute("data-title") || "Entry form";
    iframe.setAttribute("scrolling", "no");
    iframe.style.width = "100%";
    iframe.style.border = "0";
    iframe.style.display = "block";
    iframe.style.height = "640px";
    iframe.setAttribute("data-contests-frame", slug);

    var link = script.previousElementSibling;
    if (link && link.hasAttribute("data-contests-link")) {
      link.parentNode.replaceChild(iframe, link);
    } else {
      script.parentNode.insertBefore(iframe, script);
    }

    window.addEventListener("message", function (event) {
      if (event.origin !== origin || event.source !== iframe.contentWindow) return;
      var data = event.data;
      if (!data || data.type !== "contests:height") return;
      var height = Math.ceil(Number(data.height));
      if (height > 0 && height < 20000) iframe.style.height = height + "px";
    });
    iframe.addEventListener("load", function () {
      iframe.contentWindow.postMessage({ type: "contests:hello" }, origin);
    });
  }

  function mountAll() {
    var scripts = document.querySelectorAll("script[data-contest]");
    for (var i = 0; i < scripts.length; i++) {
      if (/\/embed\.js(\?|$)/.test(scripts[i].src)) mount(scripts[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mountAll);
  } else {
    mountAll();
  }
})();
