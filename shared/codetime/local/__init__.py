"""The local runtime: embedded PostgreSQL and a durable stand-in for SQS + the Lambda event source."""
