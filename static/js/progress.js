/* Live progress bars.

   Any element with data-progress-url (see templates/components/progress.html)
   and data-progress-live polls that JSON endpoint every 2 seconds and updates
   its fields until the work is finished. The endpoint returns
   {percent, done, total, failed, status, status_display, finished, message, errors}.
   When the work finishes the element fires a bubbling "progress:finished" event
   with the last response as event.detail, so pages can react (e.g. reload a list).
   Parts of the page marked data-refresh-on-finish (with an id) are then fetched
   again, so what only the server renders (a job's finish time) is not left stale.
   Without JavaScript the server-rendered state stays on the page. */
(function () {
  "use strict";

  var INTERVAL_MS = 2000;
  var MAX_BACKOFF_MS = 30000;

  function setText(root, field, value) {
    root.querySelectorAll('[data-progress-field="' + field + '"]').forEach(function (node) {
      var text = value === null || value === undefined ? "" : String(value);
      if (node.textContent !== text) node.textContent = text;
    });
  }

  function setHidden(root, selector, hidden) {
    root.querySelectorAll(selector).forEach(function (node) {
      node.hidden = hidden;
    });
  }

  function render(root, data) {
    var bar = root.querySelector("progress");
    if (bar) {
      bar.value = data.percent;
      bar.textContent = data.percent + "%";
    }
    root.setAttribute("data-status", data.status);
    var badge = root.querySelector("[data-progress-badge]");
    if (badge) badge.className = "badge badge--" + data.status;
    setText(root, "status_display", data.status_display);
    setText(root, "percent", data.percent + "%");
    setText(root, "done", data.done);
    setText(root, "total", data.total);
    setHidden(root, "[data-progress-if-total]", !data.total);
    setText(root, "failed", data.failed);
    setHidden(root, "[data-progress-if-failed]", !data.failed);
    setText(root, "message", data.message);
    setHidden(root, "[data-progress-if-message]", !data.message);

    var list = root.querySelector("[data-progress-errors]");
    if (list && Array.isArray(data.errors)) {
      list.replaceChildren.apply(list, data.errors.map(function (error) {
        var item = document.createElement("li");
        item.textContent = error;
        return item;
      }));
      list.hidden = data.errors.length === 0;
    }
  }

  function refreshParts() {
    var parts = document.querySelectorAll("[data-refresh-on-finish][id]");
    if (!parts.length) return;
    fetch(window.location.href, { headers: { Accept: "text/html" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        parts.forEach(function (part) {
          var replacement = fresh.getElementById(part.id);
          if (replacement) part.replaceWith(document.importNode(replacement, true));
        });
      })
      .catch(function () { /* the page keeps what it shows; Refresh still works */ });
  }

  function watch(root) {
    var url = root.getAttribute("data-progress-url");
    var delay = INTERVAL_MS;

    function schedule(ms) {
      window.setTimeout(poll, ms);
    }

    function poll() {
      if (document.hidden) {
        document.addEventListener("visibilitychange", poll, { once: true });
        return;
      }
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.json();
        })
        .then(function (data) {
          delay = INTERVAL_MS;
          render(root, data);
          if (data.finished) {
            root.removeAttribute("data-progress-live");
            setHidden(root, "[data-progress-while-live]", true);
            root.dispatchEvent(new CustomEvent("progress:finished", { bubbles: true, detail: data }));
            refreshParts();
          } else {
            schedule(INTERVAL_MS);
          }
        })
        .catch(function () {
          // A restart or a dropped connection: keep trying, more slowly.
          delay = Math.min(delay * 2, MAX_BACKOFF_MS);
          schedule(delay);
        });
    }

    schedule(INTERVAL_MS);
  }

  function start() {
    document.querySelectorAll("[data-progress-url][data-progress-live]").forEach(watch);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
