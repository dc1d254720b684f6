/* Page behaviour without inline scripts (the Content Security Policy allows scripts from 'self' only).
 *
 * - <form data-confirm="问题？">: asks before submitting; cancelling keeps the page as it is.
 * - <button data-formset-add="PREFIX" data-formset-rows="ROWS_ID" data-formset-template="TEMPLATE_ID">:
 *   appends one empty row of a Django formset (up to its MAX_NUM_FORMS).
 */
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-formset-add]") : null;
    if (!button) { return; }
    var prefix = button.getAttribute("data-formset-add");
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    var max = parseInt(document.getElementById("id_" + prefix + "-MAX_NUM_FORMS").value, 10);
    var n = parseInt(total.value, 10);
    if (n >= max) { return; }
    var template = document.getElementById(button.getAttribute("data-formset-template"));
    var html = template.innerHTML.replace(/__prefix__/g, String(n));
    document.getElementById(button.getAttribute("data-formset-rows")).insertAdjacentHTML("beforeend", html);
    total.value = n + 1;
  });
})();
