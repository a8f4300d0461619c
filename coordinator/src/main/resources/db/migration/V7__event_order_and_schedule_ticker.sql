-- A job's events are ordered and paged by id alone. Every writer of job_events inserts under the
-- job's row lock (or on a row no other transaction can see yet), so per job the ids rise in
-- commit order: a page read now never passes an event that commits later. `at` said the start
-- of the writer's transaction, which for a claim that waited on a queue lock is earlier than
-- events that committed meanwhile; it now says when the row was written.
alter table job_events alter column at set default clock_timestamp();
comment on column job_events.at is 'When the event was written (database clock at the insert, clock_timestamp()); informational: order by id.';
comment on column job_events.id is 'Order of a job''s events: taken under the job''s row lock, so per job it rises in commit order; the after= cursor of GET /jobs/{id}/events.';
create index job_events_by_job_id on job_events (job_id, id);
comment on index job_events_by_job_id is 'GET /jobs/{id}/events: a job''s events in id order, paged by id.';
-- job_events_by_job (job_id, at, id) stays: the progress-event throttle looks up a job's recent
-- events by time.

-- Schedules tick from Baton's own ticker (every coordinator, several times a second), no longer
-- from one JobRunr recurring job per schedule: each tick's job is enqueued just ahead of its time,
-- and what a schedule enqueued ahead is cancelled when it is deleted or replaced.
comment on table schedules is 'Recurring (cron) schedules; every coordinator''s ScheduleTicker enqueues their ticks.';
comment on column schedules.due_after is 'Ticks at or before this instant are never enqueued: now() when the schedule is created or its cron or timezone change, then the last tick enqueued or skipped by catch_up.';
alter table schedules add column catch_up text not null default 'all' check (catch_up in ('all', 'latest', 'none'));
comment on column schedules.catch_up is 'Ticks found more than 10 s overdue (no coordinator ran): all = enqueue each (the newest 1,000 at most), latest = only the newest, none = skip them.';
alter table schedules add column next_tick_at timestamptz not null default now();
comment on column schedules.next_tick_at is 'The first tick after due_after, or earlier (a PUT sets now()): the ticker takes the schedule up once next_tick_at is within its lookahead.';
-- The ticker's sweep, several times a second on every coordinator: an index range scan.
create index schedules_by_next_tick on schedules (next_tick_at);
comment on index schedules_by_next_tick is 'The ticker''s sweep: schedules whose next tick is due.';
