-- Log followers read by a per-job position in commit order instead of (attempt, seq): two appends
-- of one job are serialized by a lock on the job's row, and each numbers its lines after the
-- highest position stored, so positions grow in the order appends commit and whatever a reader
-- has seen is a closed prefix of the log. Existing lines are numbered in (attempt, seq) order,
-- the order readers saw them in before.
alter table job_logs add column position bigint;
update job_logs l set position = n.position
from (select job_id, attempt, seq, row_number() over (partition by job_id order by attempt, seq) as position
      from job_logs) n
where l.job_id = n.job_id and l.attempt = n.attempt and l.seq = n.seq;
alter table job_logs alter column position set not null;
create unique index job_logs_by_position on job_logs (job_id, position);
comment on column job_logs.position is 'Counts up within the job in the order appends committed (gaps where a resend was a duplicate); what log cursors follow.';
