"""Worker processes killed with SIGKILL (their jobs recovered) and stopped with SIGTERM (a clean drain)."""

import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import unittest

import harness
from harness import eventually

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "worker_process.py")


class WorkerProcess:
    def __init__(self, cluster, queue, token=None, **settings):
        self.output_path = tempfile.mktemp(prefix="baton-py-worker-", suffix=".log")
        env = dict(os.environ, BATON_URLS=cluster.url, BATON_TOKEN=token or cluster.tokens["worker"], BATON_QUEUE=queue,
                   **{k: str(v) for k, v in settings.items()})
        self._out = open(self.output_path, "wb")
        self.process = subprocess.Popen([sys.executable, SCRIPT], env=env, stdout=self._out, stderr=subprocess.STDOUT)

    def output(self):
        with open(self.output_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def wait(self, timeout=120):
        try:
            return self.process.wait(timeout)
        finally:
            self._out.close()

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
        self.wait()


class WorkerProcessTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = harness.cluster()
        cls.admin = cls.cluster.admin()

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="baton-py-release-")
        self.release = os.path.join(self.dir, "release")
        self.processes = []

    def tearDown(self):
        open(self.release, "w").close()
        for p in self.processes:
            p.kill()

    def start_worker(self, queue, **settings):
        p = WorkerProcess(self.cluster, queue, **settings)
        self.processes.append(p)
        return p

    def running(self, queue, count):
        return len(self.admin.list(queue=queue, status="running")) == count

    def test_jobs_of_a_worker_killed_with_sigkill_are_recovered_by_another(self):
        queue = harness.unique_queue("sigkill")
        jobs = [self.admin.enqueue("hold", {"release": self.release}, queue=queue) for _ in range(3)]
        doomed = self.start_worker(queue, BATON_CONCURRENCY=3, BATON_LEASE_MS=2000)
        eventually(lambda: self.running(queue, 3), what="the 3 jobs to run in the doomed worker")
        doomed.process.send_signal(signal.SIGKILL)
        self.assertEqual(doomed.wait(), -signal.SIGKILL)

        rescuer = self.cluster.worker(queue, concurrency=3)
        rescuer.handler("hold")(lambda ctx: {"pid": os.getpid(), "attempt": ctx.attempt})
        rescuer.start()
        try:
            finished = [self.admin.wait(j.id, timeout=180) for j in jobs]
        finally:
            rescuer.close()
        for job in finished:
            self.assertEqual(job.status, "succeeded")
            self.assertEqual(job.result, {"pid": os.getpid(), "attempt": 2})
            events = [e["type"] for e in self.admin.events(job.id)]
            self.assertEqual(events, ["enqueued", "claimed", "lease_expired", "claimed", "completed"])

    def test_sigterm_stops_claiming_lets_running_handlers_finish_and_exits_0(self):
        queue = harness.unique_queue("sigterm")
        running = [self.admin.enqueue("hold", {"release": self.release}, queue=queue) for _ in range(2)]
        worker = self.start_worker(queue, BATON_CONCURRENCY=2)
        eventually(lambda: self.running(queue, 2), what="both jobs to run")
        waiting = [self.admin.enqueue("hold", {"release": self.release}, queue=queue) for _ in range(3)]
        worker.process.send_signal(signal.SIGTERM)
        eventually(lambda: "stopping: no more claims" in worker.output(), what="the worker to begin its drain")
        self.assertIsNone(worker.process.poll())  # still draining: its handlers have not been released
        open(self.release, "w").close()
        self.assertEqual(worker.wait(), 0, worker.output())
        for job in running:
            done = self.admin.get(job.id)
            self.assertEqual(done.status, "succeeded")
            self.assertEqual(done.result, {"pid": worker.process.pid})
            lines, _ = self.admin.logs(job.id)
            self.assertEqual([l["message"] for l in lines], ["holding in process %d" % worker.process.pid])
        for job in waiting:
            self.assertEqual(self.admin.get(job.id).status, "queued")  # never claimed after SIGTERM
            self.assertEqual(self.admin.get(job.id).attempt, 0)

    def test_a_handler_still_running_after_the_grace_period_is_stopped_and_its_job_retried(self):
        queue = harness.unique_queue("grace")
        job = self.admin.enqueue("hold.cooperative", {"release": self.release}, queue=queue,
                                 backoff={"initialMs": 10, "factor": 1.0, "maxMs": 10, "jitter": 0.0})
        worker = self.start_worker(queue, BATON_CONCURRENCY=1, BATON_GRACE_S=1)
        eventually(lambda: self.running(queue, 1), what="the job to run")
        worker.process.send_signal(signal.SIGTERM)
        self.assertEqual(worker.wait(), 0, worker.output())
        after = self.admin.get(job.id)
        self.assertEqual(after.status, "queued")  # failed as retryable at once, not left to its lease
        self.assertEqual(after.last_error["type"], "worker_stopped")
        self.assertEqual([e["type"] for e in self.admin.events(job.id)], ["enqueued", "claimed", "retry_scheduled"])

    def test_a_wrong_token_is_said_on_stderr_even_when_the_program_never_configured_logging(self):
        queue = harness.unique_queue("badtoken")
        worker = self.start_worker(queue, token="not-a-token-the-coordinator-knows", BATON_NO_LOGGING_CONFIG="1")
        eventually(lambda: "unauthenticated" in worker.output(), timeout=30,
                   what="the worker to say its token was refused")
        self.assertIn("claim refused", worker.output())
        worker.process.send_signal(signal.SIGTERM)
        self.assertEqual(worker.wait(), 0, worker.output())

    def test_a_sigterm_arriving_while_the_main_thread_holds_a_lock_of_the_worker_still_stops_it(self):
        # A signal handler runs on the main thread between two bytecodes, possibly while run()'s loop
        # holds the lock inside the stop Event; a handler that took that lock too would wait forever.
        # The Event below sends the signal at exactly that moment, every time.
        script = textwrap.dedent("""
            import os, signal, sys, threading
            sys.path.insert(0, %r)
            from baton_client import Worker

            class SignalInside(threading.Event):
                def wait(self, timeout=None):
                    if threading.current_thread() is threading.main_thread():
                        with self._cond:
                            os.kill(os.getpid(), signal.SIGTERM)
                            sum(range(1000))  # the handler runs here, the lock held
                    return super().wait(timeout)

            worker = Worker(sys.argv[1], sys.argv[2], queues=[sys.argv[3]], claim_wait_ms=200)
            worker._stop = SignalInside()
            worker.handler("never")(lambda ctx: None)
            worker.run()
            print("worker returned")
            """ % harness.PACKAGE_ROOT)
        p = subprocess.run([sys.executable, "-c", script, self.cluster.url, self.cluster.tokens["worker"],
                            harness.unique_queue("signal-lock")], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("worker returned", p.stdout)


if __name__ == "__main__":
    unittest.main()
