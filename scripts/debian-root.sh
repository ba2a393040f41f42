#!/bin/bash
# debian-root.sh — a Debian root of another glibc for the loader differentials, made once
# with debootstrap and cached:
#   bullseye  Debian 11, glibc 2.31: the OpenFace image's (Ubuntu 20.04's) glibc
#   trixie    Debian 13, glibc 2.41: a loader after 2.37, which dropped the legacy hwcap
#             subdirectories (tls, x86_64, haswell) from its search, its cache and ldconfig
#   bullseye-ffmpeg  Debian 11 with ffmpeg (200-odd libraries): `make bench`'s closure in a
#             root of the image's glibc, measured inside it (kept apart from the tests' root,
#             whose files the differentials sample)
#   bullseye-split  Debian 11 without merged /usr (debootstrap --no-merged-usr): /bin, /sbin
#             and /lib real directories beside /usr's, as in older images; for a differential
#             run by hand (docs/reliability.md, "A root without merged /usr")
#   forky     Debian testing, glibc 2.43 when this was written: a newer loader than any in
#             `make test`, for a differential run by hand (docs/reliability.md, "glibc 2.43")
#
#   --variant=minbase     libc6, libc-bin (ld.so, ldd, ldconfig) and little else
#   --include=...         library-heavy packages, so the differential has many ELF files
#                         with deep dependency trees (libwebp6: the image's libwebp)
# The mirror is the one this machine's apt uses (its sources), so no other network path
# is needed. The root is built beside its final place and renamed when complete: an
# interrupted run leaves no half root behind.
#
# usage: scripts/debian-root.sh SUITE [DIR]     (default /var/cache/ofdoctor-SUITE)
set -euo pipefail
suite=${1:?usage: scripts/debian-root.sh bullseye|trixie|bullseye-ffmpeg|bullseye-split|forky [DIR]}
release=$suite
script=()   # debootstrap's script for the release, when it is too new for this debootstrap to know
layout=()   # debootstrap's /usr layout option, when not its default (merged)
case $suite in
  bullseye-ffmpeg) release=bullseye; packages=ffmpeg ;;
  bullseye-split) release=bullseye; layout=(--no-merged-usr)
            packages=libcurl4,libglib2.0-0,libxml2,libsqlite3-0,libpython3.9,libssl1.1,libtiff5,libpng16-16,libjpeg62-turbo,libwebp6,libfreetype6,libfontconfig1,libgnutls30,libldap-2.4-2,ffmpeg ;;
  bullseye) packages=libcurl4,libglib2.0-0,libxml2,libsqlite3-0,libpython3.9,libssl1.1,libtiff5,libpng16-16,libjpeg62-turbo,libwebp6,libfreetype6,libfontconfig1,libgnutls30,libldap-2.4-2 ;;
  trixie)   packages=libcurl4t64,libglib2.0-0t64,libxml2,libsqlite3-0,libssl3t64,libtiff6,libpng16-16t64,libjpeg62-turbo,libwebp7,libfreetype6,libfontconfig1,libgnutls30t64,libldap2 ;;
  forky)    packages=libcurl4t64,libglib2.0-0t64,libsqlite3-0,libssl3t64,libtiff6,libpng16-16t64,libjpeg62-turbo,libwebp7,libfreetype6,libfontconfig1,libgnutls30t64,libldap2
            [ -e /usr/share/debootstrap/scripts/forky ] || script=(/usr/share/debootstrap/scripts/sid) ;;
  *) echo "debian-root.sh: unknown suite $suite (bullseye, trixie, bullseye-ffmpeg, bullseye-split or forky)" >&2; exit 2 ;;
esac
dir=${2:-/var/cache/ofdoctor-$suite}
[ -e "$dir/etc/debian_version" ] && [ -x "$dir/usr/bin/ldd" ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "debian-root.sh: debootstrap needs root; run: sudo $0 $suite $dir" >&2; exit 1
fi
command -v debootstrap >/dev/null || bash "$(dirname "$0")/deps.sh" debootstrap

# The first Debian archive the machine's apt sources name (deb822 or one-line format).
mirror=$( { grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}'
            grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '{print $2}'; } \
          | grep -m1 '/debian/\?$' || true)
mirror=${mirror:-http://deb.debian.org/debian}

rm -rf "$dir.partial"
echo "debian-root.sh: debootstrap $release ($packages) from $mirror into $dir (once; cached)" >&2
debootstrap --variant=minbase "${layout[@]}" --include="$packages" "$release" "$dir.partial" "$mirror" "${script[@]}" >"$dir.log" 2>&1 \
  || { tail -20 "$dir.log" >&2; exit 1; }
rm -rf "$dir.partial/var/cache/apt/archives/"*.deb
mv "$dir.partial" "$dir"
