-- W3C trace context (docs/protocol.md "Tracing"): the traceparent and tracestate a job was
-- enqueued under, handed to the worker with every claim so that its handler's span joins (or
-- links to) the producer's trace. Both null for a job enqueued without one while tracing is off.
-- Nullable and without a default: adding them rewrites no row.
alter table jobs add column traceparent text;
alter table jobs add column tracestate text;
comment on column jobs.traceparent is 'W3C traceparent the job was enqueued under (version 00 form: 00-<trace-id>-<parent-id>-<flags>): the caller''s, or the coordinator''s enqueue span when tracing is on; null: none.';
comment on column jobs.tracestate is 'W3C tracestate that came with traceparent, at most 512 characters (whole entries dropped beyond); null: none.';
