/* Small behaviours of every page, kept out of the HTML so the Content-Security-Policy allows no inline
   script:
   - <select data-submit-on-change> sends its form when a choice is made (the language menu);
   - <input type="checkbox" data-select-all="#table-id input[name=ids]"> ticks or clears every box the
     selector finds (bulk actions on lists);
   - <input readonly data-select-on-focus> selects its whole value when focused (keys and tokens to copy).
   One listener per event on the document, so content htmx swaps in works too; loading the script again
   (a boosted page change) adds nothing twice. */
(function () {
  if (window.affPageActions) return;
  window.affPageActions = true;

  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches("select[data-submit-on-change]") && field.form) {
      if (field.form.requestSubmit) field.form.requestSubmit();
      else field.form.submit();
    }
  });

  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("input[data-select-on-focus], textarea[data-select-on-focus]")) event.target.select();
  });

  document.addEventListener("click", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("input[type=checkbox][data-select-all]")) return;
    document.querySelectorAll(box.dataset.selectAll).forEach(function (other) {
      other.checked = box.checked;
    });
  });
})();
