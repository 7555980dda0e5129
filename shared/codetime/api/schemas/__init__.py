"""Request and response models, one module per router module of `codetime.api.routes` (`schemas/stats.py` for
`routes/stats.py`, ...); what several routers share (the error shape, NUL-free text, the common error responses)
is in `schemas/common.py`. They document the API (OpenAPI) and validate what it answers."""
