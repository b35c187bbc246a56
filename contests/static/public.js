/* Public contest pages: keep "closes in ..." current, and turn the share link into a button that
 * opens the phone's share sheet or copies the address. Without JavaScript the text and the link
 * stay as the server wrote them.
 */
(function () {
  "use strict";
  var lang = document.documentElement.lang || "en";
  var countdowns = document.querySelectorAll("time[data-countdown]");
  if (countdowns.length && window.Intl && Intl.RelativeTimeFormat) {
    var format = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
    var update = function () {
      countdowns.forEach(function (element) {
        var minutes = Math.round((Date.parse(element.getAttribute("datetime")) - Date.now()) / 60000);
        if (minutes <= 0) {
          element.textContent = format.format(0, "minute");
          return;
        }
        // The server's units and thresholds (Babel's format_timedelta, threshold 1.5).
        var units = [["year", 525600], ["month", 43200], ["week", 10080], ["day", 1440], ["hour", 60]];
        for (var i = 0; i < units.length; i++) {
          if (minutes / units[i][1] >= 1.5) {
            element.textContent = format.format(Math.max(1, Math.round(minutes / units[i][1])), units[i][0]);
            return;
          }
        }
        element.textContent = format.format(minutes, "minute");
      });
    };
    update();
    setInterval(update, 30000);
  }
  document.querySelectorAll("button[data-share]").forEach(function (button) {
    var url = button.getAttribute("data-share");
    if (!navigator.share && !(navigator.clipboard && navigator.clipboard.writeText)) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      if (navigator.share) {
        navigator.share({ title: button.getAttribute("data-title") || document.title, url: url }).catch(function () {});
        return;
      }
      navigator.clipboard.writeText(url).then(function () {
        button.textContent = button.getAttribute("data-copied");
      });
    });
  });
})();
