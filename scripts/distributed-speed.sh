#!/usr/bin/env bash
# Data-parallel speed on one machine: `mpiexec -n 2` with one thread per rank against one process with two
# threads, in interleaved rounds (a shared machine's slow stretch then falls on both sides), and the exchange
# against the alpha-beta model. Usage: scripts/distributed-speed.sh [ROUNDS] [MODEL] [OUT_DIR]
set -euo pipefail
rounds=${1:-3}
model=${2:-cnn}
out=${3:-bench/results/distributed}
cli=${TAILOR_CLI:-src/Tailor.Cli/bin/Release/net10.0/Tailor.Cli.dll}
mpiexec=$(command -v mpiexec.mpich || command -v mpiexec.hydra || true)
[ -n "$mpiexec" ] || { echo "distributed-speed.sh: needs MPICH's mpiexec (apt-get install mpich)" >&2; exit 1; }
[ -f "$cli" ] || { echo "distributed-speed.sh: no $cli; build it with: dotnet build src/Tailor.Cli -c Release" >&2; exit 1; }
mkdir -p "$out"
for round in $(seq 1 "$rounds"); do
  dotnet "$cli" bench --distributed --models "$model" --threads 2 --json "$out/alone-$round.json" > "$out/alone-$round.txt"
  "$mpiexec" -n 2 dotnet "$cli" bench --distributed --models "$model" --threads 1 --json "$out/mpi2-$round.json" > "$out/mpi2-$round.txt"
done
python3 - "$out" "$rounds" <<'PY'
import json, sys
out, rounds = sys.argv[1], int(sys.argv[2])
for r in range(1, rounds + 1):
    alone = json.load(open(f"{out}/alone-{r}.json"))
    mpi = json.load(open(f"{out}/mpi2-{r}.json"))
    a = alone["steps"][0]["images_per_s"]
    m = min(s["images_per_s"] for s in mpi["steps"])
    p, x = mpi["predicted_exchange_s"], mpi["measured_exchange_s"]
    print(f"round {r}: one process x 2 threads {a:,.0f} img/s; mpiexec -n 2 x 1 thread {m:,.0f} img/s: {m / a:.2f}x; "
          f"exchange {1e3 * x:.3f} ms measured, {1e3 * p:.3f} ms modelled ({100 * (x / p - 1):+.0f}%)")
PY
