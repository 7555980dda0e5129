-- What a user shares publicly (Wakapi's "Public Data" settings, WakaTime's "display ... publicly"): read without
-- a key by anyone through the stats routes, and meant for public profiles and leaderboards later.
-- share_data_max_days: 0 nothing is public (the default), -1 any range, N ranges of at most N days.
ALTER TABLE users ADD COLUMN IF NOT EXISTS share_data_max_days integer NOT NULL DEFAULT 0
    CHECK (share_data_max_days BETWEEN -1 AND 3660);
ALTER TABLE users ADD COLUMN IF NOT EXISTS share_projects boolean NOT NULL DEFAULT false;
ALTER TABLE users ADD COLUMN IF NOT EXISTS share_languages boolean NOT NULL DEFAULT false;
ALTER TABLE users ADD COLUMN IF NOT EXISTS share_editors boolean NOT NULL DEFAULT false;
ALTER TABLE users ADD COLUMN IF NOT EXISTS share_operating_systems boolean NOT NULL DEFAULT false;
ALTER TABLE users ADD COLUMN IF NOT EXISTS share_machines boolean NOT NULL DEFAULT false;
ALTER TABLE users ADD COLUMN IF NOT EXISTS share_categories boolean NOT NULL DEFAULT false;
