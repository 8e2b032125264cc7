#!/usr/bin/env bash
# Builds samples/vulndb/db, the small offline vulnerability database the README's main command
# uses: the real PyPA advisories for urllib3 (the sample image carries Debian's python3-urllib3)
# joined with the real CISA KEV catalog, from the reference data in ../shared.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# From the repository root, so that the database records the sources by relative path.
cd "$here/../.."
node core/bin/portcullis.js db build \
  --osv ../shared/vulndata/pypa/vulns/urllib3 \
  --kev ../shared/vulndata/kev/known_exploited_vulnerabilities.json \
  --out samples/vulndb/db
du -sh samples/vulndb/db
