/* Redress portal: small progressive enhancements. Every page works without this file.
   Loaded from 'self' with defer; no inline script anywhere (the CSP forbids it). */
(function () {
  "use strict";

  function selectedCategory(form) {
    var checked = form.querySelector('input[name="category"]:checked');
    return checked ? checked.value : "";
  }

  // Only the subcategories of the chosen category are offered.
  function filterSubcategories(form, category) {
    var select = form.querySelector('select[name="subcategory"]');
    if (!select) return;
    var groups = select.querySelectorAll("optgroup");
    groups.forEach(function (group) {
      var match = group.getAttribute("data-category") === category;
      group.hidden = !match;
      group.disabled = !match;
    });
    var option = select.options[select.selectedIndex];
    if (option && option.parentElement.tagName === "OPTGROUP" && option.parentElement.disabled) {
      select.value = "";
    }
  }

  // Help articles for the chosen category appear before the customer writes anything.
  function showHelp(category) {
    var panel = document.querySelector("[data-help-articles]");
    if (!panel) return;
    var sections = panel.querySelectorAll(".help-section");
    var shown = 0;
    sections.forEach(function (section) {
      var match = section.getAttribute("data-category") === category;
      section.hidden = !match;
      if (match) shown += 1;
    });
    var empty = panel.querySelector("[data-help-empty]");
    if (empty) empty.hidden = category !== "";
    panel.hidden = category !== "" && shown === 0;
  }

  function showFor(form, category) {
    form.querySelectorAll("[data-show-for]").forEach(function (block) {
      block.hidden = block.getAttribute("data-show-for") !== category;
    });
  }

  function toggleWithCheckbox(form) {
    form.querySelectorAll("[data-show-when]").forEach(function (block) {
      var box = document.getElementById(block.getAttribute("data-show-when"));
      if (!box) return;
      var update = function () { block.hidden = !box.checked; };
      box.addEventListener("change", update);
      update();
    });
  }

  function labelOptgroups(form, categories) {
    // The server renders optgroups labelled with the category names; tag each with its code.
    var select = form.querySelector('select[name="subcategory"]');
    if (!select) return;
    var byLabel = {};
    categories.forEach(function (input) {
      var label = input.closest("label").querySelector(".category-choice__label");
      if (label) byLabel[label.textContent.trim()] = input.value;
    });
    select.querySelectorAll("optgroup").forEach(function (group) {
      group.setAttribute("data-category", byLabel[group.label.trim()] || "");
    });
  }

  function setUpFiling(form) {
    var categories = Array.prototype.slice.call(form.querySelectorAll('input[name="category"]'));
    labelOptgroups(form, categories);
    var update = function () {
      var category = selectedCategory(form);
      filterSubcategories(form, category);
      showHelp(category);
      showFor(form, category);
    };
    categories.forEach(function (input) { input.addEventListener("change", update); });
    toggleWithCheckbox(form);
    update();
  }

  // A second click while the first submit is on its way does nothing. (The server also files a
  // form's token only once, so a resubmit after "back" cannot file twice either.)
  function submitOnce(form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("[data-submit-once]").forEach(function (button) {
        window.setTimeout(function () { button.disabled = true; button.setAttribute("aria-busy", "true"); }, 0);
      });
    });
  }

  function focusFirstError() {
    var alert = document.getElementById("form-errors");
    var invalid = document.querySelector('[aria-invalid="true"]');
    if (invalid) {
      invalid.focus();
    } else if (alert) {
      alert.focus();
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var filing = document.querySelector("[data-filing-form]");
    if (filing) setUpFiling(filing);
    document.querySelectorAll("form").forEach(function (form) {
      if (form.querySelector("[data-submit-once]")) submitOnce(form);
    });
    focusFirstError();
  });
})();
