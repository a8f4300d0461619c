-- The web dashboard's (/ui) login sessions. Kept here, not in a coordinator's memory, so that every
-- coordinator behind a load balancer accepts a session any of them opened, and a logout or an expiry
-- holds on all of them at once. Only hashes are kept: a copy of this table opens no session and
-- names no token.
create table dashboard_sessions (
    id_hash      bytea primary key,
    token_hash   bytea       not null,
    csrf_token   text        not null,
    created_at   timestamptz not null default now(),
    last_seen_at timestamptz not null default now(),
    expires_at   timestamptz not null
);
comment on table dashboard_sessions is 'Dashboard (/ui) sessions opened by logging in with a token; deleted at logout, refused once expired or idle too long (database clock).';
comment on column dashboard_sessions.id_hash is 'SHA-256 of the session id, a random 256-bit value held only in the browser''s HttpOnly cookie.';
comment on column dashboard_sessions.token_hash is 'SHA-256 of the token logged in with: each request authenticates it again, so a revoked or expired token ends its sessions, and the session has the token''s role.';
comment on column dashboard_sessions.csrf_token is 'The session''s synchronizer token: every state change under /ui must send it back.';
comment on column dashboard_sessions.created_at is 'Login time.';
comment on column dashboard_sessions.last_seen_at is 'The last request the session made: idle longer than the idle limit, it is refused.';
comment on column dashboard_sessions.expires_at is 'The absolute limit: login time plus the session length, whatever the activity.';
create index dashboard_sessions_by_expiry on dashboard_sessions (expires_at);
