#!/bin/bash
# make test-slurm: runs a small sharded sweep on a real one-node Slurm cluster on this machine and
# checks that the merged result equals the sweep run at once.
#
# It apt-installs Debian's slurm-wlm and munge when missing (needs root), writes a slurm.conf for
# this host into a scratch directory (no cgroups: proctrack/linuxproc, task/none, no accounting),
# starts munged (unless one runs), slurmctld and slurmd, submits embedded:fanout-size --quick as a
# 3-task array plus the merge job (submit.sh), polls squeue until both finish (timeout
# $SLURM_TEST_TIMEOUT s, default 300), checks their states with scontrol, compares every file
# of the merged directory with a local mimisim sweep (cmp), and stops the daemons it started.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
GO=${GO:-go}
shards=${SLURM_TEST_SHARDS:-3}
timeout=${SLURM_TEST_TIMEOUT:-300}
start=$(date +%s)
say() { echo "test-slurm [$(($(date +%s) - start))s]: $*"; }

if [ "$(id -u)" != 0 ]; then
  echo "test-slurm: needs root (it installs Slurm and runs slurmd)" >&2; exit 1
fi
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
  say "installing slurm-wlm and munge"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
fi

tmp=$(mktemp -d /tmp/mimisim-slurm.XXXXXX)
pids=()
cleanup() {
  local rc=$?
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  done
  if [ "$rc" != 0 ]; then
    echo "test-slurm: FAILED; logs:" >&2
    tail -n 20 "$tmp"/*.log "$tmp"/results/*.out 2>/dev/null >&2 || true
  fi
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT

# munge: the authentication every Slurm daemon and client needs.
if [ ! -s /etc/munge/munge.key ]; then
  mungekey --create --keyfile=/etc/munge/munge.key 2>/dev/null || create-munge-key -f
  chown munge:munge /etc/munge/munge.key; chmod 400 /etc/munge/munge.key
fi
if ! munge -n >/dev/null 2>&1; then
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  rm -f /run/munge/mimisim-test.pid
  runuser -u munge -- munged --pid-file=/run/munge/mimisim-test.pid
  for _ in $(seq 50); do [ -s /run/munge/mimisim-test.pid ] && break; sleep 0.1; done
  pids+=("$(cat /run/munge/mimisim-test.pid)")
  munge -n >/dev/null
fi

host=$(hostname -s)
cpus=$(nproc)
mkdir -p "$tmp/ctld" "$tmp/slurmd"
export SLURM_CONF=$tmp/slurm.conf
cat > "$SLURM_CONF" <<CONF
ClusterName=mimisimtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
MinJobAge=600
StateSaveLocation=$tmp/ctld
SlurmdSpoolDir=$tmp/slurmd
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF

say "building mimisim"
$GO build -o "$tmp/mimisim" ./cmd/mimisim

say "starting slurmctld and slurmd"
slurmctld -i
for _ in $(seq 100); do [ -s "$tmp/slurmctld.pid" ] && break; sleep 0.1; done
pids+=("$(cat "$tmp/slurmctld.pid")")
slurmd
for _ in $(seq 100); do [ -s "$tmp/slurmd.pid" ] && break; sleep 0.1; done
pids+=("$(cat "$tmp/slurmd.pid")")
for _ in $(seq 300); do
  sinfo -h -N -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)' && break
  sleep 0.2
done
sinfo -N

say "local sweep"
# From a directory outside the repository, like the Slurm jobs: a binary built without VCS stamps
# (GOFLAGS=-buildvcs=false) asks git in its working directory for git_revision.
(cd "$tmp" && "$tmp/mimisim" sweep embedded:fanout-size --quick --quiet --out "$tmp/local")

say "submitting $shards shards and the merge"
read -r array merge < <(SCENARIO=embedded:fanout-size SWEEP_FLAGS=--quick RESULTS=$tmp/results \
  MIMISIM=$tmp/mimisim deploy/slurm/submit.sh "$shards")
say "array job $array, merge job $merge"
deadline=$(($(date +%s) + timeout))
while [ -n "$(squeue -h -j "$array,$merge" -o %i 2>/dev/null)" ]; do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    squeue; echo "test-slurm: jobs still queued after ${timeout}s" >&2; exit 1
  fi
  sleep 1
done
ended=0
while IFS= read -r line; do
  id=$(grep -o '^JobId=[0-9]*' <<<"$line" | cut -d= -f2)
  task=$(grep -o 'ArrayTaskId=[0-9]*' <<<"$line" | cut -d= -f2 || true)
  state=$(grep -o 'JobState=[A-Z_]*' <<<"$line" | cut -d= -f2)
  say "job $id${task:+ (array task $task)}: $state"
  [ "$state" = COMPLETED ] || { echo "test-slurm: job $id ended $state" >&2; exit 1; }
  ended=$((ended + 1))
done < <(scontrol show job -o "$array"; scontrol show job -o "$merge")
[ "$ended" = $((shards + 1)) ] || { echo "test-slurm: $ended jobs found, want $((shards + 1))" >&2; exit 1; }

say "comparing with the local sweep"
n=0
while IFS= read -r -d '' f; do
  rel=${f#"$tmp/local/"}
  cmp "$f" "$tmp/results/merged/$rel"
  n=$((n + 1))
done < <(find "$tmp/local" -type f -print0)
extra=$(cd "$tmp/results/merged" && find . -type f | sort | sed 's|^\./||' | grep -vxF -f <(cd "$tmp/local" && find . -type f | sed 's|^\./||') || true)
[ "$extra" = shards.json ] || { echo "test-slurm: merged directory has extra files: $extra" >&2; exit 1; }
hosts=$(grep -c '"hostname"' "$tmp/results/merged/shards.json")
[ "$hosts" = "$shards" ] || { echo "test-slurm: shards.json lists $hosts shards, want $shards" >&2; exit 1; }
say "ok: $n files identical to the local sweep, plus shards.json listing $shards shards"
