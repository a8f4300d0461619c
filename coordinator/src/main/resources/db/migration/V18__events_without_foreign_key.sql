-- job_events loses its foreign key to jobs. Every event is written in the statement that changes
-- its job, under that job's row lock, so it never names a job that does not exist; but checking
-- that took a key-share lock on the job's row for every event: three per job (enqueued, claimed,
-- completed), 55 bytes of WAL and a trigger each (docs/benchmarks.md, issue 19). Deleting a job
-- deletes its events in the same statement (FinishedJobs) instead of on delete cascade.
-- job_events_by_job_id (job_id, id) serves those deletes.
alter table job_events drop constraint job_events_job_id_fkey;
comment on column job_events.job_id is 'The job; no foreign key (V18): written with the job under its row lock, deleted with it by retention.';
