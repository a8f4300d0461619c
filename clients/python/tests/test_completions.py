"""Completions: batched, resent after a lost answer, and never completing a job twice."""

import unittest

import harness
from harness import eventually
from baton_client import BatonLeaseLost


class CompletionsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = harness.cluster()
        cls.admin = cls.cluster.admin()

    def test_a_completion_whose_answer_was_lost_is_resent_and_completes_once(self):
        queue = harness.unique_queue("resend")
        jobs = [self.admin.enqueue("quick", {"n": n}, queue=queue) for n in range(3)]
        transport = harness.LossyTransport(self.cluster.url, self.cluster.tokens["worker"])
        transport.lose("/completions", 1)
        worker = self.cluster.worker(queue, client=self.cluster.worker_client(transport=transport), concurrency=3)
        worker.handler("quick")(lambda ctx: ctx.payload)
        worker.start()
        try:
            done = [self.admin.wait(j.id, timeout=120) for j in jobs]
        finally:
            worker.close()
        self.assertEqual([j.result for j in done], [{"n": n} for n in range(3)])
        for job in done:
            self.assertEqual([e["type"] for e in self.admin.events(job.id)].count("completed"), 1)
            self.assertEqual(job.version, 3)  # enqueued 1, claimed 2, completed 3: the resend changed nothing
        answered = [item for answer in transport.answers("/completions") for item in answer["items"]]
        lost_then_resent = [item for item in answered if item["id"] == answered[0]["id"]]
        self.assertEqual([item["status"] for item in lost_then_resent], [200, 200])
        self.assertEqual(worker.outcomes, {"succeeded": 3})

    def test_jobs_finishing_while_a_completion_is_in_flight_share_the_next_request(self):
        queue = harness.unique_queue("group")
        jobs = self.admin.enqueue_batch([{"type": "quick", "payload": {"n": n}, "queue": queue} for n in range(8)])
        transport = harness.LossyTransport(self.cluster.url, self.cluster.tokens["worker"])
        transport.block("/completions")  # the first batch is held (resent with backoff) while the rest gather
        worker = self.cluster.worker(queue, client=self.cluster.worker_client(transport=transport), concurrency=8)
        worker.handler("quick")(lambda ctx: ctx.payload)
        worker.start()
        try:
            completions = worker._completions

            def all_handed_in():
                held = transport.held[-1][1]["items"] if transport.held else []
                return len(held) + completions._queue.qsize() == 8

            eventually(all_handed_in, what="all 8 completions to be handed in")
            transport.unblock("/completions")
            done = [self.admin.wait(j.id, timeout=120) for j in jobs]
        finally:
            worker.close()
        self.assertEqual([j.result for j in done], [{"n": n} for n in range(8)])
        self.assertEqual(completions.items, 8)
        self.assertLessEqual(completions.requests, 2)  # the held batch, then everything that gathered

    def test_a_stale_lease_cannot_complete(self):
        queue = harness.unique_queue("stale")
        job = self.admin.enqueue("quick", {}, queue=queue)
        client = self.cluster.worker_client()
        claimed = eventually(lambda: client.claim("py-test/2", [queue], None, 1, 1000, 30000), what="a claim")[0]
        first = client.complete(claimed.id, claimed.lease_token, {"first": True})
        self.assertEqual(client.complete(claimed.id, claimed.lease_token, {"first": True}), first)  # a resend
        with self.assertRaises(BatonLeaseLost) as lost:
            client.complete(claimed.id, "not-the-lease", {"second": True})
        self.assertEqual(lost.exception.current.result, {"first": True})
        self.assertEqual(self.admin.get(job.id).result, {"first": True})


if __name__ == "__main__":
    unittest.main()
