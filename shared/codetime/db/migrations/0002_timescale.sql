-- Make heartbeats a hypertable where TimescaleDB is installed; plain PostgreSQL keeps the ordinary table.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
        PERFORM create_hypertable('heartbeats', 'time', chunk_time_interval => interval '7 days',
                                  if_not_exists => true, migrate_data => true);
    END IF;
END
$$;
