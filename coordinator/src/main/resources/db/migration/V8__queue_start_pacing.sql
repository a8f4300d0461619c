-- A rate limit is kept as a token bucket on the queue's own row (StartRate), updated under the row
-- lock by the claim that starts the jobs. Counting started_at over a window undercounted: a job
-- that failed and was claimed again within the window overwrote its earlier start, so a fast
-- failing job could restart far above the rate; and the count grew with the rate (a million a
-- second counted a million index entries per claim).
alter table queues add column rate_paced_until timestamptz;
comment on column queues.rate_paced_until is 'Rate limit state: the jobs started so far, spaced 1/rate_per_second '
    'apart, are paid for up to this time; a claim at t may start floor(max(1, floor(rate)) - '
    'max(0, rate_paced_until - t) * rate) more. Null: nothing owed. Reset when the rate changes.';

-- Only the windowed count used it.
drop index jobs_started_by_queue;
