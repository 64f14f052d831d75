/* The review grid: tap pictures to select them, one bar to decide, a few seconds to undo.
   Without this file the grid is a plain form: the bar's buttons post the selection (no undo).
   Keys: arrows move between pictures, Space selects, A approves, R rejects (with the note), U undoes. */
(function () {
  "use strict";

  var UNDO_SECONDS = 5;

  function main() {
    var form = document.querySelector("[data-grid]");
    if (!form) return;
    var tiles = Array.prototype.slice.call(form.querySelectorAll("[data-tile]"));
    var count = form.querySelector("[data-grid-count]");
    var note = form.querySelector("#grid-note");
    var undoBox = document.querySelector("[data-grid-undo]");
    var undoText = document.querySelector("[data-grid-undo-text]");
    var pending = null; // {decision, tiles, timer, ticker, left}

    function box(tile) { return tile.querySelector("input[name=selected]"); }
    function live() { return tiles.filter(function (tile) { return !tile.classList.contains("is-decided") && !tile.classList.contains("is-pending"); }); }
    function selected() { return live().filter(function (tile) { return box(tile).checked; }); }

    function update() {
      var chosen = selected();
      var flagged = chosen.filter(function (tile) { return tile.hasAttribute("data-flagged"); }).length;
      tiles.forEach(function (tile) { tile.classList.toggle("is-selected", box(tile).checked); });
      count.textContent = chosen.length
        ? chosen.length + " selected" + (flagged ? " (" + flagged + " flagged: open them to approve anyway)" : "")
        : "Nothing selected";
      form.classList.toggle("has-selection", chosen.length > 0);
    }

    var undoButton = document.querySelector("[data-grid-undo-button]");
    function say(text) {
      undoText.textContent = text;
      undoButton.hidden = !pending;  // Undo only while a decision waits to be sent
      undoBox.hidden = false;
    }

    function send(batch) {
      var data = new FormData(form);
      data.delete("selected");
      batch.tiles.forEach(function (tile) { data.append("selected", box(tile).value); });
      data.set("decision", batch.decision);
      return fetch(form.action, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        keepalive: true,
        headers: { "Accept": "application/json", "X-CSRFToken": data.get("csrfmiddlewaretoken") || "" }
      }).then(function (response) { return response.json(); }).then(function (result) {
        var outcome = {};
        (result.results || []).forEach(function (r) { outcome[String(r.id)] = r; });
        var failed = 0;
        batch.tiles.forEach(function (tile) {
          var r = outcome[tile.getAttribute("data-id")];
          tile.classList.remove("is-pending");
          var state = tile.querySelector("[data-tile-state]");
          if (r && r.ok) {
            tile.classList.add("is-decided");
            state.textContent = batch.decision === "approve" ? "Approved" : "Rejected";
            box(tile).checked = false;
            box(tile).disabled = true;
          } else {
            failed += 1;
            state.textContent = r ? r.message : (result.errors || ["Not decided."]).join(" ");
          }
        });
        say((result.message || "") + (failed ? " " + failed + " could not be decided." : ""));
        window.setTimeout(function () { if (!pending) undoBox.hidden = true; }, 4000);
        update();
      }, function () {
        batch.tiles.forEach(function (tile) { tile.classList.remove("is-pending"); });
        say("The decision could not be sent; nothing was decided. Try again.");
        update();
      });
    }

    function flush() {
      if (!pending) return;
      var batch = pending;
      pending = null;
      window.clearTimeout(batch.timer);
      window.clearInterval(batch.ticker);
      send(batch);
    }

    function undo() {
      if (!pending) return;
      window.clearTimeout(pending.timer);
      window.clearInterval(pending.ticker);
      pending.tiles.forEach(function (tile) {
        tile.classList.remove("is-pending");
        tile.querySelector("[data-tile-state]").textContent = "";
      });
      var n = pending.tiles.length;
      pending = null;
      say("Undone: " + n + " picture" + (n === 1 ? "" : "s") + " left as they were.");
      update();
    }

    function decide(decision) {
      flush();
      var chosen = selected();
      if (decision === "approve") chosen = chosen.filter(function (tile) { return !tile.hasAttribute("data-flagged"); });
      if (!chosen.length) {
        say(decision === "approve" && selected().length
          ? "Flagged pictures are approved one by one: open them with “Look closer”."
          : "Select pictures first: tap them.");
        return;
      }
      if (decision === "reject" && !note.value.trim()) {
        say("Say why in the note, so the next versions can be better.");
        note.focus();
        return;
      }
      var verb = decision === "approve" ? "Approving" : "Rejecting";
      chosen.forEach(function (tile) {
        tile.classList.add("is-pending");
        tile.querySelector("[data-tile-state]").textContent = verb + "…";
      });
      pending = { decision: decision, tiles: chosen, left: UNDO_SECONDS };
      var label = function () { return verb + " " + chosen.length + " picture" + (chosen.length === 1 ? "" : "s") + " in " + pending.left + " s."; };
      say(label());
      pending.ticker = window.setInterval(function () { if (pending) { pending.left -= 1; say(label()); } }, 1000);
      pending.timer = window.setTimeout(flush, UNDO_SECONDS * 1000);
      update();
    }

    form.addEventListener("change", update);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      decide(event.submitter ? event.submitter.value : "approve");
    });
    undoButton.addEventListener("click", undo);
    window.addEventListener("pagehide", flush);

    function columns() {
      var top = tiles[0].offsetTop;
      var n = tiles.filter(function (tile) { return tile.offsetTop === top; }).length;
      return Math.max(1, n);
    }
    document.addEventListener("keydown", function (event) {
      var target = event.target;
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if (target && /^(TEXTAREA|SELECT)$/.test(target.tagName)) return;
      if (target && target.tagName === "INPUT" && target.type === "text") {
        if (event.key === "Enter") { event.preventDefault(); decide("reject"); }
        return;
      }
      var index = tiles.indexOf(target && target.closest ? target.closest("[data-tile]") : null);
      var step = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: columns(), ArrowUp: -columns() }[event.key];
      if (step) {
        event.preventDefault();
        var next = Math.min(tiles.length - 1, Math.max(0, (index < 0 ? -step : index) + step));
        box(tiles[next]).focus();
        return;
      }
      var key = event.key.toLowerCase();
      if (key === "a") { event.preventDefault(); decide("approve"); }
      else if (key === "r") { event.preventDefault(); note.focus(); }
      else if (key === "u") { event.preventDefault(); undo(); }
    });
    update();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", main);
  else main();
})();
