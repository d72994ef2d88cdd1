#!/bin/bash
# fuzz.sh [FUZZTIME] [PACKAGES...]: runs every fuzz target of the repository (or of PACKAGES) for
# FUZZTIME each (default 10s; any -fuzztime value, e.g. 30s or 5000x). Targets are found, not
# listed by hand: the packages whose tests declare "func Fuzz…", then `go test -list '^Fuzz'` of
# each. Stops at the first target that fails; go test then saves the failing input under the
# package's testdata/fuzz/<target>/, where it stays a regression test of plain go test.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
fuzztime=${1:-10s}
shift || true
if [ $# -gt 0 ]; then
  pkgs=("$@")
else
  mapfile -t pkgs < <(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u)
fi
start=$(date +%s)
n=0
for pkg in "${pkgs[@]}"; do
  mapfile -t targets < <($GO test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true)
  for t in "${targets[@]}"; do
    echo "fuzz: $pkg $t ($fuzztime)"
    $GO test "$pkg" -run '^$' -fuzz "^${t}\$" -fuzztime "$fuzztime"
    n=$((n + 1))
  done
done
if [ "$n" = 0 ]; then
  echo "fuzz: no fuzz targets found" >&2
  exit 1
fi
echo "fuzz: $n targets in ${#pkgs[@]} packages, ${fuzztime} each, all passed in $(($(date +%s) - start))s"
