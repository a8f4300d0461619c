// Baton dashboard. Every page works without this file; it only adds what htmx requests need.
// Loaded from /ui/static (the Content-Security-Policy allows no inline script).
(function () {
  'use strict';
  // A state-changing htmx request carries the session's CSRF token as a header, read from the
  // hidden field every logged-in page has (the logout form's).
  document.addEventListener('htmx:configRequest', function (event) {
    var verb = (event.detail.verb || 'get').toLowerCase();
    if (verb === 'get') {
      return;
    }
    var field = document.querySelector('input[name="_csrf"]');
    if (field) {
      event.detail.headers['X-CSRF-Token'] = field.value;
    }
  });
})();
