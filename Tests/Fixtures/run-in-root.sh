#!/bin/bash
# run-in-root.sh ROOT ENVFILE PROGRAM ARGV0 [ARGS...]
# Runs PROGRAM inside ROOT as a container would: private mount namespace
# (unshare -m), /proc mounted on ROOT/proc, chroot ROOT, an environment made only
# of ENVFILE's NAME=VALUE lines (empty lines and #comments skipped; ENVFILE may be
# empty, /dev/null, or - to read the lines from stdin), and argv[0] = ARGV0.  The root's static /launch sets
# argv[0] and the environment, so LD_* variables reach only PROGRAM (not the
# host's chroot).  Without /launch, ARGV0 must equal PROGRAM and the root needs
# /usr/bin/env.  Prints the program's stdout and stderr; exits with its status
# (124: timed out after ${RUN_TIMEOUT:-20}s; 125: this harness failed).  Needs root.
# RUN_USERSPEC=UID:GID starts PROGRAM as that user and group (chroot --userspec), as a
# container whose image sets User; otherwise it runs as root. RUN_GROUPS=G1,G2 gives it
# those supplementary groups (default: GID alone).
set -eu
[ $# -ge 4 ] || { echo "usage: $0 ROOT ENVFILE PROGRAM ARGV0 [ARGS...]" >&2; exit 125; }
root=$(cd "$1" && pwd) || exit 125
envfile=$2 program=$3 argv0=$4; shift 4
vars=()
read_env() {
  local line
  while IFS= read -r line || [ -n "$line" ]; do
    case $line in ''|'#'*) continue ;; *=*) vars+=("$line") ;; *) echo "$envfile: not NAME=VALUE: $line" >&2; exit 125 ;; esac
  done
}
case $envfile in
  '') ;;
  -) read_env; exec </dev/null ;;
  *) read_env < "$envfile" ;;
esac
if [ -x "$root/launch" ]; then
  cmd=(/launch -i)
  for v in ${vars[@]+"${vars[@]}"}; do cmd+=(-e "$v"); done
  cmd+=("$program" "$argv0" "$@")
elif [ "$argv0" = "$program" ] && [ -x "$root/usr/bin/env" ]; then
  cmd=(/usr/bin/env -i ${vars[@]+"${vars[@]}"} "$program" "$@")
else
  echo "$root has no /launch: cannot set argv[0] to $argv0" >&2; exit 125
fi
chroot=$(command -v chroot) unshare=$(command -v unshare) mount=$(command -v mount)
userspec=()
[ -z "${RUN_USERSPEC:-}" ] || userspec=(--userspec="$RUN_USERSPEC" --groups="${RUN_GROUPS:-${RUN_USERSPEC#*:}}")
# mount inside the new namespace only: nothing leaks into the host's mount table
exec env -i timeout "${RUN_TIMEOUT:-20}" "$unshare" -m --propagation private -- /bin/sh -c \
  '"$1" -t proc proc "$2/proc" || exit 125; shift 2; exec "$@"' sh "$mount" "$root" \
  "$chroot" ${userspec[@]+"${userspec[@]}"} "$root" "${cmd[@]}"
