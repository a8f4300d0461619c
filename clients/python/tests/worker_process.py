"""A worker process for the tests that kill or stop one: ``python3 worker_process.py`` with
BATON_URLS (comma-separated), BATON_TOKEN, BATON_QUEUE, BATON_LEASE_MS, BATON_CONCURRENCY and
BATON_GRACE_S (BATON_NO_LOGGING_CONFIG: leave logging unconfigured). Its handlers:

- ``hold``: waits (not cooperatively: plain time.sleep) until the file ``payload["release"]`` exists;
- ``hold.cooperative``: waits with ``ctx.sleep``, so it stops when told to;
both return ``{"pid": <this process>}``.
"""

import logging
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from baton_client import Worker  # noqa: E402


def main():
    if not os.environ.get("BATON_NO_LOGGING_CONFIG"):  # else as a script that never configures logging
        logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s")
    worker = Worker(os.environ["BATON_URLS"].split(","), os.environ["BATON_TOKEN"],
                    queues=[os.environ["BATON_QUEUE"]], concurrency=int(os.environ.get("BATON_CONCURRENCY", "2")),
                    lease_ms=int(os.environ.get("BATON_LEASE_MS", "3000")), claim_wait_ms=1000,
                    shutdown_grace=float(os.environ.get("BATON_GRACE_S", "60")))

    @worker.handler("hold")
    def hold(ctx):
        ctx.info("holding in process %d" % os.getpid())
        while not os.path.exists(ctx.payload["release"]):
            time.sleep(0.05)
        return {"pid": os.getpid()}

    @worker.handler("hold.cooperative")
    def hold_cooperative(ctx):
        while not os.path.exists(ctx.payload["release"]):
            ctx.sleep(0.05)
        return {"pid": os.getpid()}

    worker.run()  # until SIGTERM, then drains
    logging.info("worker process exiting: %s", worker.outcomes)


if __name__ == "__main__":
    main()
