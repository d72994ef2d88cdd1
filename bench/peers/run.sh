#!/bin/sh
# PHOLD on mimisim, ns-3 and SimPy, one after the other in one run; prints one line each.
#
#   EVENTS        events for mimisim and ns-3 (default 20000000)
#   SIMPY_EVENTS  events for SimPy, which is about 30 times slower (default 1000000)
#   LPS, POP, SEED  model size and seed (defaults 1024, 16, 1)
#
# Installs libns3-dev, python3-simpy3 and g++ with apt-get when they are missing. The ratios
# of mimisim's rate to the others go to stderr.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
events=${EVENTS:-20000000}
simpy_events=${SIMPY_EVENTS:-1000000}
lps=${LPS:-1024}
pop=${POP:-16}
seed=${SEED:-1}
go=${GO:-go}

need=""
for p in libns3-dev python3-simpy3 g++; do
	dpkg -s "$p" >/dev/null 2>&1 || need="$need $p"
done
if [ -n "$need" ]; then
	sudo=""
	[ "$(id -u)" = 0 ] || sudo=sudo
	echo "run.sh: installing$need" >&2
	$sudo apt-get update >&2
	$sudo apt-get install -y $need >&2
fi

build="$here/build"
OUT="$build" sh "$here/build.sh"
(cd "$root" && $go build -o "$build/mimisim" ./cmd/mimisim)

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
"$build/mimisim" bench phold --lps "$lps" --pop "$pop" --events "$events" --seed "$seed" | tee -a "$tmp"
"$build/phold-ns3" --lps="$lps" --pop="$pop" --events="$events" --seed="$seed" 2>/dev/null | tee -a "$tmp"
/usr/bin/python3 "$here/simpy/phold.py" --lps "$lps" --pop "$pop" --events "$simpy_events" \
	--seed "$seed" --others "$events" 2>/dev/null | tee -a "$tmp"

awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^events_per_s=/) { split($i, kv, "="); r[NR] = kv[2] } }
	END { if (r[2] > 0 && r[3] > 0) printf "mimisim/ns-3 = %.2f, mimisim/SimPy = %.1f\n", r[1] / r[2], r[1] / r[3] }' \
	"$tmp" >&2
