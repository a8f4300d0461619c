-- The first answer to a POST /jobs, /jobs/batch or /jobs/bulk sent with an Idempotency-Key, so a
-- resend (after a lost answer, a 503 whose COMMIT may have happened) gets that answer instead of
-- doing the work again. The row is written in the same transaction as the route's effect.
create table idempotency_keys (
    caller       text        not null,
    key          text        not null,
    route        text        not null,
    request_hash bytea       not null,
    status       integer,
    headers      jsonb,
    body         text,
    created_at   timestamptz not null default now(),
    primary key (caller, key)
);
create index idempotency_keys_created_at on idempotency_keys (created_at);

comment on table idempotency_keys is 'Stored first answers to requests sent with an Idempotency-Key; ignored and pruned 24 hours after created_at.';
comment on column idempotency_keys.caller is 'SHA-256 (hex) of the bearer token that sent the key: two callers'' keys never collide.';
comment on column idempotency_keys.key is 'The Idempotency-Key header as sent: 1 to 255 visible ASCII characters.';
comment on column idempotency_keys.route is 'Method and route of the first request (POST /jobs/batch); the key on another route is a reuse (422).';
comment on column idempotency_keys.request_hash is 'SHA-256 of the first request''s body; a resend with another body is a reuse (422).';
comment on column idempotency_keys.status is 'HTTP status of the first answer; null only inside the transaction still running the first request.';
comment on column idempotency_keys.headers is 'The first answer''s headers that carry meaning (Content-Type, Baton-Deduplicated), name to value.';
comment on column idempotency_keys.body is 'The first answer''s body, replayed byte for byte.';
comment on column idempotency_keys.created_at is 'When the first request took the key (database clock); 24 hours later the key is free again.';
