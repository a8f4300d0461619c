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
drop index job_events_by_job;
