#!/usr/bin/env bash
# The same bits on any number of processes: `tailor train --epochs 3 --shards 4 --seed 1` of cnn, cnn-dropout and
# cnn-bn, alone and under `mpiexec -n 1`, `-n 2` and `-n 4` (oversubscribed on 2 cores), one thread per rank;
# compares model.safetensors (cmp) and history.csv but for its seconds column.
# Usage: scripts/mpi-same-bits.sh [OUT]   (default out/mpi-same-bits)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-out/mpi-same-bits}
mpiexec=$(command -v mpiexec.mpich || command -v mpiexec.hydra || true)
[ -n "$mpiexec" ] || { echo "mpi-same-bits.sh: MPICH's mpiexec is missing (apt-get install mpich)" >&2; exit 1; }
dotnet build src/Tailor.Cli -c Release -v quiet -nologo >/dev/null
tailor=(dotnet src/Tailor.Cli/bin/Release/net10.0/Tailor.Cli.dll)
mkdir -p "$out"
status=0
for model in cnn cnn-dropout cnn-bn; do
  run=(train --model "$model" --epochs 3 --shards 4 --seed 1)
  "${tailor[@]}" "${run[@]}" --out "$out/$model-alone" > "$out/$model-alone.log" 2>&1
  for n in 1 2 4; do
    "$mpiexec" -n "$n" "${tailor[@]}" "${run[@]}" --threads 1 --out "$out/$model-n$n" > "$out/$model-n$n.log" 2>&1
    cmp -s "$out/$model-alone/model.safetensors" "$out/$model-n$n/model.safetensors" && weights=same || { weights=DIFFERENT; status=1; }
    cmp -s <(cut -d, -f1-5 "$out/$model-alone/history.csv") <(cut -d, -f1-5 "$out/$model-n$n/history.csv") && history=same || { history=DIFFERENT; status=1; }
    echo "$model, mpiexec -n $n against one process: model.safetensors $weights, history.csv (but seconds) $history"
  done
done
exit $status
