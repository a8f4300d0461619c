-- The operations of a POST /jobs/bulk sent with an Idempotency-Key each commit on their own, in a
-- short transaction that also stores that operation's answer here (docs/protocol.md, finding 12 in
-- docs/reliability.md): a bulk then holds each job's row for one operation, not until the whole
-- bulk commits. If the bulk ends before its answer is stored (a 503, a crash), a resend with the
-- same key and body answers the operations stored here as they were answered and runs the rest.
-- The bulk's idempotency_keys row is taken first, uncommitted, and keeps resends waiting as
-- before; once its answer is stored these rows are deleted with it in one transaction. No foreign
-- key: that row is not committed while the steps are.
create table idempotency_steps (
    caller       text        not null,
    key          text        not null,
    request_hash bytea       not null,
    step         integer     not null,
    answer       text        not null,
    created_at   timestamptz not null default now(),
    primary key (caller, key, step)
);
create index idempotency_steps_created_at on idempotency_steps (created_at);

comment on table idempotency_steps is 'Answers of the operations a keyed bulk committed before its own answer was stored; pruned 24 hours after created_at.';
comment on column idempotency_steps.request_hash is 'SHA-256 of the bulk''s body, as in idempotency_keys: a step of another body under the key is not this one''s.';
comment on column idempotency_steps.step is 'Index of the operation in the bulk''s operations.';
comment on column idempotency_steps.answer is 'The operation''s entry of succeeded ({"id", "version"}), as first answered.';
