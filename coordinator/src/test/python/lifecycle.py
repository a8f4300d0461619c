"""A job's whole life through the Python client OpenAPI Generator makes from /openapi.yaml.

GeneratedClientTest runs it with the generated package (target/generated-clients/python) on
PYTHONPATH:  python3 lifecycle.py BASE_URL PRODUCER_TOKEN WORKER_TOKEN QUEUE
It prints "lifecycle ok <job id>" and exits 0, or fails with the first thing that was wrong.
"""
import json
import sys

try:
    import baton_client
    from baton_client.api.jobs_api import JobsApi
    from baton_client.api.worker_api import WorkerApi
    from baton_client.models import (Claim, Complete, Enqueue, Heartbeat, Level, LogAppend, LogLine,
                                     ProgressUpdate, Status)
except ImportError as e:
    sys.exit("cannot import the generated client or what it needs (pydantic 2, urllib3 2, "
             "python-dateutil): %s" % e)


def client(url, token):
    return baton_client.ApiClient(baton_client.Configuration(host=url, access_token=token))


def check(condition, what):
    if not condition:
        raise AssertionError(what)


def main(url, producer_token, worker_token, queue):
    producer = JobsApi(client(url, producer_token))
    worker = WorkerApi(client(url, worker_token))

    traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    enqueued = producer.enqueue_job(Enqueue(queue=queue, type="py.lifecycle", payload={"n": 1},
                                            labels={"client": "python"}), traceparent=traceparent)
    check(enqueued.status == Status.QUEUED and enqueued.version == 1, "enqueued: %s" % enqueued)

    claimed = worker.claim_jobs(Claim(worker_id="python-worker", queues=[queue], limit=1, wait_ms=5000))
    check(len(claimed.jobs) == 1, "claimed: %s" % claimed)
    job = claimed.jobs[0]
    check(job.id == enqueued.id and job.status == Status.RUNNING and job.lease_token, "claimed: %s" % job)
    check(job.lease.worker_id == "python-worker", "lease: %s" % job.lease)
    check(job.traceparent == traceparent and job.attempt == 1, "trace context: %s" % job)

    beat = worker.heartbeat(job.id, Heartbeat(lease_token=job.lease_token))
    check(beat.version == job.version, "a heartbeat changes no version: %s" % beat)

    moved = worker.report_progress(job.id, ProgressUpdate(lease_token=job.lease_token, expected_version=job.version,
                                                          current=1, total=2, message="half way"))
    check(moved.version == job.version + 1, "progress: %s" % moved)
    try:
        worker.report_progress(job.id, ProgressUpdate(lease_token=job.lease_token, expected_version=job.version,
                                                      current=2))
        raise AssertionError("a stale progress update was accepted")
    except baton_client.ApiException as e:
        check(e.status == 409, "stale progress: %s" % e)
        problem = json.loads(e.body)
        check(problem["code"] == "version_conflict" and problem["job"]["version"] == moved.version,
              "stale progress: %s" % problem)

    logged = worker.append_logs(job.id, LogAppend(lease_token=job.lease_token,
                                                  entries=[LogLine(seq=1, level=Level.INFO, message="hello")]))
    check(logged.accepted == 1 and logged.duplicates == 0, "logs: %s" % logged)

    done = worker.complete_job(job.id, Complete(lease_token=job.lease_token, result={"ok": True}))
    check(done.status == Status.SUCCEEDED and done.result == {"ok": True}, "completed: %s" % done)

    read = producer.get_job(job.id)
    check(read.status == Status.SUCCEEDED and read.lease is None and read.finished_at is not None, "read: %s" % read)
    page = producer.list_jobs(queue=queue, label=["client:python"])
    check([j.id for j in page.items] == [job.id], "listed: %s" % page)
    events = producer.list_job_events(job.id)
    check([e.type.value for e in events.items] == ["enqueued", "claimed", "progress", "completed"],
          "events: %s" % events)
    check(events.items[0].from_status is None and events.items[0].worker_id is None, "first event: %s" % events.items[0])
    logs = producer.list_job_logs(job.id)
    check([line.message for line in logs.items] == ["hello"], "log lines: %s" % logs)
    print("lifecycle ok %s" % job.id)


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit("usage: lifecycle.py BASE_URL PRODUCER_TOKEN WORKER_TOKEN QUEUE")
    main(*sys.argv[1:])
