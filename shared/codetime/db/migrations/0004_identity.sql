-- Identity (OIDC sign-in, key scopes), settings, project/language rules, and background recompute jobs.

ALTER TABLE users ADD COLUMN IF NOT EXISTS oidc_subject text UNIQUE;
-- 0 = Sunday ... 6 = Saturday, as WakaTime's weekday_start; Monday by default, as week ranges were before.
ALTER TABLE users ADD COLUMN IF NOT EXISTS week_start smallint NOT NULL DEFAULT 1 CHECK (week_start BETWEEN 0 AND 6);
ALTER TABLE users ADD COLUMN IF NOT EXISTS public_profile boolean NOT NULL DEFAULT false;
ALTER TABLE users ADD COLUMN IF NOT EXISTS modified_at timestamptz;

-- Read-only keys can read but cannot post heartbeats or manage keys.
ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS read_only boolean NOT NULL DEFAULT false;

-- Renames applied to heartbeats when aggregates and durations are computed (raw heartbeats stay as sent).
-- kind: 'project' (project name -> another name: rename/merge), 'language' (language -> another language),
-- 'extension' (file extension, lower case without the dot -> language).
CREATE TABLE IF NOT EXISTS user_rules (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        text NOT NULL CHECK (kind IN ('project', 'language', 'extension')),
    pattern     text NOT NULL,
    replacement text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, kind, pattern)
);

-- Background recomputes of a user's aggregates (timezone, timeout or rule changes), processed in slices of days
-- by the writer; `next_day` is the resume point, so an interrupted job continues where it stopped.
CREATE TABLE IF NOT EXISTS jobs (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        text NOT NULL,
    reason      text,
    status      text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done', 'superseded', 'failed')),
    first_day   date,
    last_day    date,
    next_day    date,
    attempts    integer NOT NULL DEFAULT 0,
    error       text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);
CREATE INDEX IF NOT EXISTS jobs_open_idx ON jobs (user_id) WHERE status IN ('pending', 'running');
CREATE INDEX IF NOT EXISTS jobs_pending_idx ON jobs (updated_at) WHERE status IN ('pending', 'running');
