/* Small behaviours of every page, kept out of the HTML so the Content-Security-Policy allows no inline
   script:
   - <select data-submit-on-change> sends its form when a choice is made (the language menu);
   - <input type="checkbox" data-select-all="#table-id input[name=ids]"> ticks or clears every box the
     selector finds (bulk actions on lists);
   - <input readonly data-select-on-focus> selects its whole value when focused (keys and tokens to copy);
   - every cell of a wide table (four columns or more, not .keep-table) gets its column's heading as
     data-label, so on a phone the stylesheet can show each row as a card of labelled values.
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

  var WIDE = 4;

  // A heading's words without what only the eye needs (the arrow of a sorted column).
  function headingText(th) {
    var copy = th.cloneNode(true);
    copy.querySelectorAll("[aria-hidden=true]").forEach(function (hidden) { hidden.remove(); });
    return copy.textContent.replace(/\s+/g, " ").trim();
  }

  function labelCells() {
    document.querySelectorAll("table:not(.keep-table):not(.stacks)").forEach(function (table) {
      var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), headingText);
      if (heads.length < WIDE) return;
      table.classList.add("stacks");
    });
    document.querySelectorAll("table.stacks").forEach(function (table) {
      var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), headingText);
      table.querySelectorAll("tbody tr").forEach(function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.children, function (cell) {
          if (!cell.hasAttribute("data-label") && heads[column]) cell.setAttribute("data-label", heads[column]);
          column += cell.colSpan || 1;
        });
      });
    });
  }

  // htmx:load comes for the first page and for everything swapped in later (rows, boosted pages).
  document.addEventListener("htmx:load", labelCells);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", labelCells);
  else labelCells();

  document.addEventListener("click", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("input[type=checkbox][data-select-all]")) return;
    document.querySelectorAll(box.dataset.selectAll).forEach(function (other) {
      other.checked = box.checked;
    });
  });
})();
