#!/usr/bin/env python3
"""Python-module sweep: every extension module under DIR of this machine, ofdoctor's account
of the interpreter against the real loader.

For each `*.cpython-*.so` and `*.abi3.so` under DIR (symbolic links left out), `ofdoctor
check --format json` must give the unversioned references of the module, and the C API
references of the libraries it loads (torch's `_C` loads libtorch_python.so), LD004
findings that say which interpreter it loaded the module into ("Loaded into HOST as import
loads it, …") and how many of them HOST leaves unbound; the real loader tracing HOST with
the module preloaded and every relocation bound (`ldd -r` with LD_PRELOAD) must leave
exactly that many of each finding's references unbound. Run on this machine's root (the
interpreters are its own; no chroot).

usage: pymodules.py OFDOCTOR DIR
"""
import json, os, re, sys
from sweeplib import sh, parse

OFD, TOP = sys.argv[1], sys.argv[2]
CLAIM = re.compile(r"Loaded into (\S+) as import loads it, (?:(?:it|every one of them) binds|(\d+) of the (\d+) binds? and (\d+) do(?:es)? not)")
counts = {"agree": 0, "differ": 0}
for d, dirs, files in os.walk(TOP):
    dirs.sort()
    for n in sorted(files):
        path = os.path.join(d, n)
        if not n.endswith(".so") or ("cpython-" not in n and ".abi3." not in n) or os.path.islink(path):
            continue
        r = sh([OFD, "check", "--format", "json", path], env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"})
        if r.returncode not in (0, 1, 2):
            print("DIFF %s: ofdoctor exit %d: %s" % (path, r.returncode, r.stderr.strip()[:200]), flush=True)
            counts["differ"] += 1
            continue
        findings = [f for f in json.loads(r.stdout)["findings"] if f["id"] == "LD004" and CLAIM.search(f["explanation"])]
        if not findings:
            print("DIFF %s: no interpreter named for its references" % path, flush=True)
            counts["differ"] += 1
            continue
        for finding in findings:
            claim = CLAIM.search(finding["explanation"])
            host, claimed = claim.group(1), int(claim.group(4) or 0)
            env = {"LD_TRACE_LOADED_OBJECTS": "1", "LD_BIND_NOW": "yes", "LD_WARN": "yes", "LD_PRELOAD": path}
            t = sh(["env", "-i"] + ["%s=%s" % kv for kv in env.items()] + ["/lib64/ld-linux-x86-64.so.2", host])
            references = {"%s|%s|%s" % (s["requester"], s["name"], s["version"] or "") for s in finding["symbols"]}
            unbound = references & parse(t.stdout + t.stderr)[1]
            if len(unbound) == claimed:
                counts["agree"] += 1
            else:
                counts["differ"] += 1
                print("DIFF %s (%s) in %s: ofdoctor says %d unbound, the loader %d: %s"
                      % (path, finding["neededBy"][0], host, claimed, len(unbound), sorted(unbound)[:3]), flush=True)
print("summary: %(agree)d agree, %(differ)d differ" % counts)
sys.exit(1 if counts["differ"] else 0)
