-- Goals as WakaTime has them: "2 hrs of Python per weekday". Progress is computed from daily_totals on read.
CREATE TABLE IF NOT EXISTS goals (
    id                 uuid PRIMARY KEY,
    user_id            uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title              text,
    delta              text NOT NULL DEFAULT 'day' CHECK (delta IN ('day', 'week')),
    seconds            integer NOT NULL CHECK (seconds BETWEEN 60 AND 604800),
    -- Empty arrays mean "any": a goal counts the time matching every non-empty list.
    languages          text[] NOT NULL DEFAULT '{}',
    projects           text[] NOT NULL DEFAULT '{}',
    editors            text[] NOT NULL DEFAULT '{}',
    categories         text[] NOT NULL DEFAULT '{}',
    -- Lowercase English weekday names ("saturday"); those days are not judged.
    ignore_days        text[] NOT NULL DEFAULT '{}',
    ignore_zero_days   boolean NOT NULL DEFAULT true,
    is_inverse         boolean NOT NULL DEFAULT false,
    is_enabled         boolean NOT NULL DEFAULT true,
    snooze_until       timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    modified_at        timestamptz
);
CREATE INDEX IF NOT EXISTS goals_user_idx ON goals (user_id, created_at);
