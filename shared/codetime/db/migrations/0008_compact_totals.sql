-- Each day's totals per dimension value in three parallel arrays on its summary row: what stats and the dashboard
-- summary sum over a range without filters (one indexed read of at most one row per day, no JSON to parse).
-- totals_keys holds the dimension ('project', 'language', ..., 'branch', 'category', 'dependency'); totals_names
-- the stored value ('' for none); totals_seconds the day's seconds of that value.
ALTER TABLE daily_summaries
    ADD COLUMN IF NOT EXISTS totals_keys    text[]             NOT NULL DEFAULT '{}',
    ADD COLUMN IF NOT EXISTS totals_names   text[]             NOT NULL DEFAULT '{}',
    ADD COLUMN IF NOT EXISTS totals_seconds double precision[] NOT NULL DEFAULT '{}';

-- Days stored before this migration: filled from the aggregates they were written with.
WITH per_value AS (
    SELECT user_id, day, 'project' AS k, project AS n, sum(seconds) AS s FROM daily_totals GROUP BY user_id, day, project
    UNION ALL
    SELECT user_id, day, 'language', language, sum(seconds) FROM daily_totals GROUP BY user_id, day, language
    UNION ALL
    SELECT user_id, day, 'editor', editor, sum(seconds) FROM daily_totals GROUP BY user_id, day, editor
    UNION ALL
    SELECT user_id, day, 'operating_system', operating_system, sum(seconds) FROM daily_totals
    GROUP BY user_id, day, operating_system
    UNION ALL
    SELECT user_id, day, 'machine', machine, sum(seconds) FROM daily_totals GROUP BY user_id, day, machine
    UNION ALL
    SELECT user_id, day, 'branch', branch, sum(seconds) FROM daily_totals GROUP BY user_id, day, branch
    UNION ALL
    SELECT user_id, day, 'category', category, sum(seconds) FROM daily_totals GROUP BY user_id, day, category
    UNION ALL
    SELECT user_id, day, 'dependency', dependency, sum(seconds) FROM daily_dependency_totals
    GROUP BY user_id, day, dependency
), per_day AS (
    SELECT user_id, day, array_agg(k ORDER BY k, n) AS keys, array_agg(n ORDER BY k, n) AS names,
           array_agg(s ORDER BY k, n) AS secs
    FROM per_value GROUP BY user_id, day
)
UPDATE daily_summaries s SET totals_keys = p.keys, totals_names = p.names, totals_seconds = p.secs
FROM per_day p WHERE s.user_id = p.user_id AND s.day = p.day;
