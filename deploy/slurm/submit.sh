#!/bin/bash
# submit.sh N: submits a sweep as an N-task Slurm array and the merge job that waits for it
# (--dependency=afterok). Environment: SCENARIO, RESULTS (shared, absolute), MIMISIM (path of
# the binary on the compute nodes), SWEEP_FLAGS (e.g. --quick). Prints "ARRAYID MERGEID".
set -euo pipefail
n=${1:?usage: submit.sh N (the number of shards)}
case $n in ''|*[!0-9]*) echo "submit.sh: N must be a whole number, got $n" >&2; exit 2;; esac
[ "$n" -ge 1 ] || { echo "submit.sh: N must be at least 1" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
: "${SCENARIO:?set SCENARIO}" "${RESULTS:?set RESULTS}"
export SCENARIO RESULTS MIMISIM=${MIMISIM:-mimisim} SWEEP_FLAGS=${SWEEP_FLAGS:-}
mkdir -p "$RESULTS"
array=$(sbatch --parsable --export=ALL --array="0-$((n - 1))" --chdir="$RESULTS" "$here/sweep-array.sbatch")
array=${array%%;*}
merge=$(sbatch --parsable --export=ALL --dependency="afterok:$array" --kill-on-invalid-dep=yes \
  --chdir="$RESULTS" "$here/merge.sbatch")
echo "${array} ${merge%%;*}"
