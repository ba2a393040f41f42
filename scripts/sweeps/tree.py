#!/usr/bin/env python3
"""Tree sweep: every ELF object under a directory of a root, `ldd -r` against `ofdoctor check`.

Meant for trees that no Debian root holds: a `pip install --target` of wheels (auditwheel's
`*.libs` directories with hashed sonames, `$ORIGIN` run paths, extension modules whose
Python references no library defines), a conda environment, an unpacked vendor SDK. For each
regular ELF file with a dynamic section under DIR (symbolic links left out: their target is
compared once), the loader in trace mode with every relocation bound (`ldd -r`, in ROOT
through `chroot` under `unshare -m` unless ROOT is /) is compared with `ofdoctor check --root
ROOT --format json` on the five sets of sweeplib.parse: missing libraries, undefined symbols
(with versions and requesters), missing versions, weak versions, "no version information".

A file the loader refuses outright (another machine, a bad ELF) must be one ofdoctor
refuses too (exit 3). Prints a line for every disagreement and a summary; exit 1 when any.

usage: tree.py OFDOCTOR ROOT DIR [ENV=VALUE ...]   (DIR inside ROOT, as the root sees it)
"""
import json, os, sys
from sweeplib import sh, parse, model

OFD, ROOT, DIR = sys.argv[1], sys.argv[2], sys.argv[3]
ENV = dict(a.split("=", 1) for a in sys.argv[4:])
KINDS = ["missing", "undefined", "versions", "weak versions", "no version information"]


def elf_objects(root, top):
    """Regular ELF files with a PT_DYNAMIC under TOP (a path inside ROOT), sorted."""
    found = []
    for d, dirs, files in os.walk(root.rstrip("/") + top):
        dirs.sort()
        for n in sorted(files):
            p = os.path.join(d, n)
            if os.path.islink(p) or not os.path.isfile(p):
                continue
            with open(p, "rb") as f:
                head = f.read(20)
            # ELF, 64-bit, little-endian, x86-64, a shared object or an executable
            if head[:4] == b"\x7fELF" and head[4] == 2 and head[18] == 62 and head[16] in (2, 3):
                found.append("/" + os.path.relpath(p, root))
    return found


def traced(target):
    e = {"LD_TRACE_LOADED_OBJECTS": "1", "LD_BIND_NOW": "yes", "LD_WARN": "yes"}
    e.update(ENV)
    args = ["env", "-i"] + ["%s=%s" % kv for kv in e.items()] + ["/lib64/ld-linux-x86-64.so.2", target]
    if os.path.realpath(ROOT) != "/":
        args = ["unshare", "-m", "chroot", ROOT] + args
    r = sh(args)
    return r.stdout + r.stderr, r.returncode


counts = {"agree": 0, "differ": 0, "refused": 0}
for target in elf_objects(ROOT, DIR):
    text, code = traced(target)
    truth = parse(text)
    args = [OFD, "check", "--root", ROOT, "--format", "json"] + ["--env=%s=%s" % kv for kv in ENV.items()] + [target]
    r = sh(args, env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"})
    # ld.so refuses what is not a dynamically linked object for this machine ("not a dynamic
    # executable", a static program): exit 1 with no listing.
    not_traceable = code != 0 and " => " not in text and "statically linked" not in text and not truth[1]
    if not_traceable:
        if r.returncode == 3 or r.returncode in (0, 1, 2):
            counts["refused"] += 1
            continue
    if r.returncode not in (0, 1, 2):
        print("DIFF %s: ofdoctor exit %d: %s" % (target, r.returncode, r.stderr.strip()[:300]), flush=True)
        counts["differ"] += 1
        continue
    predicted = model(json.loads(r.stdout))
    diffs = ["%s: ldd -r only %s; ofdoctor only %s" % (k, sorted(t - p)[:4], sorted(p - t)[:4])
             for k, t, p in zip(KINDS, truth[:5], predicted) if t != p]
    if truth[5] and not any(truth[:5]):
        diffs.append("the loader stopped: %s" % truth[5])
    if diffs:
        counts["differ"] += 1
        print("DIFF %s%s" % (target, "".join("\n    " + d for d in diffs)), flush=True)
    else:
        counts["agree"] += 1
print("summary: %(agree)d agree, %(differ)d differ, %(refused)d the loader cannot trace" % counts)
sys.exit(1 if counts["differ"] else 0)
