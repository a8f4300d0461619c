"""Progress by compare-and-swap, and numbered log lines resent idempotently, against a real coordinator."""

import threading
import unittest

import harness
from harness import eventually
from baton_client import BatonLogConflict, BatonVersionConflict


class ProgressAndLogsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = harness.cluster()
        cls.producer = cls.cluster.producer()

    def claim_one(self, queue, client):
        return eventually(lambda: client.claim("py-test/1", [queue], None, 1, 1000, 30000),
                          what="a claim from " + queue)[0]

    def test_a_stale_progress_is_refused_with_the_current_job(self):
        queue = harness.unique_queue("cas")
        self.producer.enqueue("cas", {}, queue=queue)
        client = self.cluster.worker_client()
        job = self.claim_one(queue, client)
        newer = client.progress(job.id, job.lease_token, job.version, 10, 100, "ten")
        self.assertEqual(newer, job.version + 1)
        with self.assertRaises(BatonVersionConflict) as conflict:
            client.progress(job.id, job.lease_token, job.version, 5, 100, "stale")
        current = conflict.exception.current
        self.assertEqual(current.version, newer)
        self.assertEqual(current.progress["message"], "ten")  # the stale update changed nothing
        self.assertEqual(client.progress(job.id, job.lease_token, current.version, 20, 100, "twenty"), newer + 1)
        client.complete(job.id, job.lease_token, {"ok": True})
        self.assertEqual(self.producer.get(job.id).progress["current"], 20)

    def test_the_worker_adopts_the_current_version_after_a_lost_progress_answer(self):
        queue = harness.unique_queue("adopt")
        job = self.producer.enqueue("steps", {}, queue=queue)
        transport = harness.LossyTransport(self.cluster.url, self.cluster.tokens["worker"])
        transport.lose("/progress", 1)  # applied by the coordinator, but the worker never hears so
        worker = self.cluster.worker(queue, client=self.cluster.worker_client(transport=transport))

        @worker.handler("steps")
        def steps(ctx):
            ctx.progress(1, 3, "one")
            eventually(lambda: transport.answers("/progress"), what="the first progress to be sent")
            ctx.progress(2, 3, "two")
            return "stepped"

        worker.start()
        try:
            done = self.producer.wait(job.id, timeout=120)
        finally:
            worker.close()
        self.assertEqual(done.status, "succeeded")
        self.assertEqual((done.progress["current"], done.progress["message"]), (2, "two"))
        answers = transport.answers("/progress")
        conflicts = [a for a in answers if isinstance(a, BatonVersionConflict)]
        self.assertEqual(len(conflicts), 1, answers)  # the resend at the old version, then the adopted one
        self.assertEqual(conflicts[0].current.progress["message"], "one")
        self.assertEqual(worker.outcomes, {"succeeded": 1})

    def test_log_lines_whose_answer_was_lost_are_resent_with_the_same_seqs(self):
        queue = harness.unique_queue("logs")
        job = self.producer.enqueue("chatty", {}, queue=queue)
        transport = harness.LossyTransport(self.cluster.url, self.cluster.tokens["worker"])
        transport.lose("/logs", 2)
        worker = self.cluster.worker(queue, client=self.cluster.worker_client(transport=transport))
        first_sent = threading.Event()

        @worker.handler("chatty")
        def chatty(ctx):
            for n in range(1, 6):
                ctx.info("line %d" % n)
            eventually(lambda: len(transport.answers("/logs")) >= 2, what="two sends of the first lines")
            first_sent.set()
            for n in range(6, 9):
                ctx.info("line %d" % n)
            return None

        worker.start()
        try:
            done = self.producer.wait(job.id, timeout=120)
        finally:
            worker.close()
        self.assertTrue(first_sent.is_set())
        self.assertEqual(done.status, "succeeded")
        lines, _ = self.producer.logs(job.id)
        self.assertEqual([(l["seq"], l["message"]) for l in lines], [(n, "line %d" % n) for n in range(1, 9)])
        answers = [a for a in transport.answers("/logs") if isinstance(a, dict)]
        self.assertEqual(sum(a["accepted"] for a in answers), 8)  # every line stored once
        first = answers[0]["accepted"]
        self.assertGreater(first, 0)
        self.assertEqual(answers[1], {"accepted": 0, "duplicates": first})  # the resends of the lost batch
        self.assertEqual(answers[2], {"accepted": 0, "duplicates": first})

    def test_a_seq_stored_with_another_message_is_a_log_conflict(self):
        queue = harness.unique_queue("logconflict")
        self.producer.enqueue("conflict", {}, queue=queue)
        client = self.cluster.worker_client()
        job = self.claim_one(queue, client)
        line = {"seq": 1, "level": "info", "message": "first"}
        self.assertEqual(client.append_logs(job.id, job.lease_token, [line]), {"accepted": 1, "duplicates": 0})
        self.assertEqual(client.append_logs(job.id, job.lease_token, [line]), {"accepted": 0, "duplicates": 1})
        with self.assertRaises(BatonLogConflict) as conflict:
            client.append_logs(job.id, job.lease_token, [{"seq": 2, "level": "info", "message": "second"},
                                                          dict(line, message="rewritten")])
        self.assertEqual(conflict.exception.seqs, [1])
        lines, _ = self.producer.logs(job.id)
        self.assertEqual([l["message"] for l in lines], ["first"])  # nothing of the refused request was stored
        client.complete(job.id, job.lease_token, None)


if __name__ == "__main__":
    unittest.main()
