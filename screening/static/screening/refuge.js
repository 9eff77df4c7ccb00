/* Refuge Screen: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  // The error summary takes focus, so screen-reader users hear the problems first.
  var summary = document.querySelector("[data-module='error-summary']");
  if (summary && document.activeElement !== summary) {
    summary.focus();
  }

  // A link in the error summary moves focus to its field and shows the field's question above it.
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest(".error-summary a[href^='#']") : null;
    if (!link) {
      return;
    }
    var input = document.getElementById(link.getAttribute("href").slice(1));
    if (!input) {
      return;
    }
    event.preventDefault();
    var fieldset = input.closest("fieldset");
    var legend = fieldset ? fieldset.querySelector("legend") : null;
    var label = input.id ? document.querySelector("label[for='" + input.id + "']") : null;
    (legend || label || input).scrollIntoView();
    input.focus({ preventScroll: true });
  });

  // "None of these" / "Prefer not to say" cannot be combined with other options: ticking one clears the others.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("input[type='checkbox']") || !box.checked) {
      return;
    }
    var exclusive = box.hasAttribute("data-exclusive");
    var group = document.querySelectorAll("input[type='checkbox'][name='" + box.name + "']");
    Array.prototype.forEach.call(group, function (other) {
      if (other !== box && (exclusive || other.hasAttribute("data-exclusive"))) {
        other.checked = false;
      }
    });
  });

  // Country lists: GOV.UK's accessible-autocomplete (vendored) turns the <select> into a type-ahead; without
  // JavaScript, or if the library did not load, the <select> stays.
  if (window.accessibleAutocomplete) {
    var selects = document.querySelectorAll("select[data-module='country-autocomplete']");
    Array.prototype.forEach.call(selects, function (select) {
      var id = select.id;
      var chosen = select.options[select.selectedIndex];
      window.accessibleAutocomplete.enhanceSelectElement({
        selectElement: select,
        defaultValue: chosen && chosen.value ? chosen.textContent : "",
        showAllValues: true,
        autoselect: false, // no inline completion hint: its second <input> has no label (axe "label")
        tNoResults: function () { return select.getAttribute("data-no-results"); },
      });
      // Emptying the type-ahead takes the answer back, as choosing the empty option does without JavaScript.
      var input = document.getElementById(id);
      if (input) {
        input.addEventListener("input", function () {
          if (!input.value.trim()) { select.value = ""; }
        });
      }
    });
  }

  // Signed-in sessions end after data-session-idle seconds without a request (screening/web/sessions.py). While
  // the user types or clicks on a page they have not sent, tell the server they are still here; if nothing at
  // all happens, show the "Stay signed in" warning shortly before the limit.
  var idle = parseInt(document.body.getAttribute("data-session-idle"), 10);
  var keepalive = document.body.getAttribute("data-session-keepalive");
  var warning = document.getElementById("session-warning");
  if (idle > 0 && keepalive && warning && window.fetch) {
    var warnBefore = Math.min(120, idle / 4) * 1000;
    var lastContact = Date.now();
    var lastActivity = 0;
    var touch = function () {
      window.fetch(keepalive, { credentials: "same-origin", cache: "no-store", redirect: "manual" })
        .then(function (response) {
          if (response.status === 204) {
            lastContact = Date.now();
            warning.hidden = true;
          }
        })
        .catch(function () {});
    };
    ["keydown", "input", "click", "touchstart"].forEach(function (name) {
      document.addEventListener(name, function () { lastActivity = Date.now(); }, { passive: true });
    });
    warning.querySelector("[data-session-stay]").addEventListener("click", touch);
    window.setInterval(function () {
      if (Date.now() - lastContact < idle * 1000 - warnBefore) {
        return;
      }
      if (lastActivity > lastContact) {
        touch();
      } else {
        warning.hidden = false;
      }
    }, Math.min(15000, warnBefore / 2));
  }
})();
