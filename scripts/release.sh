#!/bin/bash
# release.sh — builds dist/ofdoctor: one fully static, stripped x86-64 executable that
# runs in any Linux root (no loader, no libc, no Swift runtime needed), so it can be
# copied into a broken container and diagnose it from the inside.
#
#   -static-executable   links the Swift runtime, FoundationEssentials (not Foundation: no
#                        ICU data), libc (glibc's libc.a) and libstdc++ statically: no
#                        PT_INTERP, no DT_NEEDED
#   -lelf -lz -lzstd     libelf.a (libelf-dev) and what it needs (zlib1g-dev, libzstd-dev);
#                        pkg-config gives only -lelf, fine for a shared link but not a static one
#   -lnettle             libnettle.a (nettle-dev): SHA-256 for `ofdoctor resources`
#   -disable-concrete-type-metadata-mangled-name-accessors
#                        generic types (a Dictionary keyed by String) get their metadata
#                        through accessors that pass the known conformances, not by the
#                        runtime demangling a mangled name and looking the conformances up:
#                        that cost ~0.8M instructions on every command (issue 19)
#   -function-sections, lld's --symbol-ordering-file scripts/link-order.txt
#                        the functions everyday commands run placed side by side, so the
#                        kernel maps the text they need in ~40 faults instead of ~116
#                        (scripts/link-order.sh writes the list; without the toolchain's
#                        ld.lld the default linker links it unordered)
# The build uses its own scratch path so it never fights a debug build for .build's lock.
#
# usage: scripts/release.sh        (from anywhere; writes <package>/dist/ofdoctor)
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
for lib in libelf.a:libelf-dev libz.a:zlib1g-dev libzstd.a:libzstd-dev libnettle.a:nettle-dev; do
  [ -e "/usr/lib/x86_64-linux-gnu/${lib%%:*}" ] || missing+=("${lib##*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "release.sh: static libraries missing; install them: apt-get install ${missing[*]}" >&2
  exit 1
fi

scratch=.build-release
order=()
swift_bin=$(dirname "$(readlink -f "$(command -v swift)")")
if [ -x "$swift_bin/ld.lld" ] && [ -s scripts/link-order.txt ]; then
  order=(-Xswiftc -use-ld=lld -Xswiftc -Xfrontend -Xswiftc -function-sections
         -Xlinker "--symbol-ordering-file=$PWD/scripts/link-order.txt" -Xlinker --no-warn-symbol-ordering)
else
  echo "release.sh: no ld.lld beside swift ($swift_bin): the text is linked unordered" >&2
fi
flags=(-Xswiftc -static-executable
       -Xswiftc -Xfrontend -Xswiftc -disable-concrete-type-metadata-mangled-name-accessors
       "${order[@]}"
       -Xlinker -lelf -Xlinker -lz -Xlinker -lzstd -Xlinker -lnettle)
# SwiftPM does not compile every module again when these flags change (a module built
# without -function-sections stays so, and its functions cannot be ordered): a build made
# with other flags is started afresh.
if [ "$(cat "$scratch/release-flags" 2>/dev/null)" != "${flags[*]}" ]; then
  rm -rf "$scratch"
  mkdir -p "$scratch"
  printf '%s' "${flags[*]}" > "$scratch/release-flags"
fi
# (the list is no build input SwiftPM knows of: without the old binary it links again)
rm -f "$scratch/x86_64-unknown-linux-gnu/release/ofdoctor"
swift build -c release --scratch-path "$scratch" --product ofdoctor "${flags[@]}"

mkdir -p dist
bin=$(swift build -c release --scratch-path "$scratch" --show-bin-path)/ofdoctor
strip -o dist/ofdoctor.tmp "$bin"
mv dist/ofdoctor.tmp dist/ofdoctor

# Static means: no program interpreter and no needed libraries at all.
if readelf -lW dist/ofdoctor | grep -q 'INTERP'; then
  echo "release.sh: dist/ofdoctor has a PT_INTERP: it is not static" >&2; exit 1
fi
if readelf -dW dist/ofdoctor | grep -q '(NEEDED)'; then
  echo "release.sh: dist/ofdoctor needs shared libraries:" >&2
  readelf -dW dist/ofdoctor | grep '(NEEDED)' >&2; exit 1
fi
dist/ofdoctor --version >/dev/null
echo "dist/ofdoctor: $(stat -c %s dist/ofdoctor) bytes, static, stripped, version $(dist/ofdoctor --version)"
