#!/usr/bin/env bash
# Compiles Sources/CSynkKernels for the scripts that build synk sources with swiftc directly (the CI
# kernel gate, the peer comparison, the fuzzers): WORKDIR/kernels/kernels.o and a module map, so `swiftc -I WORKDIR/kernels` can
# `import CSynkKernels`.    usage: Benchmarks/build-kernels.sh WORKDIR
# env: CC (default clang, else cc), KERNEL_CFLAGS (extra flags, e.g. sanitizers for the fuzz build)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$1/kernels"
mkdir -p "$out"
cc="${CC:-$(command -v clang || command -v cc)}"
"$cc" -O2 ${KERNEL_CFLAGS:-} -c "$root/Sources/CSynkKernels/kernels.c" -I "$root/Sources/CSynkKernels/include" -o "$out/kernels.o"
cat >"$out/module.modulemap" <<MAP
module CSynkKernels {
    header "$root/Sources/CSynkKernels/include/CSynkKernels.h"
    export *
}
MAP
