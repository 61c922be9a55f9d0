// Samvad console: the one script the pages run (the Content-Security-Policy
// allows no other). An element with data-refresh="<seconds>" is fetched
// again from its data-src (or the page's own address) that often and its
// contents replaced by the same element of the answer, so that lists such
// as the inbox stay current without reloading the page. Forms inside it are
// left alone while the user is typing in one.
(function () {
  'use strict';
  function refresh(el) {
    const src = el.dataset.src || window.location.pathname + window.location.search;
    const busy = el.contains(document.activeElement) && /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName);
    if (busy || document.hidden) return;
    fetch(src, { credentials: 'same-origin', headers: { 'X-Requested-With': 'console' } })
      .then(function (res) { return res.ok ? res.text() : Promise.reject(res.status); })
      .then(function (html) {
        const doc = new DOMParser().parseFromString(html, 'text/html');
        const fresh = doc.getElementById(el.id);
        if (fresh && fresh.innerHTML !== el.innerHTML) {
          el.innerHTML = fresh.innerHTML;
          el.dispatchEvent(new CustomEvent('console:refreshed', { bubbles: true }));
        }
      })
      .catch(function () { /* the next round tries again */ });
  }
  function start() {
    document.querySelectorAll('[data-refresh][id]').forEach(function (el) {
      const every = Math.max(2, parseInt(el.dataset.refresh, 10) || 5) * 1000;
      window.setInterval(function () { refresh(el); }, every);
    });
    document.querySelectorAll('select[data-autosubmit]').forEach(function (sel) {
      sel.addEventListener('change', function () { sel.form.submit(); });
    });
    document.body.dataset.ready = 'true';
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
