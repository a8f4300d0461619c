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
  // The jobs list's live refresh (#results polls itself) is held back while its box is unticked or
  // while a row is ticked, so a refresh never wipes a selection.
  // An answer already on its way when the box was unticked or a row ticked is not swapped in either.
  function liveHeld(elt) {
    if (!elt || !elt.hasAttribute || !elt.hasAttribute('data-live')) {
      return false;
    }
    var toggle = document.getElementById('live-toggle');
    return (toggle && !toggle.checked) || document.querySelector('input.pick:checked') !== null;
  }
  document.addEventListener('htmx:beforeRequest', function (event) {
    if (liveHeld(event.detail.elt)) {
      event.preventDefault();
    }
  });
  document.addEventListener('htmx:beforeSwap', function (event) {
    if (liveHeld(event.detail.elt)) {
      event.detail.shouldSwap = false;
    }
  });
  // The job page's live log tail: each line the stream sends becomes a row, its text set as text
  // (never parsed as HTML). Past 1,000 rows the oldest go, and "Earlier lines" then starts from
  // the first row left. The stream's end event (the job finished) closes it; a dropped connection
  // is resumed by the browser from the last line's id.
  var MAX_ROWS = 1000;
  function cell(row, text, cls) {
    var td = document.createElement('td');
    if (cls) {
      td.className = cls;
    }
    td.textContent = text;
    row.appendChild(td);
    return td;
  }
  function shownTime(at) {
    // 2026-11-22T10:00:00.123456Z → 2026-11-22 10:00:00Z, as the server shows times.
    return typeof at === 'string' && at.length >= 19 ? at.substring(0, 10) + ' ' + at.substring(11, 19) + 'Z' : String(at);
  }
  function followLog(table) {
    var body = table.tBodies[0];
    var source = new EventSource(table.getAttribute('data-stream'));
    source.onmessage = function (event) {
      var line;
      try {
        line = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      var level = String(line.level || '').toLowerCase();
      var row = document.createElement('tr');
      row.className = 'level-' + level.replace(/[^a-z]/g, '');
      row.setAttribute('data-cursor', event.lastEventId);
      cell(row, String(line.attempt), 'num');
      cell(row, String(line.seq), 'num');
      cell(row, level);
      cell(row, shownTime(line.at));
      var pre = document.createElement('pre');
      pre.textContent = String(line.message);
      cell(row, '', 'message').appendChild(pre);
      body.appendChild(row);
      table.hidden = false;
      var none = document.getElementById('no-log');
      if (none) {
        none.hidden = true;
      }
      while (body.rows.length > MAX_ROWS) {
        body.deleteRow(0);
        var first = body.rows[0].getAttribute('data-cursor');
        var earlier = document.getElementById('log-earlier');
        if (!earlier) {
          earlier = document.createElement('a');
          earlier.id = 'log-earlier';
          earlier.textContent = '\u2190 Earlier lines';
          document.querySelector('.log-nav').prepend(earlier);
        }
        if (first) {
          earlier.href = window.location.pathname + '?logBefore=' + encodeURIComponent(first) + '#log';
        }
      }
    };
    source.onerror = function () {
      // The browser resumes a dropped stream by itself; one it gave up on (the session ended,
      // the coordinator refused) is said to be stopped rather than left looking live.
      if (source.readyState === EventSource.CLOSED) {
        var live = document.getElementById('log-live');
        if (live) {
          live.textContent = 'The live tail stopped: reload the page to follow the log again.';
        }
      }
    };
    source.addEventListener('end', function () {
      source.close();
      var live = document.getElementById('log-live');
      if (live) {
        live.textContent = 'The job has finished: no more lines will come.';
      }
    });
  }
  document.addEventListener('DOMContentLoaded', function () {
    var table = document.querySelector('table.log[data-stream]');
    if (table && window.EventSource) {
      followLog(table);
    }
  });
  document.addEventListener('htmx:configRequest', function (event) {
    // A refresh the page makes by itself (data-background) does not count as the user's activity:
    // an unattended page lets its session end.
    var elt = event.detail.elt;
    if (elt && elt.hasAttribute && elt.hasAttribute('data-background')) {
      event.detail.headers['X-Baton-Background'] = '1';
    }
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
