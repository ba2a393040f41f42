#!/bin/sh
# Builds the libFuzzer targets and runs each for SECONDS (default 60):
#   elf    ELFInspect                         (FuzzELF.swift,      corpus/)
#   cache  the ld.so.cache parser + lookup    (FuzzLdSoCache.swift, corpus-cache/)
#   conf   the ld.so.conf parser on a memory root (FuzzLdSoConf.swift, corpus-conf/)
# Usage: scripts/fuzz/run.sh [SECONDS] [TARGET...]   (TARGET: elf cache conf; default all)
# Crashes land in scripts/fuzz/artifacts/<target>-*; new interesting inputs in a scratch
# corpus per target (the committed corpora are only read). Replay a crash with
# $FUZZ_WORK/fuzz-<target> FILE; the committed reproducers are replayed by
# Tests/LinkerDoctorTests/FuzzRegressionLoaderTests.swift.
set -eu
seconds=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-elf cache conf}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
work=${FUZZ_WORK:-/tmp/ofdoctor-fuzz}
mkdir -p "$here/artifacts"

# The loader sources need only ELFInspect and the root layer (no nettle), so each
# target is one module built from exactly these files; -D FUZZING drops the harness's imports,
# and the copies in $work/src drop the sources' imports of the package's own targets.
mkdir -p "$work/src"
loader_sources=""
for f in Sources/LoaderModel/LdSoCache.swift Sources/LoaderModel/LdSoCacheEntry.swift \
         Sources/LoaderModel/LdSoCacheError.swift Sources/LoaderModel/LdSoCacheLegacyHWCap.swift \
         Sources/LoaderModel/LdSoCacheNameOrder.swift Sources/LoaderModel/LdSoConf.swift \
         Sources/LoaderModel/LdSoConfGlob.swift Sources/Support/Errno.swift Sources/RootFS/RootEntry.swift \
         Sources/RootFS/RootError.swift Sources/RootFS/RootFilesystem.swift Sources/RootFS/RootPath.swift \
         Sources/RootFS/RootView.swift; do
    grep -vE '^import (Support|Archive|RootFS|LoaderModel|ELFInspect)$' "$root/$f" > "$work/src/$(basename "$f")"
    loader_sources="$loader_sources$work/src/$(basename "$f")
"
done
loader_sources="$loader_sources$root/Tests/LinkerDoctorTests/FuzzRegressionHarness.swift"

build() {   # build NAME ENTRY.swift [EXTRA SOURCES...]
    name=$1; entry=$2; shift 2
    swiftc -sanitize=fuzzer,address -parse-as-library -g -O -D FUZZING -suppress-warnings \
        -module-name ELFInspect -package-name ofdoctor \
        -Xcc -fmodule-map-file="$root/Sources/CLibElf/module.modulemap" -I "$root/Sources/CLibElf" \
        "$root"/Sources/ELFInspect/*.swift "$@" "$here/$entry" \
        -lelf -o "$work/fuzz-$name"
}

run() {   # run NAME MAX_LEN COMMITTED_CORPUS SCRATCH_CORPUS
    name=$1; maxlen=$2; corpus=$3; scratch=$4
    mkdir -p "$scratch"
    echo "== fuzz-$name for ${seconds}s"
    # -rss_limit_mb bounds memory; -timeout flags a single input that runs over 5 s as a hang.
    "$work/fuzz-$name" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -max_len="$maxlen" \
        -print_final_stats=1 -artifact_prefix="$here/artifacts/$name-" "$scratch" "$here/$corpus"
}

mkdir -p "$work"
for t in $targets; do
    case $t in
        # The ELF target keeps its historical scratch corpus name ($work/corpus).
        elf) build elf FuzzELF.swift; run elf 65536 corpus "$work/corpus" ;;
        # Split the list on newlines only, so a checkout path with blanks still works.
        # shellcheck disable=SC2086
        cache) (IFS='
'; build cache FuzzLdSoCache.swift $loader_sources); run cache 8192 corpus-cache "$work/corpus-cache" ;;
        # shellcheck disable=SC2086
        conf) (IFS='
'; build conf FuzzLdSoConf.swift $loader_sources); run conf 4096 corpus-conf "$work/corpus-conf" ;;
        *) echo "run.sh: unknown target $t (use elf, cache or conf)" >&2; exit 64 ;;
    esac
done
