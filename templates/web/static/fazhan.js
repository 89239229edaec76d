// Two small behaviours, no framework: the next-step panel refreshes itself, and a step form asks the
// engine about the typed date as soon as it changes. Both fetch server-rendered HTML fragments.
(function () {
  "use strict";

  // The top menu folds on phones behind one button; the CSS shows it unfolded from 700 px on.
  document.documentElement.classList.add("js");
  var toggle = document.querySelector(".menu-toggle");
  var nav = document.getElementById("main-nav");
  if (toggle && nav) {
    toggle.addEventListener("click", function () {
      var open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  function load(target, url) {
    fetch(url, { credentials: "same-origin" })
      .then(function (response) {
        if (response.redirected || !response.ok) { throw new Error("stale"); }
        return response.text();
      })
      .then(function (html) { target.innerHTML = html; })
      .catch(function () { /* keep what is shown; a reload will ask for the login again */ });
  }

  document.querySelectorAll("[data-refresh]").forEach(function (panel) {
    var url = panel.getAttribute("data-refresh");
    var refresh = function () { if (!document.hidden) { load(panel, url); } };
    setInterval(refresh, 60000);
    document.addEventListener("visibilitychange", refresh);
  });

  document.querySelectorAll("form[data-preview]").forEach(function (form) {
    var box = document.getElementById("preview");
    var day = form.querySelector("input[name=on]");
    if (!box || !day) { return; }
    day.addEventListener("change", function () {
      load(box, form.getAttribute("data-preview") + "?on=" + encodeURIComponent(day.value));
    });
  });
})();
