#!/usr/bin/env bash
# Builds the API reference from the packages' XML documentation into out/api-docs/ with docfx (a local
# dotnet tool, dotnet-tools.json). Fails on any docfx warning.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet tool restore >/dev/null
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
dotnet docfx docs/api/docfx.json --warningsAsErrors 2>&1 | tee "$log"
echo "API reference: $(pwd)/out/api-docs/index.html"
