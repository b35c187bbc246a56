/* Runs inside the embedded entry form: tells the host page its height (only to the host page's
 * origin, and only if that origin may embed the form), fills the attribution fields, and
 * disables the submit button once pressed so a double click sends one entry.
 */
(function () {
  "use strict";
  var params = new URLSearchParams(location.search);
  var host = params.get("host") || "";
  var parentOrigin = "";
  try {
    parentOrigin = host ? new URL(host).origin : "";
  } catch (error) {
    parentOrigin = "";
  }
  if (!/^https?:\/\//.test(parentOrigin)) parentOrigin = "";
  var allowed = (document.body.getAttribute("data-allowed-origins") || "").split(" ").filter(Boolean);
  if (allowed.length && allowed.indexOf(parentOrigin) < 0) parentOrigin = "";

  var form = document.querySelector("form[data-entry-form]");
  if (form) {
    var fill = function (name, value) {
      var input = form.querySelector('input[name="' + name + '"]');
      if (input && value) input.value = value.slice(0, name === "host_page" ? 2000 : 100);
    };
    fill("host_page", host);
    ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"].forEach(function (key) {
      fill(key, params.get(key) || "");
    });
    // Keep the host page in the address of the answer (errors, "already entered") for resizing.
    if (host && form.action.indexOf("host=") < 0) {
      form.action += (form.action.indexOf("?") < 0 ? "?" : "&") + "host=" + encodeURIComponent(host);
    }
    form.addEventListener("submit", function () {
      var buttons = form.querySelectorAll("button[type=submit]");
      for (var i = 0; i < buttons.length; i++) buttons[i].disabled = true;
    });
  }
  // Links within the widget keep the host page, so the thanks page can still talk to it.
  var links = document.querySelectorAll("a[data-keep-host]");
  for (var j = 0; j < links.length; j++) {
    if (host) links[j].href += (links[j].href.indexOf("?") < 0 ? "?" : "&") + "host=" + encodeURIComponent(host);
  }

  function sendHeight() {
    if (!parentOrigin || window.parent === window) return;
    // The document's own height, not scrollHeight, which never goes below the frame's height.
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    window.parent.postMessage({ type: "contests:height", height: height }, parentOrigin);
  }
  window.addEventListener("message", function (event) {
    if (event.origin === parentOrigin && event.source === window.parent && event.data && event.data.type === "contests:hello") {
      sendHeight();
    }
  });
  window.addEventListener("load", sendHeight);
  if (window.ResizeObserver) new ResizeObserver(sendHeight).observe(document.body);
})();
