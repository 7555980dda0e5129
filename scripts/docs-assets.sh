#!/usr/bin/env bash
# The offline API docs' assets: Swagger UI and ReDoc from the npm packages pinned in package-lock.json
# (swagger-ui-dist, redoc), copied into shared/codetime/api/docs_site/vendor/ (not in git). `codetime dev` serves
# them at /docs/assets; the stack deploys the same files to the dashboard's bucket. Needs the npm registry once
# (npm ci, when node_modules is older than the lock file), nothing afterwards: /docs then works with no internet.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=shared/codetime/api/docs_site/vendor
if [[ ! -f node_modules/.package-lock.json || node_modules/.package-lock.json -ot package-lock.json \
      || ! -f node_modules/swagger-ui-dist/package.json || ! -f node_modules/redoc/package.json ]]; then
    npm ci --no-audit --no-fund --loglevel=error
fi

rm -rf "$OUT.tmp"
mkdir -p "$OUT.tmp"
ui=node_modules/swagger-ui-dist
cp "$ui/swagger-ui-bundle.js" "$ui/swagger-ui.css" "$ui/favicon-32x32.png" "$OUT.tmp/"
cp "$ui/LICENSE" "$OUT.tmp/swagger-ui.LICENSE"
cp node_modules/redoc/bundles/redoc.standalone.js "$OUT.tmp/"
cp node_modules/redoc/bundles/redoc.standalone.js.LICENSE.txt "$OUT.tmp/redoc.standalone.js.LICENSE.txt"
cp node_modules/redoc/LICENSE "$OUT.tmp/redoc.LICENSE"
# The bundles end with a sourceMappingURL comment for maps that are not shipped: drop it (no 404 in devtools).
sed -i '/^\/\/# sourceMappingURL=/d' "$OUT.tmp/swagger-ui-bundle.js" "$OUT.tmp/redoc.standalone.js"
# ReDoc 2's sidebar shows Redocly's logo from their CDN (a third-party request on every view, and nothing offline):
# point it at an empty data URL; the image hides itself when it fails to load. Checked, so a new version that
# moves the logo fails here rather than quietly calling out.
grep -q 'https://cdn.redoc.ly/redoc/logo-mini.svg' "$OUT.tmp/redoc.standalone.js"
sed -i 's#https://cdn.redoc.ly/redoc/logo-mini.svg#data:,#g' "$OUT.tmp/redoc.standalone.js"
if grep -q 'cdn\.redoc\.ly' "$OUT.tmp/redoc.standalone.js"; then
    echo "docs-assets: redoc.standalone.js still names cdn.redoc.ly" >&2
    exit 1
fi
node -e 'const v = n => require(`./node_modules/${n}/package.json`).version;
  console.log(JSON.stringify({"swagger-ui-dist": v("swagger-ui-dist"), redoc: v("redoc")}))' > "$OUT.tmp/versions.json"
rm -rf "$OUT"
mv "$OUT.tmp" "$OUT"
touch "$OUT/.installed"
echo "docs assets: $OUT ($(cat "$OUT/versions.json"))"
