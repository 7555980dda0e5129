-- AI coding analytics (WakaTime's AI heartbeat fields): stored per heartbeat, aggregated per (user, local day).
-- Every column is nullable: heartbeats from plugins without AI fields keep NULLs and cost nothing.
ALTER TABLE heartbeats
    ADD COLUMN IF NOT EXISTS ai_line_changes        integer,
    ADD COLUMN IF NOT EXISTS human_line_changes     integer,
    ADD COLUMN IF NOT EXISTS ai_session             text,
    ADD COLUMN IF NOT EXISTS ai_model               text,
    ADD COLUMN IF NOT EXISTS ai_subscription_plan   text,
    ADD COLUMN IF NOT EXISTS ai_input_tokens        bigint,
    ADD COLUMN IF NOT EXISTS ai_cached_input_tokens bigint,
    ADD COLUMN IF NOT EXISTS ai_output_tokens       bigint,
    ADD COLUMN IF NOT EXISTS ai_prompt_length       integer;

-- A day's AI figures per (project, editor, AI session, AI model), recomputed from raw heartbeats with the other
-- aggregates (never incremented). Sessions stay apart so session counts, per-session averages and medians of any
-- range are exact (a session spanning two days counts once). '' means "none".
CREATE TABLE IF NOT EXISTS daily_ai_totals (
    user_id                uuid NOT NULL,
    day                    date NOT NULL,
    project                text NOT NULL,
    editor                 text NOT NULL,
    session                text NOT NULL,
    model                  text NOT NULL,
    ai_additions           bigint NOT NULL,
    ai_deletions           bigint NOT NULL,
    human_additions        bigint NOT NULL,
    human_deletions        bigint NOT NULL,
    ai_input_tokens        bigint NOT NULL,
    ai_cached_input_tokens bigint NOT NULL,
    ai_output_tokens       bigint NOT NULL,
    ai_prompt_events       bigint NOT NULL,
    ai_prompt_length_sum   bigint NOT NULL,
    -- Priced models only (domain/ai.py MODEL_PRICES): each heartbeat's cost rounded to a micro-dollar, then summed,
    -- as WakaTime rounds.
    ai_cost_micros         bigint NOT NULL,
    PRIMARY KEY (user_id, day, project, editor, session, model)
);
