-- Data ownership: "clear my data" and account deletion.

-- When the user last cleared their data: queued heartbeats accepted before it are dropped by the writer, so a
-- clear cannot be undone by messages still in the queue (see queue_messages.py, field "t").
ALTER TABLE users ADD COLUMN IF NOT EXISTS data_cleared_at timestamptz;

-- Heartbeats and aggregates still to delete after a clear or an account deletion, in batches (a big history
-- takes longer than one request may). No foreign key on purpose: the user row is gone while a deletion's
-- purge runs; the row holds nothing but the id and is removed when the purge is done.
CREATE TABLE IF NOT EXISTS data_purges (
    user_id         uuid PRIMARY KEY,
    -- Heartbeats stored up to this instant are deleted; later ones (sent after a clear) are kept.
    before          timestamptz NOT NULL,
    account_deleted boolean NOT NULL,
    requested_at    timestamptz NOT NULL DEFAULT now()
);

-- The instant a row is written, not its transaction's start: a writer that waited for a clear's row lock stores
-- rows stamped after the clear, so the clear's purge (created_at <= before) leaves them alone.
ALTER TABLE heartbeats ALTER COLUMN created_at SET DEFAULT clock_timestamp();
