#!/bin/sh
# Builds the libFuzzer target for ELFInspect and runs it for SECONDS (default 60).
# Usage: scripts/fuzz/run.sh [SECONDS]
# Crashes land in scripts/fuzz/artifacts/; new interesting inputs in a scratch corpus
# (the committed corpus in scripts/fuzz/corpus is only read).
set -eu
seconds=${1:-60}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=${FUZZ_WORK:-/tmp/ofdoctor-fuzz}
mkdir -p "$work/corpus" "$here/artifacts"
swiftc -sanitize=fuzzer,address -parse-as-library -g -O \
    -module-name ELFInspect \
    -Xcc -fmodule-map-file="$root/Sources/CLibElf/module.modulemap" -I "$root/Sources/CLibElf" \
    "$root"/Sources/ELFInspect/*.swift "$here/FuzzELF.swift" \
    -lelf -o "$work/fuzz-elf"
# -rss_limit_mb bounds memory; -timeout flags a single input that runs over 5 s as a hang.
"$work/fuzz-elf" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -max_len=65536 \
    -artifact_prefix="$here/artifacts/" "$work/corpus" "$here/corpus"
