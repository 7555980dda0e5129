"""The API documentation pages (Swagger UI at /docs, ReDoc at /redoc) on pinned, self-served assets: no CDN.

The vendor files come from the npm packages pinned in package-lock.json (swagger-ui-dist, redoc), copied into
docs_site/vendor/ by scripts/docs-assets.sh at install time. The local app serves docs_site/ at ASSETS_URL; the
stack deploys the same pages and files to the dashboard's S3 bucket (infra_cdk/dashboard.py).
"""

from __future__ import annotations

from html import escape
from pathlib import Path

SITE_DIR = Path(__file__).resolve().parent / "docs_site"
VENDOR_DIR = SITE_DIR / "vendor"
ASSETS_URL = "/docs/assets"
OPENAPI_URL = "/openapi.json"
# What scripts/docs-assets.sh copies; a page is only served when all of its files are there.
VENDOR_FILES = ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png", "redoc.standalone.js")


def missing_assets() -> list[str]:
    """Vendor files not installed yet (run `make install` or scripts/docs-assets.sh)."""
    return [name for name in VENDOR_FILES if not (VENDOR_DIR / name).is_file()]


def _page(title: str, head: str, root_id: str, scripts: tuple[str, ...], openapi_url: str) -> str:
    tags = "\n".join(f'<script src="{ASSETS_URL}/{src}"></script>' for src in scripts)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<link rel="icon" type="image/png" href="{ASSETS_URL}/vendor/favicon-32x32.png">
{head}
</head>
<body>
<main id="{root_id}" data-openapi-url="{escape(openapi_url)}"></main>
{tags}
</body>
</html>
"""


def swagger_page(openapi_url: str = OPENAPI_URL, title: str = "CodeTime API") -> str:
    head = f'<link rel="stylesheet" href="{ASSETS_URL}/vendor/swagger-ui.css">'
    return _page(f"{title} · Swagger UI", head, "swagger-ui", ("vendor/swagger-ui-bundle.js", "swagger-init.js"),
                 openapi_url)  # fmt: skip


def redoc_page(openapi_url: str = OPENAPI_URL, title: str = "CodeTime API") -> str:
    return _page(f"{title} · ReDoc", "", "redoc", ("vendor/redoc.standalone.js", "redoc-init.js"), openapi_url)
