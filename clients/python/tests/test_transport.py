"""The transport's reading of answers a healthy coordinator rarely gives on demand (a 503 with
Retry-After, a code this client does not know, an unreadable body), served by a local HTTP server
that answers exactly those bytes. Everything else is tested against real coordinators."""

import http.server
import json
import threading
import unittest

import harness  # noqa: F401 (puts the package on sys.path)
from baton_client import BatonClient, BatonConflict, BatonProblem, BatonUnavailable, NonRetryable, Worker
from baton_client.retry import delay


class _Canned(http.server.BaseHTTPRequestHandler):
    answers = []  # (status, headers, body), served in turn

    def do_GET(self):
        self._answer()

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._answer()

    def _answer(self):
        status, headers, body = self.answers.pop(0)
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class TransportTest(unittest.TestCase):
    def setUp(self):
        self.servers = []

    def tearDown(self):
        for s in self.servers:
            s.shutdown()
            s.server_close()

    def serve(self, *answers):
        handler = type("Handler", (_Canned,), {"answers": list(answers)})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.servers.append(server)
        return "http://127.0.0.1:%d" % server.server_address[1]

    def test_a_503_is_unavailable_with_its_retry_after_and_moves_to_the_next_coordinator(self):
        problem = {"type": "about:blank", "title": "Service Unavailable", "status": 503, "code": "unavailable",
                   "detail": "the database cannot be reached; nothing was written"}
        down = self.serve((503, {"Content-Type": "application/problem+json", "Retry-After": "2"},
                           json.dumps(problem).encode()))
        up = self.serve((200, {"Content-Type": "application/json"}, b'{"id": "7", "status": "queued"}'))
        client = BatonClient([down, up], "token", retries=0)
        with self.assertRaises(BatonUnavailable) as e:
            client.get("7")
        self.assertEqual((e.exception.status, e.exception.code, e.exception.retry_after), (503, "unavailable", 2.0))
        self.assertEqual(client.transport.failovers, 1)
        self.assertEqual(client.get("7").status, "queued")  # the next request goes to the other one

    def test_retry_after_is_honoured_up_to_the_cap(self):
        self.assertGreaterEqual(delay(0, 0.1, 5.0, retry_after=2.0), 2.0)
        self.assertLessEqual(delay(0, 0.1, 5.0, retry_after=120.0), 5.0)

    def test_a_code_this_client_does_not_know_keeps_its_code(self):
        url = self.serve((409, {"Content-Type": "application/problem+json"},
                          b'{"status": 409, "code": "brand_new", "detail": "d", "job": {"id": "1", "version": 4}}'),
                         (418, {}, b"not json"))
        client = BatonClient(url, "token", retries=0)
        with self.assertRaises(BatonConflict) as conflict:
            client.get("1")
        self.assertEqual((conflict.exception.code, conflict.exception.current.version), ("brand_new", 4))
        with self.assertRaises(BatonProblem) as teapot:
            client.get("1")
        self.assertEqual((teapot.exception.status, teapot.exception.code), (418, "http_418"))

    def test_an_unreadable_success_is_unavailable_not_a_crash(self):
        url = self.serve((200, {"Content-Type": "application/json"}, b"{truncated"))
        with self.assertRaises(BatonUnavailable):
            BatonClient(url, "token", retries=0).get("1")


class _Routed(http.server.BaseHTTPRequestHandler):
    """Answers by path: ``routes`` maps a path's ending to a list of (status, body) served in turn
    (the last one again once the list is down to it); ``seen`` records every path asked."""
    routes = {}
    seen = []

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.seen.append(self.path)
        for ending, answers in self.routes.items():
            if self.path.endswith(ending):
                status, body = answers.pop(0) if len(answers) > 1 else answers[0]
                break
        else:
            status, body = 404, b'{"status": 404, "code": "not_found"}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class GarbledOutcomeTest(unittest.TestCase):
    """A worker whose coordinator (or a proxy in front of it) answers an outcome with a 2xx it cannot
    read resends the outcome; it never drops it."""

    def setUp(self):
        self.servers = []

    def tearDown(self):
        for s in self.servers:
            s.shutdown()
            s.server_close()

    def test_a_fail_answered_with_an_empty_200_is_resent_until_understood(self):
        job = {"id": "1", "type": "t", "queue": "q", "status": "running", "attempt": 1, "version": 2,
               "payload": {}, "leaseToken": "lease-1"}
        handler = type("Handler", (_Routed,), {"seen": [], "routes": {
            "/claims": [(200, json.dumps({"jobs": [job]}).encode()), (200, b'{"jobs": []}')],
            "/jobs/1/fail": [(200, b""), (200, b"[]"),
                             (200, json.dumps(dict(job, status="failed", version=3)).encode())],
        }})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.servers.append(server)
        worker = Worker("http://127.0.0.1:%d" % server.server_address[1], "token", queues=["q"], concurrency=1,
                        lease_ms=3000, claim_wait_ms=100)

        @worker.handler("t")
        def fails(ctx):
            raise NonRetryable("no")

        worker.start()
        try:
            harness.eventually(lambda: worker.outcomes, timeout=20, what="the job's outcome")
        finally:
            worker.close()
        self.assertEqual(worker.outcomes, {"failed": 1})
        self.assertEqual(handler.seen.count("/api/v1/jobs/1/fail"), 3)


if __name__ == "__main__":
    unittest.main()
