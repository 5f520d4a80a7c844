/* 关怀版 (care mode): larger text and high contrast, for elderly readers (see style.css, html.care).
   Loaded in <head> without defer: the class is set on <html> before the page is drawn, so a page
   never flashes in the normal style first. The choice is remembered without cookies:
   - localStorage where the browser allows it (a site served over http; Chromium's file:// too);
   - window.name as well, which a tab keeps while it moves from page to page, and which works where
     localStorage does not (Firefox gives each file:// page an origin of its own).
   The switch in the header (.care-switch) is hidden in the HTML and shown here: without script a
   button that does nothing is never shown. Its words are the template's, never this file's. */
(function () {
  "use strict";
  var KEY = "bulletin-care";
  var TOKEN = /(?:^|\s)bulletin-care:([01])(?=\s|$)/;
  var root = document.documentElement;

  function fromStorage() {
    try {
      var value = window.localStorage.getItem(KEY);
      return value === "1" ? true : value === "0" ? false : null;
    } catch (error) {  // blocked (file://, private mode, settings): window.name still remembers
      return null;
    }
  }

  function fromWindowName() {
    var found = TOKEN.exec(window.name || "");
    return found ? found[1] === "1" : null;
  }

  function remember(on) {
    try {
      window.localStorage.setItem(KEY, on ? "1" : "0");
    } catch (error) {
      // not allowed here: window.name below is enough for this tab
    }
    // Kept beside whatever else the tab's name holds.
    var others = (window.name || "").replace(TOKEN, " ").replace(/\s+/g, " ").trim();
    window.name = (others ? others + " " : "") + "bulletin-care:" + (on ? "1" : "0");
  }

  function apply(on) {
    if (on) {
      root.classList.add("care");
    } else {
      root.classList.remove("care");
    }
  }

  var stored = fromStorage();
  var chosen = stored !== null ? stored : fromWindowName();
  apply(chosen === true);
  if (chosen !== null) {
    remember(chosen);  // both places agree from now on, whichever one remembered it
  }

  function wireSwitches() {
    var switches = document.querySelectorAll(".care-switch");
    Array.prototype.forEach.call(switches, function (button) {
      button.setAttribute("aria-pressed", root.classList.contains("care") ? "true" : "false");
      button.hidden = false;
      button.addEventListener("click", function () {
        var on = !root.classList.contains("care");
        apply(on);
        remember(on);
        Array.prototype.forEach.call(switches, function (each) {
          each.setAttribute("aria-pressed", on ? "true" : "false");
        });
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", wireSwitches);
  } else {
    wireSwitches();
  }
})();
