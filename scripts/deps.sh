#!/bin/bash
# Installs the system packages the build, tests and demo need, when they are missing,
# and any packages given as arguments (`make bench` adds its own).
# As root it runs apt-get; otherwise it says exactly what to install.
set -u
need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
for pkg in libelf-dev zlib1g-dev libzstd-dev nettle-dev gcc g++ make patchelf libtree pax-utils elfutils binutils python3 graphviz strace hyperfine time python3-dotenv docker.io xz-utils bzip2 zstd "$@"; do
  have_pkg "$pkg" || need+=("$pkg")
done
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "deps: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # Another apt or dpkg (unattended-upgrades, a second `make`) may hold the locks: wait for
  # them instead of failing. DPkg::Lock::Timeout covers dpkg's lock; `apt-get update`'s
  # lists lock has no timeout option, so update is retried while its lock is held.
  apt=(apt-get -o DPkg::Lock::Timeout=600 -y -qq)
  log=/tmp/ofdoctor-apt.log
  update() {
    local try
    for try in $(seq 1 60); do
      "${apt[@]}" update >"$log.update" 2>&1 && { cat "$log.update" >>"$log"; return 0; }
      cat "$log.update" >>"$log"
      grep -q 'Could not get lock\|Unable to lock' "$log.update" || return 1
      sleep 10
    done
    return 1
  }
  if ! "${apt[@]}" install "${need[@]}" >"$log" 2>&1; then
    update || { cat "$log" >&2; exit 1; }
    "${apt[@]}" install "${need[@]}" >>"$log" 2>&1 || { cat "$log" >&2; exit 1; }
  fi
else
  echo "deps: missing packages: ${need[*]}" >&2
  echo "deps: install them with: sudo apt-get install ${need[*]}" >&2
  exit 1
fi
