"""A handler is stopped when its job is cancelled or its lease is lost, and never completes it."""

import threading
import unittest

import harness
from harness import eventually
from baton_client import JobStopped


class LeaseTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = harness.cluster()
        cls.admin = cls.cluster.admin()

    def test_cancelling_a_running_job_stops_its_handler(self):
        queue = harness.unique_queue("cancel")
        job = self.admin.enqueue("forever", {}, queue=queue)
        worker = self.cluster.worker(queue)
        started, stopped = threading.Event(), []

        @worker.handler("forever")
        def forever(ctx):
            started.set()
            try:
                while True:
                    ctx.sleep(0.1)
            except JobStopped as e:
                stopped.append(e.reason)
                raise

        worker.start()
        try:
            eventually(started.is_set, what="the handler to start")
            running = self.admin.get(job.id)
            self.assertEqual(running.status, "running")
            self.admin.cancel(job.id, expected_version=running.version, reason="changed my mind")
            eventually(lambda: stopped, what="the handler to be stopped")
            eventually(lambda: worker.running_jobs == 0, what="the worker to let the job go")
        finally:
            worker.close()
        self.assertEqual(stopped, ["cancelled"])
        self.assertEqual(worker.outcomes, {"cancelled": 1})
        final = self.admin.get(job.id)
        self.assertEqual(final.status, "cancelled")
        self.assertEqual([e["type"] for e in self.admin.events(job.id)], ["enqueued", "claimed", "cancelled"])

    def test_a_lost_lease_stops_the_handler_and_the_next_attempt_alone_completes(self):
        queue = harness.unique_queue("lost")
        job = self.admin.enqueue("slow", {}, queue=queue, backoff={"initialMs": 10, "factor": 1.0, "maxMs": 10,
                                                                     "jitter": 0.0})
        transport = harness.LossyTransport(self.cluster.url, self.cluster.tokens["worker"])
        transport.block("/heartbeat")  # the lease expires while the handler runs
        partitioned = self.cluster.worker(queue, client=self.cluster.worker_client(transport=transport),
                                          lease_ms=1000)
        stopped = []

        @partitioned.handler("slow")
        def slow(ctx):
            if ctx.attempt == 1:
                eventually(lambda: self.admin.get(job.id).attempt >= 2 or self.admin.get(job.id).status != "running",
                           what="the lease to expire")
                transport.unblock("/heartbeat")  # the partition heals; attempt 2 keeps its lease
                try:
                    ctx.log("info", "still here")  # the next flush hears lease_lost
                    while True:
                        ctx.sleep(0.1)
                except JobStopped as e:
                    stopped.append(e.reason)
                    raise
            return "attempt %d" % ctx.attempt

        partitioned.start()
        try:
            eventually(lambda: stopped, what="the first attempt to be stopped")
            done = self.admin.wait(job.id, timeout=120)
        finally:
            partitioned.close()
        self.assertEqual(stopped, ["lease_lost"])
        self.assertEqual(done.status, "succeeded")
        self.assertEqual(done.result, "attempt 2")
        events = [e["type"] for e in self.admin.events(job.id)]
        self.assertEqual(events.count("completed"), 1)
        self.assertIn("lease_expired", events)
        self.assertEqual(partitioned.outcomes, {"lease_lost": 1, "succeeded": 1})


if __name__ == "__main__":
    unittest.main()
