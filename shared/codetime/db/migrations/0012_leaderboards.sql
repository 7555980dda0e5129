-- Public leaderboard opt-in and the optional country a leaderboard can be filtered by (ISO 3166-1 alpha-2).
ALTER TABLE users ADD COLUMN IF NOT EXISTS public_leaderboard boolean NOT NULL DEFAULT false;
ALTER TABLE users ADD COLUMN IF NOT EXISTS country_code text CHECK (country_code ~ '^[A-Z]{2}$');
CREATE INDEX IF NOT EXISTS users_public_leaderboard_idx ON users (id) WHERE public_leaderboard;

-- The precomputed leaderboard: each user's running total over their last 7 local days (today included), from the
-- per-day aggregates (services/leaderboards.py refreshes it through services/aggregation.py). Kept for every user
-- with activity in the window, opted in or not: the public board filters on users.public_leaderboard when it is
-- read (opting out hides a user at once), private boards rank their members. One row per user per language, and
-- language '' for all languages together (a language named '' is stored as 'Other' here, see the service).
CREATE TABLE IF NOT EXISTS leaderboard_totals (
    user_id  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    language text NOT NULL,
    seconds  double precision NOT NULL,
    days     integer NOT NULL,  -- days of the window with time in this language (the daily average's divisor)
    PRIMARY KEY (user_id, language)
);
CREATE INDEX IF NOT EXISTS leaderboard_totals_rank_idx ON leaderboard_totals (language, seconds DESC);

-- One row per user the leaderboard knows: the window their totals cover and when they were computed. dirty_at: a
-- write changed their data since (refreshed debounced after writes, and by the schedule).
CREATE TABLE IF NOT EXISTS leaderboard_users (
    user_id     uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    start_day   date,
    end_day     date,
    computed_at timestamptz,
    dirty_at    timestamptz
);
CREATE INDEX IF NOT EXISTS leaderboard_users_dirty_idx ON leaderboard_users (dirty_at) WHERE dirty_at IS NOT NULL;

-- Users with recent activity before this migration: due a first computation (the schedule's refresh).
INSERT INTO leaderboard_users (user_id, dirty_at)
SELECT DISTINCT user_id, now() FROM daily_activity WHERE day >= current_date - 8
ON CONFLICT (user_id) DO NOTHING;
