-- Users, API keys, raw heartbeats and the per-day aggregates that every read is served from.

CREATE TABLE IF NOT EXISTS users (
    id                uuid PRIMARY KEY,
    username          text NOT NULL UNIQUE,
    email             text UNIQUE,
    display_name      text,
    -- NULL until the user sets one or a plugin's Timezone header supplies it; reads fall back to UTC.
    timezone          text,
    timeout_seconds   integer NOT NULL DEFAULT 900 CHECK (timeout_seconds BETWEEN 60 AND 3600),
    created_at        timestamptz NOT NULL DEFAULT now(),
    last_heartbeat_at timestamptz,
    last_plugin       text,
    last_project      text
);

CREATE TABLE IF NOT EXISTS api_keys (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- HMAC-SHA256 of the normalized key with a server-side pepper; the key itself is never stored.
    key_hash     bytea NOT NULL UNIQUE,
    key_hint     text NOT NULL,
    label        text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    last_plugin  text,
    revoked_at   timestamptz
);
CREATE INDEX IF NOT EXISTS api_keys_user_idx ON api_keys (user_id);

CREATE TABLE IF NOT EXISTS heartbeats (
    user_id            uuid NOT NULL,
    time               timestamptz NOT NULL,
    content_hash       bytea NOT NULL,
    entity             text NOT NULL,
    type               text NOT NULL,
    category           text NOT NULL,
    project            text,
    branch             text,
    language           text,
    dependencies       text[],
    lines              integer,
    lineno             integer,
    cursorpos          integer,
    line_additions     integer,
    line_deletions     integer,
    project_root_count integer,
    is_write           boolean NOT NULL DEFAULT false,
    editor             text,
    operating_system   text,
    machine            text,
    plugin             text,
    user_agent         text,
    created_at         timestamptz NOT NULL DEFAULT now(),
    -- Includes time so it can be a TimescaleDB hypertable's unique index; redelivery hits it and is skipped.
    CONSTRAINT heartbeats_dedup UNIQUE (user_id, time, content_hash)
);

-- Aggregates are recomputed per (user, day) from raw heartbeats, never incremented. '' means "none".
CREATE TABLE IF NOT EXISTS daily_totals (
    user_id          uuid NOT NULL,
    day              date NOT NULL,
    project          text NOT NULL,
    language         text NOT NULL,
    editor           text NOT NULL,
    operating_system text NOT NULL,
    machine          text NOT NULL,
    branch           text NOT NULL,
    category         text NOT NULL,
    seconds          double precision NOT NULL,
    PRIMARY KEY (user_id, day, project, language, editor, operating_system, machine, branch, category)
);

CREATE TABLE IF NOT EXISTS daily_entity_totals (
    user_id uuid NOT NULL,
    day     date NOT NULL,
    project text NOT NULL,
    entity  text NOT NULL,
    seconds double precision NOT NULL,
    PRIMARY KEY (user_id, day, project, entity)
);

CREATE TABLE IF NOT EXISTS daily_dependency_totals (
    user_id    uuid NOT NULL,
    day        date NOT NULL,
    project    text NOT NULL,
    dependency text NOT NULL,
    seconds    double precision NOT NULL,
    PRIMARY KEY (user_id, day, project, dependency)
);

-- One row per (user, day) with activity: what the aggregates were computed with, so a later timezone or
-- timeout change can tell which days are stale.
CREATE TABLE IF NOT EXISTS daily_activity (
    user_id         uuid NOT NULL,
    day             date NOT NULL,
    heartbeats      integer NOT NULL,
    seconds         double precision NOT NULL,
    first_at        timestamptz NOT NULL,
    last_at         timestamptz NOT NULL,
    timezone        text NOT NULL,
    timeout_seconds integer NOT NULL,
    computed_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, day)
);

-- The local runtime's durable stand-in for SQS (unused when SQS_QUEUE_URL is set).
CREATE TABLE IF NOT EXISTS local_queue (
    id            bigserial PRIMARY KEY,
    body          text NOT NULL,
    sent_at       timestamptz NOT NULL DEFAULT now(),
    visible_at    timestamptz NOT NULL DEFAULT now(),
    receive_count integer NOT NULL DEFAULT 0,
    dead          boolean NOT NULL DEFAULT false
);
CREATE INDEX IF NOT EXISTS local_queue_visible_idx ON local_queue (visible_at) WHERE NOT dead;
