#!/usr/bin/env bash
# Packs every shipped project (the Tailor library and the tailor .NET tool) into artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf artifacts
dotnet pack Tailor.slnx -c Release -o artifacts "$@"
ls artifacts
