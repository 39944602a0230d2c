#!/usr/bin/env bash
# A one-node Slurm cluster on this machine (munge, slurmctld and slurmd from Debian's slurm-wlm), the sbatch
# example run on it to completion, and its model compared with `mpiexec -n 2` of the same training.
#
#   scripts/slurm/local-cluster.sh [OUT_DIR]      (as root; apt-get install slurm-wlm munge mpich first)
#
# The cluster's files live under OUT_DIR/cluster (its own slurm.conf, state and logs; nothing under /etc is
# changed but munge's key, which Debian's package creates); the daemons are shut down at the end.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mkdir -p "${1:-/tmp/tailor-slurm}" && cd "${1:-/tmp/tailor-slurm}" && pwd)
cli=${TAILOR_CLI:-$repo/src/Tailor.Cli/bin/Release/net10.0/Tailor.Cli.dll}
for tool in munged slurmctld slurmd sbatch; do
  command -v "$tool" > /dev/null || { echo "local-cluster.sh: no $tool; install Slurm with: apt-get install slurm-wlm munge" >&2; exit 1; }
done
mpiexec=$(command -v mpiexec.mpich || command -v mpiexec.hydra || true)
[ -n "$mpiexec" ] || { echo "local-cluster.sh: no MPICH mpiexec; install it with: apt-get install mpich" >&2; exit 1; }
[ -f "$cli" ] || { echo "local-cluster.sh: no $cli; build it with: dotnet build src/Tailor.Cli -c Release" >&2; exit 1; }

cluster=$out/cluster
rm -rf "$cluster" "$out/slurm" "$out/mpiexec"
mkdir -p "$cluster/state" "$cluster/spool" "$cluster/log"
node=$(hostname -s)
cpus=$(nproc)
memory=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024 ))
cat > "$cluster/slurm.conf" <<CONF
ClusterName=tailor-local
SlurmctldHost=$node
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=pmi2
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
StateSaveLocation=$cluster/state
SlurmdSpoolDir=$cluster/spool
SlurmctldPidFile=$cluster/slurmctld.pid
SlurmdPidFile=$cluster/slurmd.pid
SlurmctldLogFile=$cluster/log/slurmctld.log
SlurmdLogFile=$cluster/log/slurmd.log
SlurmctldPort=6817
SlurmdPort=6818
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=local Nodes=$node Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF
export SLURM_CONF=$cluster/slurm.conf

stop() {
  scontrol shutdown > /dev/null 2>&1 || true
  for pid in "$cluster/slurmd.pid" "$cluster/slurmctld.pid"; do [ -f "$pid" ] && kill "$(cat "$pid")" 2> /dev/null || true; done
}
trap stop EXIT

# munge: the system's key and socket, started once (munged refuses to run as root without --force).
if ! munge -n > /dev/null 2>&1; then
  mkdir -p /run/munge && chown munge:munge /run/munge 2> /dev/null || true
  if id munge > /dev/null 2>&1; then su -s /bin/sh munge -c munged 2> /dev/null || munged --force; else munged --force; fi
  for _ in $(seq 50); do munge -n > /dev/null 2>&1 && break; sleep 0.1; done
fi
munge -n | unmunge > /dev/null || { echo "local-cluster.sh: munge does not answer; see /var/log/munge/munged.log" >&2; exit 1; }

slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for _ in $(seq 100); do
  state=$(sinfo -h -N -o %T 2> /dev/null || true)
  [ "$state" = idle ] && break
  sleep 0.2
done
[ "$state" = idle ] || { echo "local-cluster.sh: node $node is '$state', not idle; see $cluster/log" >&2; exit 1; }
echo "Slurm cluster tailor-local: node $node, $cpus CPUs ($SLURM_CONF)"

cd "$out"
job=$(sbatch --parsable --wait --export=ALL,TAILOR_CLI="$cli",TAILOR_OUT="$out/slurm",TAILOR_ARGS="--data $repo/data/fashion" "$repo/scripts/slurm/train.sbatch") \
  || { echo "local-cluster.sh: the sbatch job failed; its log: $out/tailor-train-*.log" >&2; exit 1; }
echo "Job $job done: $(tail -n 2 "$out/tailor-train-$job.log" | head -n 1)"

"$mpiexec" -n 2 dotnet "$cli" train --model cnn --epochs 3 --shards 4 --seed 1 --threads 1 --data "$repo/data/fashion" --out "$out/mpiexec" > "$out/mpiexec.log"
if cmp -s "$out/slurm/model.safetensors" "$out/mpiexec/model.safetensors"; then
  echo "The Slurm job's model.safetensors equals mpiexec -n 2's, byte for byte."
else
  echo "local-cluster.sh: the Slurm job's model differs from mpiexec -n 2's" >&2
  exit 1
fi
