// The agent console's only script: insert a canned response into the reply box.
// Loaded as a static file (the CSP allows no inline script).
(function () {
  "use strict";

  function insertAtCursor(textarea, text) {
    var start = textarea.selectionStart || 0;
    var end = textarea.selectionEnd || 0;
    var before = textarea.value.slice(0, start);
    var after = textarea.value.slice(end);
    var glue = before && !/\n$/.test(before) ? "\n" : "";
    textarea.value = before + glue + text + after;
    var caret = (before + glue + text).length;
    textarea.focus();
    textarea.setSelectionRange(caret, caret);
  }

  function onPick(event) {
    var select = event.target;
    var option = select.options[select.selectedIndex];
    var textarea = document.getElementById(select.getAttribute("data-canned-target"));
    if (!option || !option.value || !textarea) {
      return;
    }
    insertAtCursor(textarea, option.getAttribute("data-body") || "");
    select.selectedIndex = 0;
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-canned-target]").forEach(function (select) {
      select.addEventListener("change", onPick);
    });
  });
})();
