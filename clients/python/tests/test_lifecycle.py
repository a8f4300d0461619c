"""A job's life through the Python client and worker, and the client's typed refusals."""

import unittest

import harness
from baton_client import (BatonClient, BatonForbidden, BatonIdempotencyKeyReused, BatonInvalidRequest,
                          BatonInvalidTransition, BatonNotFound, BatonUnauthenticated, NonRetryable)


class LifecycleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = harness.cluster()
        cls.admin = cls.cluster.admin()
        cls.producer = cls.cluster.producer()

    def test_a_job_runs_with_its_logs_progress_and_result(self):
        queue = harness.unique_queue("life")
        job = self.producer.enqueue("add", {"a": 2, "b": 3}, queue=queue, labels={"suite": "py"})
        self.assertEqual(job.status, "queued")
        worker = self.cluster.worker(queue)

        @worker.handler("add")
        def add(ctx):
            ctx.info("adding %d and %d" % (ctx.payload["a"], ctx.payload["b"]))
            ctx.progress(1, 2, "halfway")
            ctx.warn("almost there")
            ctx.progress(2, 2, "done")
            return {"sum": ctx.payload["a"] + ctx.payload["b"], "attempt": ctx.attempt}

        worker.start()
        try:
            done = self.producer.wait(job.id, timeout=120)
        finally:
            worker.close()
        self.assertEqual(done.status, "succeeded")
        self.assertEqual(done.result, {"sum": 5, "attempt": 1})
        self.assertEqual(done.progress["current"], 2)
        self.assertEqual(done.progress["message"], "done")
        lines, _ = self.producer.logs(job.id)
        self.assertEqual([(l["seq"], l["level"], l["message"]) for l in lines],
                         [(1, "info", "adding 2 and 3"), (2, "warn", "almost there")])
        self.assertEqual(worker.outcomes, {"succeeded": 1})
        self.assertEqual([j.id for j in self.producer.list(queue=queue, labels={"suite": "py"})], [job.id])
        types = [e["type"] for e in self.producer.events(job.id)]
        self.assertEqual(types[0], "enqueued")
        self.assertEqual(types[-1], "completed")

    def test_a_batch_is_completed_in_few_requests(self):
        queue = harness.unique_queue("batch")
        jobs = self.producer.enqueue_batch([{"type": "echo", "payload": {"n": n}, "queue": queue} for n in range(30)])
        self.assertEqual(len(jobs), 30)
        worker = self.cluster.worker(queue, concurrency=8)
        worker.handler("echo")(lambda ctx: {"n": ctx.payload["n"]})
        worker.start()
        try:
            finished = [self.producer.wait(j.id, timeout=180) for j in jobs]
        finally:
            worker.close()
        self.assertEqual([j.result for j in finished], [{"n": n} for n in range(30)])
        self.assertEqual(worker.outcomes, {"succeeded": 30})
        self.assertEqual(sum(1 for _ in self.producer.list_all(queue=queue, status="succeeded", limit=7)), 30)

    def test_a_failing_job_is_retried_then_failed_for_good_then_retried_by_an_admin(self):
        queue = harness.unique_queue("fail")
        job = self.producer.enqueue("flaky", {}, queue=queue, max_attempts=3,
                                    backoff={"initialMs": 10, "factor": 1.0, "maxMs": 10, "jitter": 0.0})
        worker = self.cluster.worker(queue)
        attempts = []

        @worker.handler("flaky")
        def flaky(ctx):
            attempts.append(ctx.attempt)
            if ctx.attempt == 1:
                raise RuntimeError("first try fails")
            if ctx.attempt == 2:
                raise NonRetryable("second try gives up")
            return "third time lucky"

        worker.start()
        try:
            failed = self.producer.wait(job.id, timeout=120)
            self.assertEqual(failed.status, "failed")
            self.assertEqual(failed.last_error["message"], "second try gives up")
            self.assertEqual(failed.last_error["type"], "NonRetryable")
            self.assertFalse(failed.last_error["retryable"])
            retried = self.admin.retry(job.id, expected_version=failed.version)
            self.assertEqual(retried.status, "queued")
            done = self.producer.wait(job.id, timeout=120)
        finally:
            worker.close()
        self.assertEqual(done.status, "succeeded")
        self.assertEqual(done.result, "third time lucky")
        self.assertEqual(attempts, [1, 2, 3])
        self.assertEqual(worker.outcomes, {"retried": 1, "failed": 1, "succeeded": 1})

    def test_a_result_the_coordinator_cannot_take_fails_its_job_for_good_and_spares_the_others(self):
        queue = harness.unique_queue("badresult")
        kinds = ["not_json", "nul_in_result", "nul_in_error", "fine"]
        jobs = {kind: self.producer.enqueue("odd", {"kind": kind}, queue=queue, max_attempts=1) for kind in kinds}
        worker = self.cluster.worker(queue, concurrency=4)

        @worker.handler("odd")
        def odd(ctx):
            kind = ctx.payload["kind"]
            if kind == "not_json":
                return {"when": object()}
            if kind == "nul_in_result":
                return {"text": "a\x00b"}
            if kind == "nul_in_error":
                raise RuntimeError("bad\x00text")
            return "fine"

        worker.start()
        try:
            done = {kind: self.producer.wait(job.id, timeout=120) for kind, job in jobs.items()}
        finally:
            worker.close()
        self.assertEqual(done["fine"].result, "fine")
        self.assertEqual(done["not_json"].status, "failed")
        self.assertEqual(done["not_json"].last_error["type"], "result_not_json")
        self.assertEqual(done["nul_in_result"].status, "failed")
        self.assertEqual(done["nul_in_result"].last_error["type"], "result_refused")
        self.assertFalse(done["nul_in_result"].last_error["retryable"])
        self.assertEqual(done["nul_in_error"].status, "failed")
        self.assertEqual(done["nul_in_error"].last_error["message"], "bad\ufffdtext")

    def test_enqueue_is_idempotent_and_deduplicates_by_unique_key(self):
        queue = harness.unique_queue("idem")
        first = self.producer.enqueue("noop", {"x": 1}, queue=queue, idempotency_key="key-" + queue)
        again = self.producer.enqueue("noop", {"x": 1}, queue=queue, idempotency_key="key-" + queue)
        self.assertEqual(again.id, first.id)
        with self.assertRaises(BatonIdempotencyKeyReused) as reused:
            self.producer.enqueue("noop", {"x": 2}, queue=queue, idempotency_key="key-" + queue)
        self.assertEqual(reused.exception.status, 422)
        unique = self.producer.enqueue("noop", {}, queue=queue, unique_key="only-one")
        self.assertFalse(unique.deduplicated)
        same = self.producer.enqueue("noop", {}, queue=queue, unique_key="only-one")
        self.assertTrue(same.deduplicated)
        self.assertEqual(same.id, unique.id)

    def test_every_refusal_is_a_typed_exception(self):
        queue = harness.unique_queue("refuse")
        with self.assertRaises(BatonNotFound) as nf:
            self.producer.get("987654321987")
        self.assertEqual((nf.exception.status, nf.exception.code), (404, "not_found"))
        with self.assertRaises(BatonUnauthenticated):
            BatonClient(self.cluster.url, "not-a-token").get("1")
        job = self.producer.enqueue("noop", {}, queue=queue)
        with self.assertRaises(BatonForbidden):
            self.producer.cancel(job.id)  # cancel is admin-only
        with self.assertRaises(BatonInvalidRequest) as bad:
            self.producer.enqueue("noop", {}, queue=queue, max_attempts=0)
        self.assertTrue(bad.exception.errors)
        cancelled = self.admin.cancel(job.id, reason="not needed")
        self.assertEqual(cancelled.status, "cancelled")
        with self.assertRaises(BatonInvalidTransition) as again:
            self.admin.cancel(job.id)
        self.assertEqual(again.exception.current.status, "cancelled")
        self.assertEqual(again.exception.current.version, cancelled.version)
        with self.assertRaises(TypeError):
            self.producer.enqueue("noop", {}, queue=queue, no_such_option=1)


if __name__ == "__main__":
    unittest.main()
