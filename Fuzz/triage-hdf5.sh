#!/usr/bin/env bash
# Runs every saved fuzz-hdf5 input (Fuzz/findings/hdf5-*) through the real `synk info`, as a user would,
# and through `SYNK_TRUST_HDF5=1 synk info` (the in-process parse), printing one line per input:
#   exit code with the child-process check, exit code in-process, seconds, first words of the message.
# Exit 3 or 0 with the check is the contract; a signal in-process (exit > 128) is a libhdf5 crash that
# the check contains.
#   Fuzz/triage-hdf5.sh [synk-binary]
set -uo pipefail
cd "$(dirname "$0")/.."
SYNK=${1:-.build/debug/synk}
bad=0
err=$(mktemp)
trap 'rm -f "$err"' EXIT
total=0
for f in Fuzz/findings/hdf5-*; do
  [ -f "$f" ] || continue
  total=$((total + 1))
  start=$(date +%s.%N)
  timeout 60 "$SYNK" info "$f" >/dev/null 2>"$err"; checked=$?
  message=$(head -1 "$err")
  seconds=$(echo "$(date +%s.%N) - $start" | bc)
  inprocess=$( { SYNK_TRUST_HDF5=1 SWIFT_BACKTRACE=enable=no timeout 60 "$SYNK" info "$f" >/dev/null 2>&1; echo $?; } 2>/dev/null)
  case $checked in 0|3) ;; *) bad=$((bad + 1)) ;; esac
  printf '%s\tchecked=%d\tin-process=%d\t%.2fs\t%s\n' "$(basename "$f")" "$checked" "$inprocess" "$seconds" "${message:0:110}"
done
echo "$total inputs, $bad not ending with exit 0 or 3"
[ $bad -eq 0 ]
