#!/usr/bin/env bash
# MpiFaultTests' SIGKILL test (4 ranks, rank 2 killed in epoch 2, one line must name rank 2) run RUNS times
# while BUSY shell loops keep the cores busy: the load under which a neighbour's echo once got named instead.
# Usage: scripts/mpi-kill-under-load.sh [RUNS] [BUSY]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-12}; busy=${2:-3}
command -v mpiexec.mpich >/dev/null || { echo "mpi-kill-under-load.sh: MPICH's mpiexec is missing (apt-get install mpich)" >&2; exit 1; }
dotnet build tests/Tailor.Tests -c Release -v quiet -nologo >/dev/null
for _ in $(seq 1 "$busy"); do sh -c 'while :; do :; done' & done
trap 'kill $(jobs -p) 2>/dev/null' EXIT
passed=0
for run in $(seq 1 "$runs"); do
  result=$(dotnet test tests/Tailor.Tests -c Release --no-build --filter "FullyQualifiedName~MpiFaultTests.A_killed" 2>&1 || true)
  if grep -q "^Passed!" <<<"$result"; then passed=$((passed + 1)); echo "run $run: passed"
  else echo "run $run: failed:"; grep -E "Value:|Regex:|Assert|Error Message" <<<"$result" | sed 's/^/    /' || echo "    (see dotnet test's output)"; fi
done
echo "$passed of $runs passed with $busy busy loops beside the job (load $(cut -d' ' -f1 /proc/loadavg))"
