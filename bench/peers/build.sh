#!/bin/sh
# Builds the ns-3 PHOLD program (ns3/phold.cc) into $OUT (default bench/peers/build/phold-ns3).
# Needs Debian's libns3-dev and g++ (run.sh installs them when missing).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${OUT:-$here/build}
cxx=${CXX:-g++}
mkdir -p "$out"

# First ns-3's own pkg-config file; Debian 12's lists libgsl.so, which only libgsl-dev
# provides, so when linking with it fails, take the library from the package's file list.
if pkg-config --exists ns3-core 2>/dev/null &&
	$cxx -O2 -std=c++17 -o "$out/phold-ns3" "$here/ns3/phold.cc" \
		$(pkg-config --cflags --libs ns3-core) 2>/dev/null; then
	exit 0
fi
lib=$(dpkg -L libns3-dev | grep '/libns3-core\.so$' | head -n1)
hdr=$(dpkg -L libns3-dev | grep '/ns3/core-module\.h$' | head -n1)
if [ -z "$lib" ] || [ -z "$hdr" ]; then
	echo "build.sh: libns3-dev does not list libns3-core.so and ns3/core-module.h" >&2
	exit 1
fi
exec $cxx -O2 -std=c++17 -I"$(dirname "$(dirname "$hdr")")" -o "$out/phold-ns3" \
	"$here/ns3/phold.cc" -L"$(dirname "$lib")" -lns3-core
