/* Forms with data-confirm="question" ask before they submit (stage anyway, approve a plan).
   Without this file the server still refuses what needs a confirmation. */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
  }, true);
})();
