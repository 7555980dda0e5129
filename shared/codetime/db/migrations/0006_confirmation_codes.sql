-- One-time confirmation codes for take-over actions (minting/rotating keys, report settings, clear, delete) made
-- with an API key: printed by `codetime users confirm` on the server, so a leaked plugin key alone cannot get one.
-- Only a hash is stored; a code is deleted when used and worthless after expires_at.
CREATE TABLE IF NOT EXISTS confirmation_codes (
    code_hash  bytea PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS confirmation_codes_user_idx ON confirmation_codes (user_id);
