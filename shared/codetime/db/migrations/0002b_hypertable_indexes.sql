-- create_hypertable's default ("time" DESC) index serves no query here: every read is per user through the
-- (user_id, time, content_hash) unique index, and retention drops whole chunks. Dropping it saves an index
-- update per written heartbeat.
DROP INDEX IF EXISTS heartbeats_time_idx;
