#!/bin/sh
# Builds the libFuzzer targets and runs each for SECONDS (default 60):
#   elf    ELFInspect                         (FuzzELF.swift,      corpus/)
#   cache  the ld.so.cache parser + lookup    (FuzzLdSoCache.swift, corpus-cache/)
#   conf   the ld.so.conf parser on a memory root (FuzzLdSoConf.swift, corpus-conf/)
# Usage: scripts/fuzz/run.sh [SECONDS] [TARGET...]   (TARGET: elf cache conf; default all)
#        scripts/fuzz/run.sh --typecheck [TARGET...]   only type-checks the targets (what
#        `make test` runs, so a harness cannot fall behind the sources it calls)
# Crashes land in scripts/fuzz/artifacts/<target>-*; new interesting inputs in a scratch
# corpus per target (the committed corpora are only read). Replay a crash with
# $FUZZ_WORK/fuzz-<target> FILE; the committed reproducers are replayed by
# Tests/LinkerDoctorTests/FuzzRegressionLoaderTests.swift.
set -eu
typecheck=
if [ "${1:-}" = --typecheck ]; then typecheck=1; shift; seconds=0; else seconds=${1:-60}; [ $# -gt 0 ] && shift; fi
targets=${*:-elf cache conf}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
work=${FUZZ_WORK:-/tmp/ofdoctor-fuzz}
mkdir -p "$here/artifacts"

# The cache and conf targets take the loader model with everything it is built on (RootFS,
# Archive, Support): one module from all their sources, with the imports of the package's
# own targets dropped (the copies in $work/src), -D FUZZING dropping the harness's, and the
# C targets given as module maps (CSpawn's and CThread's C files compiled alongside).
mkdir -p "$work/src"
rm -f "$work"/src/*.swift
loader_sources=""
for f in "$root"/Sources/LoaderModel/*.swift "$root"/Sources/RootFS/*.swift "$root"/Sources/Archive/*.swift \
         "$root"/Sources/Support/*.swift; do
    copy="$work/src/$(basename "$(dirname "$f")")-$(basename "$f")"
    grep -vE '^import (Support|Archive|RootFS|LoaderModel|ELFInspect)$' "$f" > "$copy"
    loader_sources="$loader_sources$copy
"
done
loader_sources="$loader_sources$root/Tests/LinkerDoctorTests/FuzzRegressionHarness.swift"
# SwiftPM makes CSpawn's and CThread's module maps from their include directories; here
# they are written out.
mkdir -p "$work/cspawn" "$work/cthread"
printf 'module CSpawn {\n    header "%s"\n    export *\n}\n' "$root/Sources/CSpawn/include/CSpawn.h" > "$work/cspawn/module.modulemap"
printf 'module CThread {\n    header "%s"\n    export *\n}\n' "$root/Sources/CThread/include/CThread.h" > "$work/cthread/module.modulemap"

build() {   # build NAME ENTRY.swift [EXTRA SOURCES...]
    name=$1; entry=$2; shift 2
    if [ $# -gt 0 ]; then   # the loader targets: the C modules, and CSpawn's and CThread's C files
        set -- "$@" -Xcc "-fmodule-map-file=$root/Sources/CZlib/module.modulemap" -I "$root/Sources/CZlib" \
            -Xcc "-fmodule-map-file=$root/Sources/CNettle/module.modulemap" -I "$root/Sources/CNettle" \
            -Xcc "-fmodule-map-file=$root/Sources/CXattr/module.modulemap" -I "$root/Sources/CXattr" \
            -Xcc "-fmodule-map-file=$work/cspawn/module.modulemap" -Xcc "-fmodule-map-file=$work/cthread/module.modulemap"
        if [ -z "$typecheck" ]; then
            for c in CSpawn/spawn CThread/thread; do
                clang -c -O1 -fsanitize=fuzzer-no-link,address -I "$root/Sources/${c%/*}/include" \
                    "$root/Sources/$c.c" -o "$work/${c#*/}.o"
                set -- "$@" "$work/${c#*/}.o"
            done
        fi
    fi
    # The same module either way: type-checked only, or built with libFuzzer and ASan.
    if [ -n "$typecheck" ]; then
        set -- -typecheck "$@"
    else
        set -- -sanitize=fuzzer,address -g -O "$@" -lelf -lz -lzstd -lnettle -o "$work/fuzz-$name"
    fi
    # A clang module cache of its own: the targets run side by side (the test suite's
    # type-check), each defining CThread and CSpawn from a module map of its own, and with
    # the shared cache both loader targets once failed under load ("no such module 'CThread'").
    swiftc -parse-as-library -D FUZZING -suppress-warnings -module-name ELFInspect -package-name ofdoctor \
        -module-cache-path "$work/module-cache" \
        -Xcc -fmodule-map-file="$root/Sources/CLibElf/module.modulemap" -I "$root/Sources/CLibElf" \
        "$root"/Sources/ELFInspect/*.swift "$here/$entry" "$@"
}

run() {   # run NAME MAX_LEN COMMITTED_CORPUS SCRATCH_CORPUS
    [ -n "$typecheck" ] && { echo "== fuzz-$1 type-checks"; return; }
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
