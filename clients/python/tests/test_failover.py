"""Fail-over between coordinators: two coordinator processes on one database."""

import threading
import unittest

import harness
from harness import eventually


class FailoverTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = harness.cluster()
        cls.admin = cls.cluster.admin()

    def test_a_worker_moves_to_the_next_coordinator_when_its_own_stops(self):
        second = self.cluster.start_coordinator()
        try:
            self._run_across_a_stop(second)
        finally:
            second.stop()

    def _run_across_a_stop(self, second):
        queue = harness.unique_queue("failover")
        worker = self.cluster.worker(queue, urls=[second.url, self.cluster.url], concurrency=4)
        release = threading.Event()
        logged_before = threading.Event()

        @worker.handler("span")
        def span(ctx):
            ctx.info("before the stop")
            ctx.progress(1, 2, "before")
            eventually(lambda: logged_before.is_set() or None, what="the test to see the first line")
            while not release.is_set():
                ctx.sleep(0.05)
            ctx.info("after the stop")
            ctx.progress(2, 2, "after")
            return {"span": True}

        worker.handler("quick")(lambda ctx: ctx.payload)
        worker.start()
        try:
            long_job = self.admin.enqueue("span", {}, queue=queue)
            eventually(lambda: self.admin.logs(long_job.id)[0], what="the first line through the first coordinator")
            logged_before.set()
            self.assertEqual(worker.client.transport.failovers, 0)
            self.assertEqual(second.stop(), 0, second.log_tail())  # a graceful stop: exit status 0
            later = [self.admin.enqueue("quick", {"n": n}, queue=queue) for n in range(5)]
            release.set()
            done = self.admin.wait(long_job.id, timeout=120)
            finished = [self.admin.wait(j.id, timeout=120) for j in later]
        finally:
            worker.close()
        self.assertGreaterEqual(worker.client.transport.failovers, 1)
        self.assertEqual(done.status, "succeeded")
        self.assertEqual(done.progress["message"], "after")
        lines, _ = self.admin.logs(long_job.id)
        self.assertEqual([(l["seq"], l["message"]) for l in lines], [(1, "before the stop"), (2, "after the stop")])
        self.assertEqual([j.result for j in finished], [{"n": n} for n in range(5)])
        self.assertEqual(worker.outcomes, {"succeeded": 6})
        self.assertEqual(done.attempt, 1)  # the lease survived the move

    def test_a_coordinator_that_refuses_connections_is_skipped(self):
        queue = harness.unique_queue("deadurl")
        dead = "http://127.0.0.1:%d" % harness.free_port()
        worker = self.cluster.worker(queue, urls=[dead, self.cluster.url])
        worker.handler("quick")(lambda ctx: "ok")
        producer = self.cluster.producer(urls=[dead, self.cluster.url])
        job = producer.enqueue("quick", {}, queue=queue)  # enqueue, too, moves on to the live one
        worker.start()
        try:
            self.assertEqual(producer.wait(job.id, timeout=120).result, "ok")
        finally:
            worker.close()
        self.assertEqual(worker.client.transport.failovers, 1)
        self.assertEqual(producer.transport.failovers, 1)


if __name__ == "__main__":
    unittest.main()
