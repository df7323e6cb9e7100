// The staff console's only script (served from /staff/static, so the page's CSP needs no
// 'unsafe-inline'). Two jobs: "/" focuses the search box, and the copy buttons copy their
// answer's plain text. Without it, everything else still works: the text to copy is on
// the page.
"use strict";

(function () {
  function typing(target) {
    if (!(target instanceof Element)) return false;
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) return;
    var box = document.getElementById("q");
    if (!box) return;
    event.preventDefault();
    box.focus();
    box.select();
  });

  function fallbackCopy(text) {
    // For pages served over plain http off localhost, where navigator.clipboard is absent.
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "offscreen";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try {
      ok = document.execCommand("copy");
    } catch (e) {
      ok = false;
    }
    document.body.removeChild(area);
    return ok ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () {
        return fallbackCopy(text);
      });
    }
    return fallbackCopy(text);
  }

  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("button.copy") : null;
    if (!button) return;
    var source = document.getElementById(button.getAttribute("data-copy") || "");
    if (!source) return;
    var status = button.parentElement ? button.parentElement.querySelector(".copy-status") : null;
    copy(source.value).then(
      function () {
        if (status) status.textContent = button.getAttribute("data-done") || "";
      },
      function () {
        if (status) status.textContent = button.getAttribute("data-failed") || "";
        var details = source.closest("details");
        if (details) details.open = true;
        source.focus();
        source.select();
      }
    );
  });
})();
