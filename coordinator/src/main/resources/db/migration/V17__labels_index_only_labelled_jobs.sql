-- Only jobs that have labels are in the labels index. Every state change of a job writes a new
-- row version (its status is indexed, so the update is never HOT), and each version of a job
-- without labels, most jobs, put an "empty" entry into this GIN index: about 13% of the WAL of
-- a job's claim and completion (docs/benchmarks.md, issue 19). A label filter is a containment of
-- a non-empty object, which '{}' never satisfies, so it loses nothing by saying labels <> '{}'
-- (JobQueries does), which is what lets the planner use this index.
-- Built without CONCURRENTLY: writes to jobs wait while it builds, a moment for the few rows
-- that carry labels.
drop index jobs_labels;
create index jobs_labels on jobs using gin (labels jsonb_path_ops) where labels <> '{}'::jsonb;
comment on index jobs_labels is 'Label filters (labels @> {...} and labels <> {}): only jobs that have labels.';
