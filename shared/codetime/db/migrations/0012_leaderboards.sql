-- Public leaderboard opt-in and the optional country a leaderboard can be filtered by (ISO 3166-1 alpha-2).
ALTER TABLE users ADD COLUMN IF NOT EXISTS public_leaderboard boolean NOT NULL DEFAULT false;
ALTER TABLE users ADD COLUMN IF NOT EXISTS country_code text CHECK (country_code ~ '^[A-Z]{2}$');

-- The precomputed leaderboard: each user's running total over their last 7 local days (today included), from the
-- per-day aggregates (services/leaderboards.py refreshes it through services/aggregation.py). Kept for every user
-- with time in the window, opted in or not: private boards rank their members. One row per user per language, and
-- language '' for all languages together (time without a language is stored under its name, 'Other').
-- public, country_code and username are copies of the user's (kept by the refresh, and by the settings change in
-- its own transaction, so opting out hides a user at once): a board's page is then one ordered index scan, not a
-- join and sort of every user.
CREATE TABLE IF NOT EXISTS leaderboard_totals (
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    language     text NOT NULL,
    seconds      double precision NOT NULL CHECK (seconds > 0),
    days         integer NOT NULL,  -- days of the window with any time (the daily average's divisor)
    public       boolean NOT NULL,
    country_code text,
    username     text COLLATE "C" NOT NULL,  -- ties are listed by username, in byte order (an index's order)
    PRIMARY KEY (user_id, language)
);
-- INCLUDE: a page deep in the board is read from the index alone (index-only scan), not 5,000 heap fetches.
CREATE INDEX IF NOT EXISTS leaderboard_public_idx ON leaderboard_totals (language, seconds DESC, username)
    INCLUDE (user_id, country_code, days) WHERE public;
CREATE INDEX IF NOT EXISTS leaderboard_public_country_idx
    ON leaderboard_totals (language, country_code, seconds DESC, username) INCLUDE (user_id, days) WHERE public;

-- One row per user the leaderboard knows: the window their totals cover and when they were computed. version counts
-- the writes that changed the user's data (bumped in the writer's transaction); computed_version is the version the
-- stored totals were read at, so a write committed during a refresh leaves the user due (dirty_at kept).
CREATE TABLE IF NOT EXISTS leaderboard_users (
    user_id          uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    start_day        date,
    end_day          date,
    computed_at      timestamptz,
    version          bigint NOT NULL DEFAULT 0,
    computed_version bigint,
    dirty_at         timestamptz  -- set by a write, cleared by a refresh that read the latest version
);
CREATE INDEX IF NOT EXISTS leaderboard_users_computed_idx ON leaderboard_users (computed_at);
CREATE INDEX IF NOT EXISTS leaderboard_users_dirty_idx ON leaderboard_users (dirty_at) WHERE dirty_at IS NOT NULL;

-- Users with recent activity before this migration: due a first computation (the schedule's refresh).
INSERT INTO leaderboard_users (user_id, dirty_at)
SELECT DISTINCT user_id, now() FROM daily_activity WHERE day >= current_date - 8
ON CONFLICT (user_id) DO NOTHING;
