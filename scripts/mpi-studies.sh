#!/usr/bin/env bash
# tune and cv alone and under `mpiexec -n 2`, one thread per process, as interleaved pairs: the wall times
# and their ratio, and whether the two tables agree but for their seconds column.
# Usage: scripts/mpi-studies.sh [PAIRS] [OUT] [EPOCHS]   (default 3 pairs into out/mpi-studies, 1 epoch a unit;
# EPOCHS "default" keeps each command's own: 6 a trial, 14 a cnn fold)
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=${1:-3}
out=${2:-out/mpi-studies}
epochs=${3:-1}
mpiexec=$(command -v mpiexec.mpich || command -v mpiexec.hydra || true)
[ -n "$mpiexec" ] || { echo "mpi-studies.sh: MPICH's mpiexec is missing (apt-get install mpich)" >&2; exit 1; }
dotnet build src/Tailor.Cli -c Release -v quiet -nologo >/dev/null
tailor=(dotnet src/Tailor.Cli/bin/Release/net10.0/Tailor.Cli.dll)
per_unit=(--epochs "$epochs")
[ "$epochs" = default ] && per_unit=()
tune=(tune --space samples/space.json --trials 6 "${per_unit[@]}" --no-final --threads 1)
cv=(cv --model cnn --folds 4 "${per_unit[@]}" --threads 1)
mkdir -p "$out"
# Every column but "seconds" (tables written with plain commas in their numeric rows).
without_seconds() { awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "seconds") s = i } { line = ""; for (i = 1; i <= NF; i++) if (i != s) line = line $i ","; print line }' "$1"; }
seconds() { local start=$(date +%s.%N); "$@" > /dev/null; echo "$(date +%s.%N) - $start" | bc; }
for i in $(seq 1 "$pairs"); do
  for study in tune cv; do
    if [ "$study" = tune ]; then args=("${tune[@]}"); table=results.csv; else args=("${cv[@]}"); table=folds.csv; fi
    rm -rf "$out/$study-one-$i" "$out/$study-two-$i"
    one=$(seconds "${tailor[@]}" "${args[@]}" --out "$out/$study-one-$i")
    two=$(seconds "$mpiexec" -n 2 "${tailor[@]}" "${args[@]}" --out "$out/$study-two-$i")
    same=$(cmp -s <(without_seconds "$out/$study-one-$i/$table") <(without_seconds "$out/$study-two-$i/$table") && echo "same $table" || echo "DIFFERENT $table")
    printf '%s pair %d: one process %.1f s, two ranks %.1f s, ratio %.2f, load %s, %s\n' \
      "$study" "$i" "$one" "$two" "$(echo "$two / $one" | bc -l)" "$(cut -d' ' -f1 /proc/loadavg)" "$same"
  done
done
