-- Least-privilege tokens managed by API (POST/GET/DELETE /api/v1/tokens), the viewer role, queue
-- scopes, and the audit trail of admin changes.

-- api_tokens held the two tokens generated at first start (hash and role). Each token now has a
-- name (the actor the audit trail names), optional queue scopes and expiry, and who created it.
-- The generated ones are kept, hash for hash, named first-start:<role> (first-start:<role>#n
-- should there be more than one of a role), created_by 'first-start'.
alter table api_tokens add column name text;
alter table api_tokens add column queues text[];
alter table api_tokens add column expires_at timestamptz;
alter table api_tokens add column created_by text;
alter table api_tokens add column last_used_at timestamptz;
update api_tokens t
   set name = 'first-start:' || t.role || case when n.nth > 1 then '#' || n.nth else '' end,
       created_by = 'first-start'
  from (select token_hash, row_number() over (partition by role order by created_at, token_hash) as nth
          from api_tokens) n
 where n.token_hash = t.token_hash;
alter table api_tokens alter column name set not null;
alter table api_tokens alter column created_by set not null;
alter table api_tokens add constraint api_tokens_name_key unique (name);
alter table api_tokens drop constraint api_tokens_role_check;
alter table api_tokens add constraint api_tokens_role_check check (role in ('admin', 'producer', 'worker', 'viewer'));
alter table api_tokens add constraint api_tokens_queues_only_for_producer_or_worker
    check (queues is null or (role in ('producer', 'worker') and cardinality(queues) between 1 and 50));
comment on table api_tokens is 'Bearer tokens created by POST /api/v1/tokens or generated at first start; only SHA-256 hashes are kept. Looked up by hash on every request (no cache), so a revoke holds on every coordinator at once.';
comment on column api_tokens.role is 'admin, producer, worker or viewer.';
comment on column api_tokens.created_at is 'When it was created or generated.';
comment on column api_tokens.name is 'Unique name: the actor the audit trail and job events name; first-start:<role> for the generated ones.';
comment on column api_tokens.queues is 'The queues a producer token may enqueue into, a worker token claim from and act on; null: every queue.';
comment on column api_tokens.expires_at is 'From then on (database clock) the token is refused with 401; null: never.';
comment on column api_tokens.last_used_at is 'The last request it authenticated, to within a minute: each coordinator writes it at most once a minute per token.';
comment on column api_tokens.created_by is 'The actor (token name) that created it; first-start for the generated ones.';

-- Who made an admin change (cancel, retry, edit; one of a bulk): the token's name. Null for events
-- no admin made (enqueued, claimed, completed, ...).
alter table job_events add column actor text;
comment on column job_events.actor is 'The name of the token whose admin request made this event (cancelled, retried, updated); null otherwise.';

create table audit (
    id      bigint generated always as identity primary key,
    at      timestamptz not null default now(),
    actor   text        not null,
    action  text        not null,
    target  text        not null,
    details jsonb       not null default '{}'
);
create index audit_by_actor on audit (actor, id);
create index audit_by_target on audit (target, id);
comment on table audit is 'Every admin change, written in the same transaction as the change: a refused change writes no row. GET /api/v1/audit, newest first.';
comment on column audit.at is 'When the change''s transaction began (database clock, now()).';
comment on column audit.actor is 'The name of the token that made the change (env:admin#1, first-start:admin, or a created token''s name).';
comment on column audit.action is 'job.cancel, job.retry, job.update, queue.update, schedule.put, schedule.delete, token.create, token.revoke.';
comment on column audit.target is 'What was changed: job:<id>, queue:<name>, schedule:<name>, token:<name>.';
comment on column audit.details is 'Action-specific JSON (the request''s fields, never a secret).';
