// The header's bell, live: the unread count from /notifications/live (server-sent events).
// Pages work without it; it only keeps the count current while a page stays open.
(function () {
  "use strict";
  var bell = document.querySelector("a.bell");
  if (!bell || !window.EventSource) {
    return;
  }
  var source = new EventSource("/notifications/live");
  source.addEventListener("unread", function (event) {
    var count = JSON.parse(event.data).unread_count;
    var badge = bell.querySelector(".count");
    if (count > 0) {
      if (!badge) {
        badge = document.createElement("span");
        badge.className = "count";
        bell.appendChild(document.createTextNode(" "));
        bell.appendChild(badge);
      }
      badge.textContent = count > 99 ? "99+" : String(count);
      badge.setAttribute("aria-label", count + " unread");
    } else if (badge) {
      badge.remove();
    }
  });
  // When the session ends, the reconnection is sent to the sign-in page, which is not an
  // event stream: the browser then closes the source for good.
})();
