-- Scheduled reports (settings, stored reports, the delivery ledger) and operations status.

-- A user without a row gets the defaults (README: weekly on Monday at 09:00 local time, by e-mail).
CREATE TABLE IF NOT EXISTS report_settings (
    user_id    uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    daily      boolean NOT NULL DEFAULT false,
    weekly     boolean NOT NULL DEFAULT true,
    -- Local hour the report is sent at, and the weekday (0 = Monday) of the weekly one.
    hour       smallint NOT NULL DEFAULT 9 CHECK (hour BETWEEN 0 AND 23),
    weekday    smallint NOT NULL DEFAULT 0 CHECK (weekday BETWEEN 0 AND 6),
    email      boolean NOT NULL DEFAULT true,
    -- [{"url": ..., "format": "slack" | "discord" | "json"}]
    webhooks   jsonb NOT NULL DEFAULT '[]'::jsonb,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- One report per (user, cadence, period): the unique key is what makes a report exist once however often the
-- schedule fires.
CREATE TABLE IF NOT EXISTS reports (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    cadence      text NOT NULL CHECK (cadence IN ('daily', 'weekly')),
    period_start date NOT NULL,
    period_end   date NOT NULL,
    timezone     text NOT NULL,
    body         jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, cadence, period_start)
);
CREATE INDEX IF NOT EXISTS reports_user_idx ON reports (user_id, created_at DESC);

-- The delivery ledger: one row per (report, channel), claimed with FOR UPDATE SKIP LOCKED.
CREATE TABLE IF NOT EXISTS report_deliveries (
    report_id       uuid NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    channel         text NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('email', 'slack', 'discord', 'json')),
    target          text NOT NULL,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'delivered', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    claimed_until   timestamptz,
    last_error      text,
    delivered_at    timestamptz,
    PRIMARY KEY (report_id, channel)
);
CREATE INDEX IF NOT EXISTS report_deliveries_due_idx ON report_deliveries (next_attempt_at)
    WHERE status IN ('pending', 'sending');

-- Small operational facts (e.g. the writer's last successful batch), one row per name.
CREATE TABLE IF NOT EXISTS ops_status (
    name       text PRIMARY KEY,
    at         timestamptz NOT NULL,
    detail     jsonb
);
