#!/bin/bash
# WAL bytes per job of a claim and completion (Baton's statement shapes, batches of 20, one
# session) in a scratch database "walexp", with the schema as migrated and with variants: the
# experiment behind docs/benchmarks.md (issue 19, V17 and V18). Usage: bench/wal-per-job.sh [port]
# (a PostgreSQL 15+ on 127.0.0.1, user postgres; prints "variant: bytes per job|µs per job").
PORT="${1:-5433}"
P="psql -h 127.0.0.1 -p $PORT -U postgres -q -At"
variant() {  # $1 name, $2 extra DDL
  $P -c "drop database if exists walexp" -c "create database walexp"
  for f in $(ls "$(dirname "$0")"/../coordinator/src/main/resources/db/migration/V*.sql | sort -V); do $P -d walexp -f $f > /dev/null; done
  $P -d walexp -c "$2" >/dev/null
  $P -d walexp -c "insert into jobs (queue, type, payload, status, run_at, max_attempts, timeout_seconds, backoff_initial_ms, backoff_factor, backoff_max_ms, backoff_jitter) select 'q', 'echo', '{}'::jsonb, 'queued', now() - interval '1 s', 3, 0, 1000, 2, 60000, 0 from generate_series(1, 20000)" -c "vacuum analyze jobs"
  $P -d walexp <<'SQL'
create temp table m(lsn pg_lsn, t timestamptz);
insert into m values (pg_current_wal_lsn(), clock_timestamp());
do $$ declare i int; begin
  for i in 1..1000 loop
    with picked as materialized (select id from jobs where status = 'queued' and queue = 'q' and run_at <= now() order by priority desc, run_at, id limit 20 for update skip locked),
    claimed as (update jobs j set status = 'running', attempt = j.attempt + 1, version = j.version + 1, lease_token = gen_random_uuid()::text,
        lease_expires_at = now() + interval '30 s', lease_ms = 30000, worker_id = 'w', started_at = now(), updated_at = now(), progress = null
        from picked where j.id = picked.id returning j.*),
    ev as (insert into job_events (job_id, at, type, from_status, to_status, attempt, worker_id) select id, started_at, 'claimed', 'queued', 'running', attempt, worker_id from claimed)
    select count(*) from claimed into strict i;
    with done as (update jobs set status = 'succeeded', finished_at = now(), updated_at = now(), version = version + 1, result = '{}'::jsonb, lease_token = null, lease_expires_at = null
        where status = 'running' and worker_id = 'w' returning id, attempt),
    ev as (insert into job_events (job_id, at, type, from_status, to_status, attempt) select id, now(), 'completed', 'running', 'succeeded', attempt from done)
    select count(*) from done into i;
    exit when i = 0;
  end loop; end $$;
select round((pg_current_wal_lsn() - (select lsn from m)) / 20000.0) as wal_bytes_per_job,
       round(extract(epoch from clock_timestamp() - (select t from m)) * 1e6 / 20000) as us_per_job from m limit 1;
SQL
}
for v in "base|select 1" \
         "labels-index-full (before V17)|drop index jobs_labels; create index jobs_labels on jobs using gin (labels jsonb_path_ops)" \
         "no-listing-indexes|drop index jobs_by_status; drop index jobs_by_queue; drop index jobs_by_type; drop index jobs_by_created_at; drop index jobs_labels" \
         "no-job_events_by_job|drop index job_events_by_job"; do
  echo "${v%%|*}: $(variant "${v%%|*}" "${v#*|}" | tail -1)"
done
$P -c "drop database if exists walexp"
