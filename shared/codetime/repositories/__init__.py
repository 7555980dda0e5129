"""Plain-SQL data access: every query of the system lives in this package."""
