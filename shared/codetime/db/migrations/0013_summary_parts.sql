-- Each day's summary JSON is stored compressed, as a raw deflate part the reads join into one gzip answer without
-- compressing per request (codetime/gzip_parts.py): `body_deflated` with the JSON's CRC-32 and length. Rows
-- written before this migration keep their `body` text (compressed when read) until their day is recomputed;
-- new rows store only the part.
ALTER TABLE daily_summaries
    ALTER COLUMN body DROP NOT NULL,
    ADD COLUMN IF NOT EXISTS body_deflated bytea,
    ADD COLUMN IF NOT EXISTS body_crc bigint,
    ADD COLUMN IF NOT EXISTS body_length integer;

-- Already compressed: out of line without PostgreSQL compressing it again.
ALTER TABLE daily_summaries ALTER COLUMN body_deflated SET STORAGE EXTERNAL;

ALTER TABLE daily_summaries DROP CONSTRAINT IF EXISTS daily_summaries_body_present;
ALTER TABLE daily_summaries ADD CONSTRAINT daily_summaries_body_present CHECK (
    body IS NOT NULL OR (body_deflated IS NOT NULL AND body_crc IS NOT NULL AND body_length IS NOT NULL)
);
