#!/bin/bash
# link-order.sh [BINARY] -- writes scripts/link-order.txt: the functions ofdoctor runs for its
# everyday commands, which scripts/release.sh has the linker (lld, --symbol-ordering-file)
# place side by side at the start of the text.
#
# Why: the kernel maps a program's text as it is first run, 64 KiB around each page fault;
# the ~2,000 functions a check runs lie scattered over 16 MiB of text, in ~116 such windows,
# and each fault costs a microsecond or more in a virtual machine. Side by side they span
# ~40 windows: ~55 fewer page faults for every command (docs/performance.md, session 36).
#
# The list is the functions callgrind saw run (their linker names, not demangled) by
# `--version`, `--help`, `check`, `tree`, `check --format json` and `fix` on the fixture root
# `all` (the seed's four failures), and `check`/`tree` of this machine's gdb (or ls). A name
# the code no longer has is skipped by the linker, so a stale list costs only speed; run this
# again after large changes. Needs valgrind and a release build (make release) with symbols.
#
# usage: scripts/link-order.sh [BINARY]   (default: the release build's unstripped binary)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "link-order: apt-get install -y valgrind" >&2; exit 69; }
bin=${1:-$(swift build -c release --scratch-path .build-release --show-bin-path)/ofdoctor}
[ -x "$bin" ] || { echo "link-order: no $bin: run make release first" >&2; exit 66; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# valgrind's reader refuses the DWARF this toolchain writes: profile a copy without it
objcopy --strip-debug "$bin" "$work/ofdoctor"

program=/usr/bin/gdb
[ -x "$program" ] || program=/bin/ls
root=.build/fixtures/all/root
# In the order their functions are placed: start-up, then `check`, the command most run,
# then what `tree`, JSON, `fix` and `--help` add.
broken=()
if [ -d "$root" ]; then
  broken=(--root "$root" --env "$(cat .build/fixtures/all/env)" /opt/OpenFace/build/bin/FeatureExtraction)
else
  echo "link-order: no fixture root $root (make fixtures): profiling without it" >&2
fi
runs=("--version" "check $program")
[ ${#broken[@]} -eq 0 ] || runs+=("check ${broken[*]}")
runs+=("tree $program")
[ ${#broken[@]} -eq 0 ] || runs+=("tree ${broken[*]}")
runs+=("check --format json $program")
[ ${#broken[@]} -eq 0 ] || runs+=("fix ${broken[*]}")
runs+=("--help")

k=0
for run in "${runs[@]}"; do
  # shellcheck disable=SC2086  # each run is a word list
  valgrind --tool=callgrind --demangle=no --callgrind-out-file="$work/out.$k" "$work/ofdoctor" $run \
    >/dev/null 2>"$work/log.$k" </dev/null || true
  grep -q 'Collected' "$work/log.$k" || { echo "link-order: callgrind failed on: ofdoctor $run" >&2; cat "$work/log.$k" >&2; exit 1; }
  k=$((k + 1))
done

# `fn=(ID) NAME` names a function the first time an output mentions it (`cfn=` a callee);
# addresses without a symbol and valgrind's "(below main)" are no linker names. Each run
# adds the functions the runs before it did not run, sorted by name (callgrind's order
# changes from build to build; within a run's group any order maps as many pages).
: > "$work/order"
for ((j = 0; j < k; j++)); do
  sed -nE 's/^c?fn=\([0-9]+\) (.+)$/\1/p' "$work/out.$j" | grep -vE '^(0x[0-9a-f]+|\(below main\))$' \
    | LC_ALL=C sort -u | LC_ALL=C comm -23 - <(LC_ALL=C sort "$work/order") >> "$work/order"
done
count=$(wc -l < "$work/order")
[ "$count" -gt 500 ] || { echo "link-order: only $count functions seen; not writing" >&2; exit 1; }
mv "$work/order" scripts/link-order.txt
echo "scripts/link-order.txt: $count functions"
