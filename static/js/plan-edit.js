/* A production plan's edit form: each week's hours follow the pieces and weeks the maker picks.
   The server recomputes the same and refuses a week over the maker's hours; this only says so first. */
(function () {
  "use strict";

  function hours(minutes) {
    return (minutes / 60).toFixed(1).replace(/\.0$/, "") + " h";
  }

  function recompute(root) {
    var used = {};
    root.querySelectorAll("input[data-minutes-per-piece]").forEach(function (input) {
      var line = input.closest(".plan-edit-line");
      var week = line.querySelector("select").value;
      var pieces = /^\d+$/.test(input.value.trim()) ? parseInt(input.value, 10) : 0;
      var key = input.getAttribute("data-plan-maker") + "|" + week;
      used[key] = (used[key] || 0) + Math.round(pieces * parseFloat(input.getAttribute("data-minutes-per-piece")));
    });
    root.querySelectorAll("[data-plan-week]").forEach(function (week) {
      var key = week.getAttribute("data-plan-maker") + "|" + week.getAttribute("data-plan-week");
      var minutes = used[key] || 0;
      var available = parseInt(week.getAttribute("data-minutes-available"), 10) || 0;
      week.querySelector("[data-plan-used]").textContent = hours(minutes);
      var over = week.querySelector("[data-plan-over]");
      var isOver = minutes > available;
      week.classList.toggle("is-over", isOver);
      over.hidden = !isOver;
      over.textContent = isOver
        ? "Over by " + hours(minutes - available) + ": lower a quantity or move a batch to another week before approving."
        : "";
    });
  }

  function enhance(root) {
    (root || document).querySelectorAll("[data-plan-edit]").forEach(function (form) {
      if (form.hasAttribute("data-plan-edit-ready")) return;
      form.setAttribute("data-plan-edit-ready", "");
      form.addEventListener("input", function () { recompute(form); });
      form.addEventListener("change", function () { recompute(form); });
      recompute(form);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("atelier:content", function (event) { enhance(event.detail.root); });
})();
