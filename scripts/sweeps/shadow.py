#!/usr/bin/env python3
"""Shadow sweep: libraries of another release put first on LD_LIBRARY_PATH, as conda's
`/opt/conda/lib` puts its own libffi, libstdc++ and libz before the system's.

Each round picks an object of ROOT (a program of /usr/bin, or a library, which ld.so can
trace as well), copies the same sonames of 1 to 3 of its libraries from DONOR (a Debian
root of another release: older copies lack versions and symbols, newer ones need a newer
glibc) into /opt/shadow-N/lib of a copy of ROOT, and compares, with that directory on
LD_LIBRARY_PATH:

- what `ldd -r` prints in the root (the loader in trace mode, every relocation bound):
  missing libraries, undefined symbols (with versions and requesters) and missing versions;
- with what `ofdoctor check --root --format json` reports: the `symbols` and `versions` of
  its findings, and the libraries it names missing;
- and, where ofdoctor says a plan fixes it: `fix --apply` in the root, then the real loader
  must find every library and bind every symbol with `correctedEnvironment`, and `undo` must
  give the root back path by path.

Prints one line a round (`ok`, or `DIFF` with both sides' differences) and a summary; exit 1
when any round disagrees.

usage: shadow.py OFDOCTOR ROUNDS SEED ROOT DONOR   (root needed: chroot, unshare)
"""
import json, os, random, shutil, sys, tempfile
from sweeplib import sh, elf_programs, fresh_copy, snapshot, parse, model, traced, closure, donor_file, GLIBC, LIBDIRS

OFD, N, SEED, BASE, DONOR = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
rng = random.Random(SEED)
W = os.path.join(tempfile.gettempdir(), "ofdoctor-shadow-%d" % os.getpid())
# A set-user-ID or set-group-ID program runs in secure-execution mode (LD_LIBRARY_PATH
# ignored: ofdoctor's LD029), which the loader run by hand, as ldd runs it, is not.
targets = [p for p in elf_programs(BASE) if not os.stat(BASE + p).st_mode & 0o6000]
for d in LIBDIRS:
    full = os.path.join(BASE, d)
    if os.path.isdir(full) and not os.path.islink(full):
        targets += ["/%s/%s" % (d, n) for n in sorted(os.listdir(full)) if ".so." in n and not os.path.islink(os.path.join(full, n))]
fresh_copy(BASE, W)
counts = {"ok": 0, "diff": 0, "skipped": 0, "fixchecked": 0}
for n in range(N):
    target = rng.choice(targets)
    libs, before = closure(W, target)
    libs = [soname for soname, _ in libs]
    if any(before[:5]) or before[5]:
        counts["skipped"] += 1   # already broken without a shadow: not this sweep's question
        continue
    usable = [s for s in libs if s not in GLIBC and not s.startswith("ld-linux") and donor_file(DONOR, s)]
    if not usable:
        counts["skipped"] += 1
        continue
    chosen = rng.sample(usable, min(len(usable), rng.randint(1, 3)))
    shadow = "/opt/shadow-%d/lib" % n
    os.makedirs(W + shadow)
    for s in chosen:
        shutil.copy(donor_file(DONOR, s), W + shadow + "/" + s)
    env = {"LD_LIBRARY_PATH": shadow}
    truth = parse(traced(W, target, env))
    r = sh([OFD, "check", "--root", W, "--env", "LD_LIBRARY_PATH=" + shadow, "--format", "json", target],
           env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"})
    if r.returncode not in (0, 1, 2):
        print("DIFF %d %s (%s): ofdoctor exit %d: %s" % (n, target, ",".join(chosen), r.returncode, r.stderr.strip()[:300]))
        counts["diff"] += 1
        continue
    report = json.loads(r.stdout)
    predicted = model(report)
    diffs = []
    for name, t, p in zip(["missing", "undefined", "versions", "weak versions", "no version information"], truth[:5], predicted):
        if t != p:
            diffs.append("%s: ldd -r only %s; ofdoctor only %s" % (name, sorted(t - p)[:4], sorted(p - t)[:4]))
    # Where ofdoctor says a plan fixes it: applied, the loader with the corrected environment
    # must start it; undone, the root must be as it was.
    corrected = report["correctedEnvironment"]
    if not diffs and report["status"] == "fixable":
        before_apply = snapshot(W)
        args = ["--root", W, "--env", "LD_LIBRARY_PATH=" + shadow, target]
        apply = sh([OFD, "fix", "--apply"] + args, env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "NO_COLOR": "1"})
        after = parse(traced(W, target, corrected))
        counts["fixchecked"] += 1
        if apply.returncode != 0:
            diffs.append("fix --apply exit %d: %s" % (apply.returncode, apply.stderr.strip()[:300]))
        elif any(after[:5]) or after[5]:
            diffs.append("after fix --apply, correctedEnvironment %s leaves %s" % (corrected, [sorted(s)[:3] for s in after[:3]]))
        undo = sh([OFD, "undo", "--root", W], env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "NO_COLOR": "1"})
        if undo.returncode != 0 or snapshot(W) != before_apply:
            diffs.append("undo exit %d did not give the root back" % undo.returncode)
    tag = "DIFF" if diffs else "ok"
    counts["diff" if diffs else "ok"] += 1
    problems = "%d undefined, %d versions, %d missing" % (len(truth[1]), len(truth[2]), len(truth[0]))
    print("%s %d %s shadowed by %s: %s%s" % (tag, n, target, ",".join(chosen), problems,
                                            "".join("\n    " + d for d in diffs)), flush=True)
    shutil.rmtree(W + "/opt/shadow-%d" % n)
shutil.rmtree(W)
print("summary: %(ok)d agree, %(diff)d differ, %(skipped)d skipped (no donor copy, or broken already), "
      "%(fixchecked)d plans applied, run and undone" % counts)
sys.exit(1 if counts["diff"] else 0)
