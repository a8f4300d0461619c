"""What a handler hands back that cannot be sent as it is (a result or a progress that is not JSON,
not UTF-8, too deep to encode) fails or is dropped clearly; it never leaves a job running forever
or loses its outcome. And the newest progress is sent before the outcome even when it was already
in flight as the handler returned. Against a real coordinator."""

import threading
import time
import unittest

import harness
from harness import eventually


def _deep(depth):
    value = []
    for _ in range(depth):
        value = [value]
    return value


class _SlowProgress(harness.LossyTransport):
    """Holds every progress request for ``delay`` seconds before it leaves, as a slow network would."""

    delay = 1.5

    def exchange(self, method, path, body=None, headers=None, timeout=10.0):
        if path.endswith("/progress"):
            time.sleep(self.delay)
        return super().exchange(method, path, body, headers, timeout)


class OutcomesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = harness.cluster()
        cls.admin = cls.cluster.admin()

    def run_jobs(self, queue, handler, jobs, client=None, **options):
        worker = self.cluster.worker(queue, client=client, **options)
        worker.handler("t")(handler)
        worker.start()
        try:
            done = [self.admin.wait(j.id, timeout=30) for j in jobs]
            eventually(lambda: worker.running_jobs == 0, timeout=10, what="the worker to free its slots")
        finally:
            worker.close()
        return worker, done

    def test_a_result_too_deep_to_encode_fails_the_job_and_frees_its_slot(self):
        queue = harness.unique_queue("deep")
        jobs = [self.admin.enqueue("t", {"deep": True}, queue=queue), self.admin.enqueue("t", {}, queue=queue)]
        worker, done = self.run_jobs(queue, lambda ctx: _deep(100000) if ctx.payload else "fine", jobs,
                                     concurrency=1)
        self.assertEqual(done[0].status, "failed")
        self.assertEqual(done[0].last_error["type"], "result_not_json")
        self.assertFalse(done[0].last_error["retryable"])
        self.assertEqual((done[1].status, done[1].result), ("succeeded", "fine"))
        self.assertEqual(worker.outcomes, {"failed": 1, "succeeded": 1})

    def test_a_result_with_a_lone_surrogate_fails_alone_and_its_neighbours_complete(self):
        queue = harness.unique_queue("surrogate")
        jobs = [self.admin.enqueue("t", {"n": n}, queue=queue) for n in range(4)]
        barrier = threading.Barrier(4, timeout=20)

        def handler(ctx):
            barrier.wait()  # all four finish together: one POST /completions would carry them
            return {"text": "bad \ud800"} if ctx.payload["n"] == 0 else {"n": ctx.payload["n"]}

        worker, done = self.run_jobs(queue, handler, jobs, concurrency=4)
        self.assertEqual(done[0].status, "failed")
        self.assertEqual(done[0].last_error["type"], "result_not_json")
        for n, job in enumerate(done[1:], 1):
            self.assertEqual((job.status, job.result), ("succeeded", {"n": n}))
        self.assertEqual(worker.outcomes, {"failed": 1, "succeeded": 3})

    def test_a_progress_that_cannot_be_sent_as_given_never_costs_the_job_its_outcome(self):
        queue = harness.unique_queue("badprogress")
        jobs = [self.admin.enqueue("t", {"case": case}, queue=queue)
                for case in ("surrogate", "nul", "nan", "object", "fraction")]

        def handler(ctx):
            case = ctx.payload["case"]
            if case == "surrogate":
                ctx.progress(1, 2, "half \ud800 way")
            elif case == "nul":
                ctx.progress(1, 2, "half \x00 way")
            elif case == "nan":
                ctx.progress(float("nan"), 2)
            elif case == "object":
                ctx.progress(1, 2, object())
            else:
                ctx.progress(0.5, 1)
            return case

        worker, done = self.run_jobs(queue, handler, jobs, concurrency=5)
        for job in done:
            self.assertEqual((job.status, job.result), ("succeeded", job.payload["case"]))
        by_case = {job.payload["case"]: job.progress for job in done}
        self.assertEqual(by_case["surrogate"]["message"], "half \ufffd way")  # stored, made storable
        self.assertEqual(by_case["nul"]["message"], "half \ufffd way")
        self.assertEqual(worker.outcomes, {"succeeded": 5})

    def test_a_progress_in_flight_when_the_handler_returns_is_acknowledged_before_the_completion(self):
        queue = harness.unique_queue("inflight")
        job = self.admin.enqueue("t", {}, queue=queue)
        transport = _SlowProgress(self.cluster.url, self.cluster.tokens["worker"])

        def handler(ctx):
            ctx.progress(10, 10, "all done")
            time.sleep(0.6)  # the flusher (every 0.2 s) has taken it and is sending it, slowly
            return "done"

        client = self.cluster.worker_client(transport=transport)
        worker, done = self.run_jobs(queue, handler, [job], client=client)
        self.assertEqual(done[0].status, "succeeded")
        self.assertEqual(done[0].progress and (done[0].progress["current"], done[0].progress["message"]),
                         (10, "all done"))
        self.assertEqual(worker.outcomes, {"succeeded": 1})


if __name__ == "__main__":
    unittest.main()
