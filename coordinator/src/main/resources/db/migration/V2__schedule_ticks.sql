-- Schedules fire through JobRunr; the database decides that each tick enqueues one job.

alter table schedules add column due_after timestamptz not null default now();
comment on column schedules.due_after is 'Ticks at or before this instant are never enqueued: now() when the schedule is created or its cron or timezone change, then the last tick enqueued.';

create table schedule_ticks (
    schedule_name  text not null references schedules (name) on delete cascade,
    tick_at        timestamptz not null,
    job_id         bigint references jobs (id) on delete cascade,
    enqueued_at    timestamptz not null default now(),
    primary key (schedule_name, tick_at)
);
comment on table schedule_ticks is 'One row per enqueued tick, written in the same transaction as its job: a tick can be enqueued once, however many coordinators try.';
comment on column schedule_ticks.schedule_name is 'The schedule; its ticks go when it is deleted.';
comment on column schedule_ticks.tick_at is 'The fire time the cron gave (not when it was enqueued); the job''s uniqueKey is schedule:<name>:<tick_at>.';
comment on column schedule_ticks.job_id is 'The job the tick enqueued; the row goes when the pruner deletes the job.';
comment on column schedule_ticks.enqueued_at is 'When the tick was enqueued (database clock); enqueued_at - tick_at is how late it was.';
-- The foreign key from jobs: pruning a job finds its tick without a scan.
create index schedule_ticks_by_job on schedule_ticks (job_id);
