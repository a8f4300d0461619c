-- A complete or fail resent under the lease that settled it is answered with the job exactly as
-- that settlement left it (docs/protocol.md "Complete and fail"), even after the job has moved on:
-- retried and claimed again, edited, cancelled or retried by an admin. settled_version is the
-- version the settling statement wrote; while the job still has it, the row itself is the answer.
-- The first change that moves the job past it copies the row as it was into settled_answer, by a
-- trigger, so no statement written now or later can forget to. The trigger's WHEN clause is
-- evaluated without calling the function: every other update (claims of fresh jobs, progress,
-- heartbeats, completions) pays one comparison. Only the last settlement is kept; an older
-- lease's resend is lease_lost, as before. Nullable, no default: adding them rewrites no row.
alter table jobs add column settled_version bigint;
alter table jobs add column settled_answer jsonb;
comment on column jobs.settled_version is 'Version the last complete or fail (settled_lease_token) wrote.';
comment on column jobs.settled_answer is 'The row as settled_version left it (without this column), kept once the job moved past it: the answer to a resend of that settlement.';

create function baton_keep_settled_answer() returns trigger language plpgsql as $$
begin
    new.settled_answer := to_jsonb(old) - 'settled_answer';
    return new;
end
$$;

create trigger jobs_keep_settled_answer
    before update on jobs
    for each row
    when (old.settled_version = old.version and new.version <> old.version)
    execute function baton_keep_settled_answer();
