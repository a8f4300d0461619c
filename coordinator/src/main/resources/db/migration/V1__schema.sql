-- Baton's schema. PostgreSQL is the only source of truth: who owns a job is decided here,
-- by guarded statements, never by Redis or a coordinator's memory.

create table queues (
    name             text primary key,
    paused           boolean not null default false,
    max_running      integer check (max_running is null or max_running >= 0),
    rate_per_second  double precision check (rate_per_second is null or rate_per_second > 0),
    updated_at       timestamptz not null default now()
);
comment on table queues is 'Per-queue settings; a queue with no row here is unpaused and unlimited.';
comment on column queues.name is 'Queue name as jobs.queue spells it.';
comment on column queues.paused is 'A paused queue hands out no jobs; queued jobs stay queued.';
comment on column queues.max_running is 'Cluster-wide cap on running jobs of this queue; null = no cap.';
comment on column queues.rate_per_second is 'Cluster-wide cap on job starts per second; null = no cap.';
comment on column queues.updated_at is 'Last change by PUT /queues/{name}.';

create table jobs (
    id                  bigint generated always as identity primary key,
    queue               text not null,
    type                text not null,
    payload             jsonb not null,
    priority            integer not null default 0,
    status              text not null check (status in ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    attempt             integer not null default 0 check (attempt >= 0),
    max_attempts        integer not null check (max_attempts between 1 and 1000),
    run_at              timestamptz not null,
    created_at          timestamptz not null default now(),
    updated_at          timestamptz not null default now(),
    started_at          timestamptz,
    finished_at         timestamptz,
    version             bigint not null default 1,
    progress            jsonb,
    lease_token         text,
    lease_expires_at    timestamptz,
    lease_ms            integer,
    worker_id           text,
    settled_lease_token text,
    settled_outcome     text check (settled_outcome in ('completed', 'failed')),
    result              jsonb,
    last_error          jsonb,
    unique_key          text,
    labels              jsonb not null default '{}'::jsonb,
    timeout_seconds     integer not null,
    backoff_initial_ms  bigint not null,
    backoff_factor      double precision not null,
    backoff_max_ms      bigint not null,
    backoff_jitter      double precision not null,
    check ((status = 'running') = (lease_token is not null and lease_expires_at is not null))
) with (
    -- Claims and completions leave dead tuples in the claim index at a high rate: vacuum early.
    autovacuum_vacuum_scale_factor = 0.01,
    autovacuum_vacuum_threshold = 1000,
    autovacuum_analyze_scale_factor = 0.02,
    autovacuum_vacuum_cost_delay = 0,
    fillfactor = 85
);
comment on table jobs is 'One row per job; every state change is one guarded statement on this row.';
comment on column jobs.id is 'Opaque to clients (sent as a string); also the enqueue order used to break ties.';
comment on column jobs.queue is 'Queue the job waits in; workers claim by queue.';
comment on column jobs.type is 'Handler name the worker dispatches on.';
comment on column jobs.payload is 'Handler input, any JSON.';
comment on column jobs.priority is 'Higher runs first.';
comment on column jobs.status is 'queued, running, succeeded, failed or cancelled (see JobStatus).';
comment on column jobs.attempt is 'How many times the job was claimed; never goes down.';
comment on column jobs.max_attempts is 'A failed or expired attempt is retried while attempt < max_attempts.';
comment on column jobs.run_at is 'Not claimable before this time (scheduled jobs, retry backoff).';
comment on column jobs.created_at is 'Enqueue time (database clock).';
comment on column jobs.updated_at is 'Last change of any kind.';
comment on column jobs.started_at is 'Start of the current or last attempt.';
comment on column jobs.finished_at is 'When the job reached succeeded, failed or cancelled.';
comment on column jobs.version is 'Starts at 1; +1 on every change of status, progress, lease holder or admin edit.';
comment on column jobs.progress is '{"current", "total", "message", "updatedAt"} of the running attempt, or null.';
comment on column jobs.lease_token is 'Secret of the current lease; set exactly while running (fencing token).';
comment on column jobs.lease_expires_at is 'The lease is lost once now() passes this; set exactly while running.';
comment on column jobs.lease_ms is 'Lease length asked for at claim; a heartbeat without leaseMs renews by this.';
comment on column jobs.worker_id is 'Worker holding the current lease, or the last one that held it.';
comment on column jobs.settled_lease_token is 'Lease whose complete or fail was applied last: a resend with it is answered, not reapplied.';
comment on column jobs.settled_outcome is 'completed or failed: which request settled_lease_token sent.';
comment on column jobs.result is 'The handler''s result, set on complete.';
comment on column jobs.last_error is '{"message", "type", "retryable", "attempt"} of the last failed or expired attempt.';
comment on column jobs.unique_key is 'At most one queued or running job per (queue, unique_key).';
comment on column jobs.labels is 'String-to-string labels for filtering.';
comment on column jobs.timeout_seconds is 'An attempt running longer than this is failed with type timeout.';
comment on column jobs.backoff_initial_ms is 'Retry delay after the first attempt.';
comment on column jobs.backoff_factor is 'Each further retry waits this many times longer.';
comment on column jobs.backoff_max_ms is 'Cap on the retry delay.';
comment on column jobs.backoff_jitter is 'Relative random spread of each delay (0.1 = ±10%).';

-- The claim walks this index in claim order; it holds queued jobs only, so millions of
-- finished rows cost a claim nothing.
create index jobs_claim_order on jobs (queue, priority desc, run_at, id) where status = 'queued';
-- The lease reaper and running counts per queue.
create index jobs_running_by_lease_expiry on jobs (lease_expires_at) where status = 'running';
create index jobs_running_by_queue on jobs (queue) where status = 'running';
-- Deduplication: the database, not a read-then-insert, decides a uniqueKey race.
create unique index jobs_unique_key_while_active on jobs (queue, unique_key)
    where unique_key is not null and status in ('queued', 'running');
-- Listing newest first with filters, and pruning old finished jobs.
create index jobs_by_status on jobs (status, id);
create index jobs_by_queue on jobs (queue, id);
create index jobs_by_type on jobs (type, id);
create index jobs_by_created_at on jobs (created_at, id);
create index jobs_labels on jobs using gin (labels jsonb_path_ops);
create index jobs_finished_at on jobs (finished_at) where finished_at is not null;

create table job_events (
    id          bigint generated always as identity primary key,
    job_id      bigint not null references jobs (id) on delete cascade,
    at          timestamptz not null default now(),
    type        text not null check (type in ('enqueued', 'claimed', 'progress', 'completed', 'failed',
                                              'retry_scheduled', 'lease_expired', 'cancelled', 'retried', 'updated')),
    from_status text,
    to_status   text,
    attempt     integer not null,
    worker_id   text,
    detail      jsonb
);
comment on table job_events is 'A job''s history: one row per status change, written in the same transaction as the change.';
comment on column job_events.id is 'Order of events; also the after= cursor of GET /jobs/{id}/events.';
comment on column job_events.job_id is 'The job.';
comment on column job_events.at is 'When (database clock).';
comment on column job_events.type is 'What happened (PROTOCOL.md lists the types).';
comment on column job_events.from_status is 'Status before; null for enqueued.';
comment on column job_events.to_status is 'Status after.';
comment on column job_events.attempt is 'The job''s attempt number at the event.';
comment on column job_events.worker_id is 'Worker involved, if any.';
comment on column job_events.detail is 'Event-specific JSON: the error, the cancel reason, the changed fields.';
create index job_events_by_job on job_events (job_id, at, id);

create table job_logs (
    job_id   bigint not null references jobs (id) on delete cascade,
    attempt  integer not null,
    seq      integer not null check (seq >= 1),
    level    text not null check (level in ('trace', 'debug', 'info', 'warn', 'error')),
    message  text not null,
    at       timestamptz not null default now(),
    primary key (job_id, attempt, seq)
);
comment on table job_logs is 'Append-only log lines. One INSERT per batch, ON CONFLICT DO NOTHING: resends are counted, never stored twice.';
comment on column job_logs.job_id is 'The job.';
comment on column job_logs.attempt is 'The attempt (one lease per attempt) that wrote the line.';
comment on column job_logs.seq is 'Counts up from 1 within one lease; with attempt, the idempotency key.';
comment on column job_logs.level is 'trace, debug, info, warn or error.';
comment on column job_logs.message is 'The line, byte-exact.';
comment on column job_logs.at is 'When it was stored (database clock).';

create table schedules (
    name        text primary key,
    cron        text not null,
    timezone    text not null default 'UTC',
    job         jsonb not null,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now()
);
comment on table schedules is 'Recurring (cron) schedules; the source of truth that JobRunr''s recurring jobs are built from.';
comment on column schedules.name is 'Schedule name, from PUT /schedules/{name}.';
comment on column schedules.cron is 'Cron expression with seconds.';
comment on column schedules.timezone is 'IANA zone the cron is read in.';
comment on column schedules.job is 'The POST /jobs body enqueued at each tick.';
comment on column schedules.created_at is 'First PUT.';
comment on column schedules.updated_at is 'Last PUT.';

create table api_tokens (
    token_hash  bytea primary key,
    role        text not null check (role in ('admin', 'producer', 'worker')),
    created_at  timestamptz not null default now()
);
comment on table api_tokens is 'Tokens generated at first start when none are configured; only SHA-256 hashes are kept.';
comment on column api_tokens.token_hash is 'SHA-256 of the bearer token.';
comment on column api_tokens.role is 'admin, producer or worker.';
comment on column api_tokens.created_at is 'When it was generated.';

-- The retry delay of PROTOCOL.md: min(maxMs, initialMs * factor^(attempt-1)) ± jitter.
-- One definition, used by fail and by lease expiry alike.
create function baton_retry_delay(initial_ms bigint, factor double precision, max_ms bigint,
                                  jitter double precision, attempt integer)
    returns interval language sql volatile as $$
    select make_interval(secs => greatest(0.0,
        least(max_ms::double precision, initial_ms * power(factor, greatest(attempt - 1, 0)))
        * (1 + jitter * (2 * random() - 1))) / 1000.0)
$$;
