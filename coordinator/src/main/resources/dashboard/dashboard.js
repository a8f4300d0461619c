// Baton dashboard. Every page works without this file; it only adds what htmx requests need.
// Loaded from /ui/static (the Content-Security-Policy allows no inline script).
(function () {
  'use strict';
  // A state-changing htmx request carries the session's CSRF token as a header, read from the
  // hidden field every logged-in page has (the logout form's).
  // A JSON field (data-json) is checked in the browser before its form is sent; the server checks
  // it again. An unreadable one is marked and the form not sent.
  document.addEventListener('submit', function (event) {
    var fields = event.target.querySelectorAll('textarea[data-json]');
    for (var i = 0; i < fields.length; i++) {
      var field = fields[i];
      field.setCustomValidity('');
      if (field.value.trim() === '') {
        continue;
      }
      try {
        JSON.parse(field.value);
      } catch (e) {
        field.setCustomValidity('This is not valid JSON: ' + e.message);
        field.reportValidity();
        field.addEventListener('input', function () { this.setCustomValidity(''); }, {once: true});
        event.preventDefault();
        return;
      }
    }
  });
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
