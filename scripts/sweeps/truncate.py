#!/usr/bin/env python3
"""Truncation sweep: a library cut short at many places, each cut judged by the real loader.

For each LIBRARY, a program that needs its soname (RUNPATH $ORIGIN/lib) is built in a scratch
directory; the library's first N bytes are put in lib/ for N = 0, STEP, 2*STEP, … and the file's
size less one. Each time the program is run (this machine's loader) and `ofdoctor check` is
asked, and the two are compared:
  runs                      <-> no problem
  exit 127 with the loader's "error while loading shared libraries: MSG"  <-> that message
  killed by SIGBUS          <-> LD010 "dies of SIGBUS", or LD032 (dies if the cut is touched)
  SIGSEGV or SIGBUS         <-> LD010 "dies of SIGSEGV or SIGBUS" (a dynamic section cut short)
LD032 also agrees with a program that runs: the test program never touches the library.

usage: truncate.py OFDOCTOR CUTS LIBRARY...   (CUTS: how many cuts a library, e.g. 300)
With TRUNCATE_DYNAMIC=1 the cuts are instead every entry of the dynamic section cut in half,
its ends, and both sides of the page boundaries around it: where the loader reads the rest of
the file's last page as zeros and goes on with the entries left.

With TRUNCATE_PROGRAM=1 each argument is a program (ls, gdb, …) and the program itself is cut
(LD033): each copy is run with --version (stdin empty, 10 s at most) and compared with the
whole program's run:
  the same exit status      <-> no problem
  execve refuses it          <-> bad input (exit 3: a cut in its headers or PT_INTERP)
  killed by SIGSEGV          <-> LD033 "the kernel kills it with SIGSEGV", or a table lost ("dies of SIGSEGV", LD024)
  killed by SIGBUS           <-> LD033 "dies of SIGBUS"
  anything                   <-> an LD033 warning (a cut nothing touches as it starts, or a dynamic entry cut in two)
"""
import json, os, shutil, subprocess, sys, tempfile

OFD, CUTS, LIBRARIES = sys.argv[1], int(sys.argv[2]), sys.argv[3:]


def soname(path):
    out = subprocess.run(["readelf", "-dW", path], capture_output=True, text=True).stdout
    for line in out.splitlines():
        if "(SONAME)" in line:
            return line.split("[", 1)[1].rsplit("]", 1)[0]
    return os.path.basename(path)


def dynamic(path):
    """PT_DYNAMIC's file offset and size."""
    out = subprocess.run(["readelf", "-lW", path], capture_output=True, text=True).stdout
    for line in out.splitlines():
        fields = line.split()
        if fields and fields[0] == "DYNAMIC":
            return int(fields[1], 16), int(fields[4], 16)
    return 0, 0


def real(program):
    r = subprocess.run([program], capture_output=True, text=True)
    if r.returncode == 0:
        return "runs"
    if r.returncode < 0:
        return "signal %d" % -r.returncode
    return "exit %d: %s" % (r.returncode, r.stderr.strip().split("error while loading shared libraries: ", 1)[-1])


def check(program):
    """`ofdoctor check --format json` of PROGRAM: its exit status, and its report (None on exit 3)."""
    c = subprocess.run([OFD, "check", "--format", "json", program], capture_output=True, text=True)
    return c.returncode, (json.loads(c.stdout) if c.returncode != 3 else None)


def first_problem(report, warning):
    """The report's first error, or its first finding WARNING (a warning that is a problem)."""
    problems = [f for f in report["findings"] if f["severity"] == "error" or f["id"] == warning]
    return problems[0] if problems else None


def tally(counts, name, size, length, r, m, ok):
    counts["agree" if ok else "differ"] += 1
    if not ok:
        print("DIFF %s cut to %d of %d: the program %r, the check %r" % (name, size, length, r, m))


def finish(total):
    print(total)
    sys.exit(1 if total["differ"] else 0)


def model(program):
    first = first_problem(check(program)[1], "LD032")
    if first is None:
        return "runs"
    if first["id"] == "LD032":
        return "LD032"
    if "SIGSEGV or SIGBUS" in first["summary"]:
        return "crash"
    if "SIGBUS" in first["summary"]:
        return "signal 7"
    return "exit 127: " + (first.get("loaderMessage") or "").split("error while loading shared libraries: ", 1)[-1]


def agrees(m, r):
    return m == r or (m == "crash" and r in ("signal 7", "signal 11")) or (m == "LD032" and r in ("runs", "signal 7"))


def program_real(program, whole_status):
    try:
        r = subprocess.run([program, "--version"], capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=10)
    except OSError:
        return "refused"
    except subprocess.TimeoutExpired:
        return "timeout"
    if r.returncode < 0:
        return "signal %d" % -r.returncode
    return "runs" if r.returncode == whole_status else "exit %d: %s" % (r.returncode, r.stderr.strip()[:120])


def program_model(program):
    status, report = check(program)
    if status == 3:
        return "refused"
    first = first_problem(report, "LD033")
    if first is None:
        return "runs"
    if first["id"] == "LD033" and first["severity"] == "warning":
        return "warning"
    if first["id"] in ("LD033", "LD024") and "SIGSEGV" in first["summary"] and "SIGBUS" not in first["summary"]:
        return "signal 11"
    if first["id"] == "LD033" and "SIGBUS" in first["summary"]:
        return "signal 7"
    return "%s: %s" % (first["id"], first["summary"])


if os.environ.get("TRUNCATE_PROGRAM") == "1":
    total = {"agree": 0, "differ": 0}
    for program in LIBRARIES:
        program = os.path.realpath(program)
        # Beside the program, so that its $ORIGIN run paths find what they find for it.
        copy = os.path.join(os.path.dirname(program), ".ofdoctor-cut-%d-%s" % (os.getpid(), os.path.basename(program)))
        try:
            whole = open(program, "rb").read()
            with open(copy, "wb") as f:
                f.write(whole)
            os.chmod(copy, 0o755)
            status = subprocess.run([copy, "--version"], capture_output=True, stdin=subprocess.DEVNULL, timeout=10).returncode
            step = max(1, len(whole) // CUTS)
            counts = {"agree": 0, "differ": 0}
            kinds = {}
            for size in list(range(64, len(whole), step)) + [len(whole) - 1]:
                with open(copy, "wb") as f:
                    f.write(whole[:size])
                r, m = program_real(copy, status), program_model(copy)
                kinds[m] = kinds.get(m, 0) + 1
                tally(counts, program, size, len(whole), r, m, m == r or m == "warning")
            print("%s (%d bytes): %d agree, %d differ; the check said %s" % (program, len(whole), counts["agree"], counts["differ"], kinds))
            for k in total:
                total[k] += counts[k]
        finally:
            os.unlink(copy)
    finish(total)

total = {"agree": 0, "differ": 0}
for library in LIBRARIES:
    library = os.path.realpath(library)
    work = tempfile.mkdtemp(prefix="ofdoctor-truncate-")
    try:
        os.makedirs(work + "/lib")
        with open(work + "/p.c", "w") as f:
            f.write("int main(void) { return 0; }\n")
        subprocess.run(["gcc", "-o", work + "/prog", work + "/p.c", "-Wl,--no-as-needed", library,
                        "-Wl,-rpath,$ORIGIN/lib"], check=True)
        whole = open(library, "rb").read()
        name = soname(library)
        step = max(1, len(whole) // CUTS)
        counts = {"agree": 0, "differ": 0}
        sizes = list(range(0, len(whole), step)) + [len(whole) - 1]
        if os.environ.get("TRUNCATE_DYNAMIC") == "1":
            dyn, dynsz = dynamic(library)
            pages = range((dyn // 4096 - 1) * 4096, dyn + dynsz + 8192, 4096)
            sizes = sorted({n for n in [dyn - 1, dyn, dyn + dynsz - 1, dyn + dynsz]
                            + [dyn + e + 8 for e in range(0, dynsz, 16)]
                            + [p + d for p in pages for d in (-1, 0, 1)] if 0 < n < len(whole)})
        for size in sizes:
            with open(work + "/lib/" + name, "wb") as f:
                f.write(whole[:size])
            r, m = real(work + "/prog"), model(work + "/prog")
            tally(counts, name, size, len(whole), r, m, agrees(m, r))
        print("%s (%d bytes, %d cuts): %d agree, %d differ" % (library, len(whole), len(sizes), counts["agree"], counts["differ"]))
        for k in total:
            total[k] += counts[k]
    finally:
        shutil.rmtree(work)
finish(total)
