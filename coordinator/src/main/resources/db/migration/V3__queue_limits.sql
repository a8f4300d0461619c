-- Rate limits count the jobs of a queue started within the last window; this keeps that a short
-- index range scan however many jobs the queue has had.
create index jobs_started_by_queue on jobs (queue, started_at) where started_at is not null;
