-- Every User-Agent a user's plugins sent, with the first and last heartbeat time it came with: kept by the writer
-- (least/greatest on insert, so redelivery and out-of-order batches change nothing), so listing a user's agents
-- reads a handful of rows instead of scanning every heartbeat. Rebuilt from what is left after a clear.
CREATE TABLE IF NOT EXISTS user_agents (
    user_id    uuid NOT NULL,
    user_agent text NOT NULL,
    first_at   timestamptz NOT NULL,
    last_at    timestamptz NOT NULL,
    PRIMARY KEY (user_id, user_agent)
);

INSERT INTO user_agents (user_id, user_agent, first_at, last_at)
SELECT user_id, user_agent, min(time), max(time) FROM heartbeats WHERE user_agent IS NOT NULL GROUP BY 1, 2
ON CONFLICT (user_id, user_agent) DO NOTHING;
