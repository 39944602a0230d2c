#!/usr/bin/env bash
# A 4-rank `tailor train` whose rank 2 gets SIGNAL (KILL, STOP) once epoch 2 has begun: the exit code, the
# seconds from the signal to the job's end, tailor's lines on stderr and any rank process left behind.
# Usage: scripts/mpi-faults.sh [SIGNAL] [mpiexec options...]   e.g. scripts/mpi-faults.sh KILL -disable-auto-cleanup
set -euo pipefail
cd "$(dirname "$0")/.."
signal=${1:-KILL}; shift || true
mpiexec=$(command -v mpiexec.mpich || command -v mpiexec.hydra || true)
[ -n "$mpiexec" ] || { echo "mpi-faults.sh: MPICH's mpiexec is missing (apt-get install mpich)" >&2; exit 1; }
dotnet build src/Tailor.Cli -c Release -v quiet -nologo >/dev/null
out=$(mktemp -d); tag="mpi-faults-$$"
TAILOR_FAULT_TAG=$tag "$mpiexec" "$@" -n 4 dotnet src/Tailor.Cli/bin/Release/net10.0/Tailor.Cli.dll train --model cnn --epochs 3 \
  --shards 4 --train-images 8000 --test-images 100 --threads 1 --checkpoint-every 1 --out "$out/run" > "$out/stdout" 2> "$out/stderr" &
job=$!
# The processes of this job's ranks: their environment holds the tag; $1 picks one rank.
ranks() { for f in /proc/[0-9]*/environ; do
  if grep -qzx "TAILOR_FAULT_TAG=$tag" "$f" 2>/dev/null && grep -qzx "PMI_RANK=${1:-[0-9]*}" "$f" 2>/dev/null \
     && grep -q dotnet "${f%/environ}/comm" 2>/dev/null; then d=${f%/environ}; echo "${d#/proc/}"; fi; done; }
until grep -q "Epoch 2/3" "$out/stdout" 2>/dev/null || ! kill -0 $job 2>/dev/null; do sleep 0.1; done
sleep 1
pid=$(ranks 2 | head -1)
[ -n "$pid" ] || { echo "mpi-faults.sh: the job ended before epoch 2" >&2; exit 1; }
start=$(date +%s.%N); kill -"$signal" "$pid"
code=0; wait $job || code=$?
printf 'SIG%s to rank 2 (pid %s): exit %d, %.2f s after the signal\n' "$signal" "$pid" "$code" "$(echo "$(date +%s.%N) - $start" | bc)"
echo "tailor's lines on stderr:"; grep '^tailor:' "$out/stderr" || echo "  (none)"
left=$(ranks); echo "rank processes left: ${left:-none}"
for p in $left; do kill -KILL "$p"; done
echo "checkpoints: $(ls "$out/run/checkpoints" 2>/dev/null | tr '\n' ' ')(in $out/run/checkpoints)"
