/* The review queue, better with JavaScript: decisions without page reloads,
   live character counters, keyboard shortcuts and swipe on phones.
   Every action here is also a plain form or link that works without this file. */
(function () {
  "use strict";

  var TAG_LIMIT = 13;
  var TAG_LENGTH = 20;

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function main() {
    return document.getElementById("main");
  }

  function say(text, kind) {
    var list = main().querySelector(".messages");
    if (!list) {
      list = document.createElement("ul");
      list.className = "messages";
      list.setAttribute("role", "status");
      main().insertBefore(list, main().firstChild);
    }
    list.textContent = "";
    var item = document.createElement("li");
    item.className = "alert alert--" + (kind || "success");
    var p = document.createElement("p");
    p.textContent = text;
    item.appendChild(p);
    list.appendChild(item);
  }

  function post(url, data) {
    return fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() }
    }).then(function (response) {
      return response.json().catch(function () {
        return { ok: false, errors: ["The server answered " + response.status + ". Nothing was lost; try again."] };
      });
    }, function () {
      return { ok: false, errors: ["No connection. Nothing was sent; try again when you are back online."] };
    });
  }

  function withoutHash(url) {
    return new URL(url, location.href).href.split("#")[0];
  }

  var shown = withoutHash(location.href);  // the address whose page is on screen

  /* Load another page of the queue into <main> without a full reload. */
  function visit(url, push) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.text().then(function (html) { return [response, html]; }); })
      .then(function (pair) {
        var doc = new DOMParser().parseFromString(pair[1], "text/html");
        var fresh = doc.getElementById("main");
        if (!fresh) { window.location.assign(url); return; }
        main().replaceWith(fresh);
        document.title = doc.title;
        document.body.className = doc.body.className;
        // The header carries the pending count in its badges: take the fresh one.
        var header = document.querySelector(".site-header");
        var freshHeader = doc.querySelector(".site-header");
        if (header && freshHeader) header.replaceWith(freshHeader);
        if (push) history.pushState({ url: url }, "", url);
        shown = withoutHash(url);
        window.scrollTo(0, 0);
        setup();
        var heading = main().querySelector("h1");
        if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus({ preventScroll: true }); }
      })
      .catch(function () { window.location.assign(url); });
  }

  // Back and forward load the page of the address they land on (the first page
  // of the visit has no history state of its own); a change of #hash alone does not.
  window.addEventListener("popstate", function () {
    if (withoutHash(location.href) !== shown) visit(location.href, false);
  });

  /* --- Character counters ------------------------------------------------- */
  // Characters as the server counts them (code points), not UTF-16 units.
  function length(text) {
    return Array.from(text).length;
  }

  function updateCounter(field) {
    var out = document.querySelector('[data-counter-for="' + field.id + '"]');
    if (!out) return;
    var over = false;
    var text;
    if (field.name === "edit_tags") {
      var tags = field.value.split(",").map(function (t) { return t.trim(); }).filter(Boolean);
      var long = tags.filter(function (t) { return length(t) > TAG_LENGTH; });
      over = tags.length > TAG_LIMIT || long.length > 0;
      text = tags.length + " / " + TAG_LIMIT + " tags";
      if (long.length) text += " · over " + TAG_LENGTH + " characters: " + long.join(", ");
    } else {
      var limit = parseInt(field.getAttribute("data-limit") || "0", 10);
      var count = length(field.value.replace(/\r\n/g, "\n"));
      text = count + (limit ? " / " + limit : "") + " characters";
      over = limit > 0 && count > limit;
    }
    out.textContent = text;
    out.classList.toggle("is-over", over);
    field.setAttribute("aria-invalid", over ? "true" : "false");
  }

  /* --- Detail page -------------------------------------------------------- */
  function openPanel(name) {
    var panel = document.querySelector('[data-panel="' + name + '"]');
    if (!panel) return;
    panel.open = true;
    panel.scrollIntoView({ behavior: "smooth", block: "start" });
    var first = panel.querySelector("textarea, input:not([type=hidden]):not([type=checkbox])");
    if (first) first.focus({ preventScroll: true });
  }

  /* Once the reviewer has typed an edit, the Approve buttons approve it (on a phone
     the bar's Approve is the button under the thumb; it must not drop the edits). */
  function syncApproveButtons(form) {
    var edited = form.hasAttribute("data-edited") || Array.prototype.some.call(form.querySelectorAll("[data-counter], [data-edit-field]"), function (field) {
      if (field.tagName === "SELECT") {
        return Array.prototype.some.call(field.options, function (option) { return option.selected !== option.defaultSelected; });
      }
      return field.value !== field.defaultValue;
    });
    document.querySelectorAll("button[data-approve]").forEach(function (button) {
      var label = button.querySelector("[data-label]");
      if (!button.hasAttribute("data-plain-label")) button.setAttribute("data-plain-label", label.textContent);
      button.value = edited ? "edit" : "approve";
      label.textContent = edited ? button.getAttribute("data-edited-label") : button.getAttribute("data-plain-label");
    });
  }

  /* While a reviewer types a reject note, say which parts the writer will follow and which go to the maker. */
  function setupNoteReading(form) {
    var box = form.querySelector("[data-note-reading]");
    var note = form.querySelector("textarea[name=note]");
    var retry = form.querySelector("input[name=retry]");
    if (!box || !note) return;
    var timer = null;
    var asked = 0;
    function show(sentences) {
      box.textContent = "";
      sentences.forEach(function (sentence) {
        var p = document.createElement("p");
        p.textContent = sentence;
        box.appendChild(p);
      });
      box.hidden = !sentences.length;
    }
    function read() {
      if (retry && !retry.checked) { show([]); return; }
      var text = note.value.trim();
      if (!text) { show([]); return; }
      var ask = ++asked;
      fetch(box.getAttribute("data-note-reading") + "?note=" + encodeURIComponent(text), {
        credentials: "same-origin",
        headers: { "Accept": "application/json" }
      }).then(function (response) { return response.json(); }).then(function (result) {
        if (ask === asked) show(result.sentences || []);
      }, function () { /* offline: the help above still says what the writer can follow */ });
    }
    note.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(read, 250); });
    if (retry) retry.addEventListener("change", read);
    read();
  }

  function setupDetail() {
    var form = document.querySelector("[data-decision-form]");
    if (!form) return;
    // Formatted-text editors and a kind's own edit form (a page loaded by visit() too).
    document.dispatchEvent(new CustomEvent("atelier:content", { detail: { root: form } }));
    form.querySelectorAll("[data-counter]").forEach(function (field) {
      updateCounter(field);
      field.addEventListener("input", function () { updateCounter(field); syncApproveButtons(form); });
    });
    form.querySelectorAll("[data-edit-field]").forEach(function (field) {
      field.addEventListener("input", function () { syncApproveButtons(form); });
      field.addEventListener("change", function () { syncApproveButtons(form); });
    });
    syncApproveButtons(form);
    setupNoteReading(form);
    if (location.hash === "#edit" || location.hash === "#reject") openPanel(location.hash.slice(1));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var submitter = event.submitter || document.querySelector("button[data-approve]");
      var data = new FormData(form);
      data.set("decision", submitter ? submitter.value : "approve");
      var question = form.getAttribute("data-confirm-approve");
      if (question && data.get("decision") !== "reject" && !window.confirm(question)) return;
      var buttons = document.querySelectorAll("button[form=decision-form], #decision-form button");
      buttons.forEach(function (b) { b.disabled = true; });
      post(form.action, data).then(function (result) {
        buttons.forEach(function (b) { b.disabled = false; });
        if (result.ok) {
          visit(result.next_url, true).then(function () { say(result.message, "success"); });
          return;
        }
        var box = form.querySelector("[data-form-errors]");
        box.textContent = "";
        (result.errors || []).forEach(function (error) {
          var p = document.createElement("p");
          p.textContent = error;
          box.appendChild(p);
        });
        if (result.changed) {
          var p = document.createElement("p");
          var link = document.createElement("a");
          link.href = result.current_url || location.pathname;
          link.textContent = "Show the current version";
          p.appendChild(link);
          p.appendChild(document.createTextNode(" — what you typed stays in this form until you leave the page."));
          box.appendChild(p);
        }
        box.hidden = false;
        box.scrollIntoView({ behavior: "smooth", block: "center" });
      });
    });
  }

  /* --- Queue page ------------------------------------------------------------ */
  var current = -1;

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-queue-item]"));
  }

  function focusRow(index) {
    var all = rows();
    if (!all.length) return;
    current = Math.max(0, Math.min(index, all.length - 1));
    all.forEach(function (row, i) { row.classList.toggle("is-current", i === current); });
    var link = all[current].querySelector("a.row");
    link.focus();
  }

  function currentRow() {
    var all = rows();
    return current >= 0 && current < all.length ? all[current] : null;
  }

  function updateSelection() {
    var form = document.querySelector("[data-bulk-form]");
    if (!form) return;
    var boxes = form.querySelectorAll("input[name=selected]");
    var picked = form.querySelectorAll("input[name=selected]:checked").length;
    var counter = form.querySelector("[data-selected-count]");
    if (counter) counter.textContent = picked ? picked + " selected" : "";
    var bar = form.querySelector("[data-bulk-bar]");
    if (bar) bar.classList.toggle("is-active", picked > 0);
    var all = form.querySelector("[data-select-all]");
    if (all) all.checked = boxes.length > 0 && picked === boxes.length;
  }

  /* After a decision the queue is loaded again in place: decided rows leave,
     the counts in the page and the navigation badges stay true. */
  function refreshQueue(message, kind, focusIndex) {
    return visit(location.pathname + location.search, false).then(function () {
      say(message, kind);
      if (focusIndex !== undefined && rows().length) focusRow(focusIndex);
    });
  }

  function approveRow(row) {
    var question = row.getAttribute("data-confirm-approve");
    if (question && !window.confirm(question)) return;
    var data = new FormData();
    data.set("decision", "approve");
    data.set("seen_hash", row.getAttribute("data-hash"));
    var index = rows().indexOf(row);
    row.classList.add("is-busy");
    post(row.getAttribute("data-decide-url"), data).then(function (result) {
      row.classList.remove("is-busy");
      if (result.ok) {
        refreshQueue(result.message, "success", index);
      } else {
        say((result.errors || ["Could not approve."]).join(" "), "error");
      }
    });
  }

  function setupQueue() {
    var form = document.querySelector("[data-bulk-form]");
    if (!form) return;
    current = -1;
    var all = form.querySelector("[data-select-all]");
    if (all) {
      all.addEventListener("change", function () {
        form.querySelectorAll("input[name=selected]").forEach(function (box) { box.checked = all.checked; });
        updateSelection();
      });
    }
    form.addEventListener("change", function (event) {
      if (event.target.name === "selected") updateSelection();
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = new FormData(form);
      data.set("decision", event.submitter ? event.submitter.value : "approve");
      if (data.get("decision") === "approve") {
        var plans = Array.prototype.filter.call(form.querySelectorAll("input[name=selected]:checked"), function (box) {
          return box.closest("[data-confirm-approve]");
        });
        if (plans.length && !window.confirm(plans[0].closest("[data-confirm-approve]").getAttribute("data-confirm-approve"))) return;
      }
      var buttons = form.querySelectorAll("button[type=submit]");
      buttons.forEach(function (b) { b.disabled = true; });
      post(form.action, data).then(function (result) {
        buttons.forEach(function (b) { b.disabled = false; });
        if (!result.results) {
          say((result.errors || ["Nothing was decided."]).join(" "), "error");
          return;
        }
        var failed = result.results.filter(function (r) { return !r.ok; });
        refreshQueue(result.message + (failed.length ? " " + failed.length + " could not be decided: " + failed.map(function (r) { return r.message; }).join(" ") : ""),
                     failed.length ? "warning" : "success");
      });
    });
    updateSelection();
  }

  /* --- Keyboard -------------------------------------------------------------- */
  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && typing(event.target) && event.target.closest("[data-decision-form], [data-bulk-form]")) {
      event.target.blur();  // back to the shortcuts; what was typed stays
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var dialog = document.getElementById("shortcuts");
    if (event.key === "?") {
      if (dialog && dialog.showModal && !dialog.open) { dialog.showModal(); event.preventDefault(); }
      return;
    }
    if (dialog && dialog.open) return;
    var detail = document.querySelector("[data-review]");
    if (detail) {
      var link = null;
      if (event.key === "j") link = document.querySelector("[data-next]");
      if (event.key === "k") link = document.querySelector("[data-prev]");
      if (link) { event.preventDefault(); visit(link.href, true); return; }
      if (event.key === "a") {
        var approve = document.querySelector("#decision-form button[data-approve]");
        if (approve) { event.preventDefault(); approve.click(); }
        else if (document.querySelector('[data-panel="anyway"]')) { event.preventDefault(); openPanel("anyway"); }
      } else if (event.key === "e") { event.preventDefault(); openPanel("edit"); }
      else if (event.key === "r") { event.preventDefault(); openPanel("reject"); }
      return;
    }
    if (!rows().length) return;
    if (event.key === "j") { event.preventDefault(); focusRow(current + 1); }
    else if (event.key === "k") { event.preventDefault(); focusRow(current - 1); }
    else {
      var row = currentRow();
      if (!row) return;
      if (event.key === "a") { event.preventDefault(); approveRow(row); }
      else if (event.key === "x") {
        var box = row.querySelector("input[name=selected]");
        if (box) { event.preventDefault(); box.checked = !box.checked; updateSelection(); }
      } else if (event.key === "o") { event.preventDefault(); visit(row.getAttribute("data-url"), true); }
      else if (event.key === "e") { event.preventDefault(); window.location.assign(row.getAttribute("data-url") + "#edit"); }
      else if (event.key === "r") { event.preventDefault(); window.location.assign(row.getAttribute("data-url") + "#reject"); }
    }
  });

  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-open-panel]");
    if (opener) { event.preventDefault(); openPanel(opener.getAttribute("data-open-panel")); return; }
    var help = event.target.closest("[data-shortcut-help]");
    if (help) {
      var dialog = document.getElementById("shortcuts");
      if (dialog && dialog.showModal) dialog.showModal();
      return;
    }
    var step = event.target.closest("[data-next], [data-prev]");
    if (step && !event.ctrlKey && !event.metaKey && !event.shiftKey) { event.preventDefault(); visit(step.href, true); }
  });

  /* --- Swipe between drafts on a phone ---------------------------------------- */
  var touchX = null;
  var touchY = null;
  document.addEventListener("touchstart", function (event) {
    if (!document.querySelector("[data-review]") || event.touches.length !== 1 || typing(event.target)) { touchX = null; return; }
    touchX = event.touches[0].clientX;
    touchY = event.touches[0].clientY;
  }, { passive: true });
  document.addEventListener("touchend", function (event) {
    if (touchX === null) return;
    var dx = event.changedTouches[0].clientX - touchX;
    var dy = event.changedTouches[0].clientY - touchY;
    touchX = null;
    if (Math.abs(dx) < 80 || Math.abs(dx) < 2 * Math.abs(dy)) return;
    var link = document.querySelector(dx < 0 ? "[data-next]" : "[data-prev]");
    if (link) visit(link.href, true);
  }, { passive: true });

  function setup() {
    document.querySelectorAll("[data-shortcut-help]").forEach(function (b) { b.hidden = false; });
    setupDetail();
    setupQueue();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
