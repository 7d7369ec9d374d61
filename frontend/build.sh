#!/usr/bin/env bash
# Builds the served front-end assets into ../static/ (committed; the app runs
# without Node). Run from anywhere:  bash frontend/build.sh
#
# Inputs:  frontend/src/*.scss, frontend/src/app.js, frontend/src/favicon.svg,
#          frontend/licences/, node_modules/govuk-frontend (pinned in package.json)
# Outputs: static/app.css, static/app.js, static/favicon.svg,
#          static/vendor/govuk-frontend/{govuk-frontend.min.js,.map,LICENCE.txt,assets/...},
#          and .gz and .br copies of the CSS, JavaScript and favicon (served precompressed)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
static="$root/static"
gf="$here/node_modules/govuk-frontend/dist/govuk"
vendor="$static/vendor/govuk-frontend"

cd "$here"
if [[ ! -d node_modules ]]; then
  npm ci --no-audit --no-fund
fi

# Fail early if the installed version is not the pinned one.
want="$(node -p 'require("./package.json").devDependencies["govuk-frontend"]')"
have="$(node -p 'require("govuk-frontend/package.json").version')"
if [[ "$want" != "$have" ]]; then
  echo "build.sh: govuk-frontend $have installed but $want pinned; run 'npm ci' in frontend/" >&2
  exit 1
fi

mkdir -p "$static"
rm -rf "$vendor"
mkdir -p "$vendor"

# 1. CSS (compressed, no source map so nothing points into node_modules).
npx --no-install sass --no-source-map --style=compressed \
  --load-path=node_modules src/app.scss "$static/app.css"

if grep -q 'GDS Transport\|@font-face' "$static/app.css"; then
  echo "build.sh: app.css must not contain GDS Transport or @font-face" >&2
  exit 1
fi

# 2. GOV.UK Frontend JavaScript (ES module build) and its licence.
cp "$gf/govuk-frontend.min.js" "$gf/govuk-frontend.min.js.map" "$vendor/"
cp "$here/licences/govuk-frontend-LICENCE.txt" "$vendor/LICENCE.txt"

# 3. Only the library assets that app.css actually references.
prefix="/static/vendor/govuk-frontend/assets/"
{ grep -o "url([\"']\{0,1\}${prefix}[^\"')]*" "$static/app.css" || true; } \
  | sed "s#^url([\"']\{0,1\}${prefix}##" | sort -u \
  | while read -r rel; do
      [[ -z "$rel" ]] && continue
      if [[ ! -f "$gf/assets/$rel" ]]; then
        echo "build.sh: app.css references missing asset $rel" >&2
        exit 1
      fi
      mkdir -p "$vendor/assets/$(dirname "$rel")"
      cp "$gf/assets/$rel" "$vendor/assets/$rel"
      echo "copied asset $rel"
    done
if grep -o 'url([^)]*)' "$static/app.css" | grep -v "url([\"']\{0,1\}${prefix}" | grep -v 'url(["'"'"']\{0,1\}data:' ; then
  echo "build.sh: app.css references a URL outside $prefix (see above)" >&2
  exit 1
fi

# 4. Our own files.
cp "$here/src/app.js" "$static/app.js"
cp "$here/src/favicon.svg" "$static/favicon.svg"

# 5. Precompressed copies of the text files browsers load (gzip and brotli at their best levels),
#    which the app serves as they are (nginx's gzip_static), so nothing is compressed per request.
#    A test checks that each one still decompresses to its source.
node -e '
  const fs = require("fs"), zlib = require("zlib");
  for (const file of process.argv.slice(1)) {
    const source = fs.readFileSync(file);
    fs.writeFileSync(file + ".gz", zlib.gzipSync(source, { level: 9 }));
    fs.writeFileSync(file + ".br", zlib.brotliCompressSync(source, {
      params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: source.length },
    }));
  }
' "$static/app.css" "$static/app.js" "$static/favicon.svg" "$vendor/govuk-frontend.min.js"

echo "build.sh: wrote $(cd "$root" && find static -type f | sort | tr '\n' ' ')"
