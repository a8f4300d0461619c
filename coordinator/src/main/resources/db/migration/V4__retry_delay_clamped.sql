-- The retry delay of docs/protocol.md, min(maxMs, initialMs * factor^(attempt-1)) ± jitter, now
-- clamped before it is exponentiated. V1 computed factor^(attempt-1) first: factor 100 overflows
-- a double near attempt 156 (any factor above ~2.03 does before attempt 1000), so a fail was
-- refused and the lease reaper's batch statement failed on that row at every pass. The exponent
-- now stops at the step where the delay reaches maxMs (steps_to_cap), which keeps the product
-- below maxMs * factor; a factor of at most 1 never grows, and a zero initialMs stays zero.
create or replace function baton_retry_delay(initial_ms bigint, factor double precision, max_ms bigint,
                                             jitter double precision, attempt integer)
    returns interval language sql volatile as $$
    select make_interval(secs => greatest(0.0,
        least(max_ms::double precision, initial_ms * power(factor, least(greatest(attempt - 1, 0), steps_to_cap)))
        * (1 + jitter * (2 * random() - 1))) / 1000.0)
    from (select case when factor <= 1 then greatest(attempt - 1, 0)
                      when initial_ms <= 0 or max_ms <= initial_ms then 0
                      else ceil(ln(max_ms::double precision / initial_ms) / ln(factor)) end as steps_to_cap) s
$$;
comment on function baton_retry_delay(bigint, double precision, bigint, double precision, integer) is
    'Retry delay after a failed or expired attempt: min(max_ms, initial_ms * factor^(attempt-1)) ± jitter, '
    'clamped before exponentiating so that it never overflows.';
