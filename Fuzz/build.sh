#!/usr/bin/env bash
# Builds the libFuzzer targets: synk's reader modules are compiled straight from Sources/ with
# coverage and AddressSanitizer instrumentation (no SwiftPM), then one executable per reader family.
#   Fuzz/build.sh [target...]     (default: every target in Fuzz/targets except FuzzSupport)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=Fuzz/.build
mkdir -p "$OUT"
SWIFTC=${SWIFTC:-swiftc}
OPT=${FUZZ_OPT:--O}
SAN=(-sanitize=fuzzer,address -parse-as-library)
# synk's own C kernels (Sources/CSynkKernels) as an object and a module map, as SwiftPM would build them.
KERNEL_CFLAGS="-fsanitize=address,fuzzer-no-link -g" Benchmarks/build-kernels.sh "$OUT"
C_MODULES=(-I Sources/CHDF5 -I Sources/CSndFile -I Sources/CEDFLib -I Sources/CFFTW -I "$OUT/kernels" -Xcc -I/usr/include/hdf5/serial)
LIBS=(-L/usr/lib/x86_64-linux-gnu/hdf5/serial -lhdf5 -lsndfile -ledf -lfftw3f -lfftw3)

# One module: a .swiftmodule for importers and one object file, rebuilt when a source is newer.
module() {
  local name=$1; shift
  local sources=(Sources/$name/*.swift Sources/$name/*/*.swift)
  local existing=()
  for s in "${sources[@]}"; do [ -f "$s" ] && existing+=("$s"); done
  local object="$OUT/$name.o"
  if [ -f "$object" ] && [ -z "$(find "${existing[@]}" -newer "$object" 2>/dev/null)" ]; then return; fi
  echo "compiling $name (${#existing[@]} files)"
  "$SWIFTC" "${SAN[@]}" $OPT -g -wmo -swift-version 6 -module-name "$name" -I "$OUT" "${C_MODULES[@]}" \
    -emit-module -emit-module-path "$OUT/$name.swiftmodule" -c "${existing[@]}" -o "$object"
}

module SynkCore
module SynkIO
module SynkDSP
module SynkAnalysis

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in Fuzz/targets/*.swift; do
    n=$(basename "$f" .swift); [ "$n" = FuzzSupport ] || targets+=("$n")
  done
fi
for t in "${targets[@]}"; do
  echo "linking fuzz-$t"
  rm -f "$OUT/fuzz-$t"
  "$SWIFTC" "${SAN[@]}" $OPT -g -swift-version 6 -module-name "Fuzz_$t" -I "$OUT" "${C_MODULES[@]}" \
    Fuzz/targets/FuzzSupport.swift "Fuzz/targets/$t.swift" \
    "$OUT/kernels/kernels.o" "$OUT/SynkCore.o" "$OUT/SynkIO.o" "$OUT/SynkDSP.o" "$OUT/SynkAnalysis.o" "${LIBS[@]}" -o "$OUT/fuzz-$t" 2>&1 | grep -v "Cannot export local symbol" || true
  [ -x "$OUT/fuzz-$t" ] || { echo "linking fuzz-$t failed" >&2; exit 1; }
done
