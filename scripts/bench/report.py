#!/usr/bin/env python3
"""report.py RESULTS DOC -- the bench results as Markdown tables: printed, and written into
DOC between its `<!-- bench:begin -->` and `<!-- bench:end -->` markers (the rest of DOC,
hand-written, is kept; a missing DOC or missing markers get a minimal page).

RESULTS is run.sh's directory: hyperfine JSON per target and command
(<label>.<command>.json, and <label>.<command>.rN.json for its later rounds), `targets` (label, library count, path), `memory`
(label|command|max RSS in KiB), `conda-tree`, `check-status` and `machine` (key=value).
"""
import glob
import json
import math
import os
import statistics
import sys

COMMANDS = [("ofdoctor-tree", "ofdoctor tree"), ("libtree", "libtree"), ("ldso-list", "ld.so --list"),
            ("ofdoctor-check", "ofdoctor check"), ("ldd-r", "ldd -r"), ("ldd", "ldd"), ("lddtree", "lddtree")]
TREE_GOAL, CHECK_GOAL, MEMORY_GOAL_MIB, LINEAR_EXPONENT = 1.0, 0.5, 64, 1.2
# the candidate search's check of the FeatureExtraction stand-in, against ldd -r of it
CONDA_GOAL = 2.0
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def load(res, name):
    """(median seconds, failed runs, runs) or None: over every round's runs (NAME.json, then
    NAME.r2.json, NAME.r3.json, ... when run.sh measured the command in several rounds)."""
    paths = [os.path.join(res, name + ".json")]
    paths += sorted(glob.glob(os.path.join(res, glob.escape(name) + ".r[0-9]*.json")))
    times, codes = [], []
    for path in paths:
        try:
            with open(path) as f:
                r = json.load(f)["results"][0]
        except (OSError, ValueError, KeyError, IndexError):
            if path == paths[0]:
                return None
            continue
        times += r.get("times") or [r["median"]]
        codes += r.get("exit_codes") or []
    return statistics.median(times), sum(1 for c in codes if c not in (0, None)), len(times)


def ms(x):
    if x is None:
        return "—"
    t = x * 1000
    return f"{t:,.0f}" if t >= 100 else (f"{t:.1f}" if t >= 10 else f"{t:.2f}")


def cell(m, expect_ok=True):
    if m is None:
        return "failed"
    median, failed, _ = m
    return ms(median) + (" †" if expect_ok and failed else "")


def ratio(a, b):
    if a is None or b is None or b[0] <= 0:
        return None
    return a[0] / b[0]


def verdict(ok):
    return "**pass**" if ok else "**FAIL**"


def main():
    res, doc = sys.argv[1], sys.argv[2]
    machine = {}
    for line in open(os.path.join(res, "machine")):
        k, _, v = line.rstrip("\n").partition("=")
        machine[k] = v
    targets = []
    if os.path.exists(os.path.join(res, "targets")):
        for line in open(os.path.join(res, "targets")):
            label, libs, path = line.split(maxsplit=2)
            targets.append((label, int(libs), path.strip()))
    shown = {}
    if os.path.exists(os.path.join(res, "shown")):
        for line in open(os.path.join(res, "shown")):
            parts = line.strip().split("|")
            if len(parts) == 3 and parts[2].lstrip("-").isdigit():
                shown[(parts[0], parts[1])] = int(parts[2])
    status = {}
    if os.path.exists(os.path.join(res, "check-status")):
        for line in open(os.path.join(res, "check-status")):
            label, code = line.split()
            status[label] = code

    out = []
    out.append(f"Run {machine.get('date', '?')} on {machine.get('cpu', '?')}, nproc {machine.get('nproc', '?')}, "
               f"{machine.get('memory', '?')} RAM, {machine.get('os', '?')}, {machine.get('kernel', '?')}; "
               f"whole run {machine.get('seconds', '?')} s.")
    out.append("")
    out.append(f"- binary under test: {machine.get('binary', '?')}, `{machine.get('ofdoctor', '?')}`")
    out.append(f"- {machine.get('libtree', '?')}; {machine.get('lddtree', '?')}; {machine.get('ldd', '?')}; "
               f"{machine.get('hyperfine', '?')}; {machine.get('swift', '?')}; {machine.get('gcc', '?')}")
    out.append(f"- {machine.get('ldso', '?')} (`ld.so --list` is /lib64/ld-linux-x86-64.so.2 --list)")
    out.append(f"- {machine.get('runs', '?')}; times are medians in milliseconds; "
               "† = the tool exited non-zero (it failed on this input)")
    out.append(f"- machine load (load average): {machine.get('load', '?')}; each ratio compares two "
               "commands measured in the same run, one after the other")
    builds = [f"{k[6:]} {v} s" for k, v in machine.items() if k.startswith("build-")]
    if builds:
        out.append("- synthetic closures: build time of gen-closure.py (make -j$(nproc)) when they were first "
                   "built, then cached in .build/bench: " + ", ".join(builds))
    out.append("")
    out.append("| closure | libraries | ofdoctor tree | libtree | tree ÷ libtree | ld.so --list | tree ÷ ld.so --list "
               "| ofdoctor check | ldd -r | check ÷ ldd -r | ldd | lddtree |")
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    tree_ratios, list_ratios, check_ratios, series, partial = [], [], [], {}, []
    for label, libs, _ in targets:
        m = {key: load(res, f"{label}.{key}") for key, _ in COMMANDS}
        rt = ratio(m["ofdoctor-tree"], m["libtree"])
        rl = ratio(m["ofdoctor-tree"], m["ldso-list"])
        if rl is not None:
            list_ratios.append((label, rl))
        rc = ratio(m["ofdoctor-check"], m["ldd-r"])
        seen = shown.get((label, "libtree"))
        truncated = seen is not None and seen < 0.9 * libs
        if truncated:
            partial.append(f"{label} ({seen:,} of {libs:,})")
        if rt is not None and not truncated:
            tree_ratios.append((label, rt))
        if rc is not None:
            check_ratios.append((label, rc))
        code = status.get(label, "0")
        chk = cell(m["ofdoctor-check"], expect_ok=False) + ("" if code == "0" else f" (exit {code})")
        lt = cell(m["libtree"]) + (" ‡" if truncated else "")
        out.append(f"| {label} | {libs:,} | {cell(m['ofdoctor-tree'])} | {lt} | "
                   f"{'—' if rt is None else f'{rt:.2f}×' + (' ‡' if truncated else '')} | {cell(m['ldso-list'])} | "
                   f"{'—' if rl is None else f'{rl:.2f}×'} | {chk} | {cell(m['ldd-r'])} | "
                   f"{'—' if rc is None else f'{rc:.2f}×'} | {cell(m['ldd'])} | {cell(m['lddtree'])} |")
        if label.startswith("syn-"):
            _, n, shape = label.split("-")
            for key in ("ofdoctor-tree", "ofdoctor-check", "libtree", "ldso-list", "ldd-r"):
                if m[key] is not None:
                    series.setdefault((shape, key), []).append((libs, m[key][0]))
    if partial:
        out.append("")
        out.append("‡ libtree stopped at depth 32 (its limit, also with `--max-depth`) and showed only part "
                   "of the closure: " + ", ".join(partial) + "; these rows are left out of the tree goal.")
    out.append("")

    # ------------------------------------------------------------ a Debian 11 root
    p = os.path.join(res, "debian")
    if os.path.exists(p):
        _, dlibs, _ = open(p).read().split(maxsplit=2)
        files = open(os.path.join(res, "debian-files")).read().split("\n") \
            if os.path.exists(os.path.join(res, "debian-files")) else ["0"]
        total, chosen = int(files[0] or 0), len([f for f in files[1:] if f])
        out.append("A Debian 11 root (glibc 2.31, the OpenFace image's) with ffmpeg, built by "
                   "scripts/debian-root.sh bullseye-ffmpeg. ffmpeg is measured inside the root: the static "
                   "ofdoctor copied in and run with chroot, as the root's own loader, ldd and ldd -r are (it has "
                   "no libtree). Then the root's ELF programs and libraries one call after another, per call: "
                   "ofdoctor from outside (`--root ROOT FILE`), the loader's tools inside the root (one chroot, "
                   "then a call a file); a pass over the files is one hyperfine run, after one warm-up pass.")
        out.append("")
        out.append("| closure | libraries | ofdoctor tree | ld.so --list | tree ÷ ld.so --list | ofdoctor check "
                   "| ldd -r | check ÷ ldd -r | ldd |")
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        m = {key: load(res, f"debian-ffmpeg.{key}") for key in ("ofdoctor-tree", "ldso-list", "ofdoctor-check",
                                                                 "ldd-r", "ldd")}
        rl, rc = ratio(m["ofdoctor-tree"], m["ldso-list"]), ratio(m["ofdoctor-check"], m["ldd-r"])
        if rl is not None:
            list_ratios.append(("ffmpeg in the Debian 11 root", rl))
        if rc is not None:
            check_ratios.append(("ffmpeg in the Debian 11 root", rc))
        out.append(f"| ffmpeg, inside the root | {int(dlibs):,} | {cell(m['ofdoctor-tree'])} | "
                   f"{cell(m['ldso-list'])} | {'—' if rl is None else f'{rl:.2f}×'} | "
                   f"{cell(m['ofdoctor-check'], expect_ok=False)} | {cell(m['ldd-r'])} | "
                   f"{'—' if rc is None else f'{rc:.2f}×'} | {cell(m['ldd'])} |")
        if chosen:
            def per(key):
                x = load(res, f"debian-files.{key}")
                return None if x is None else (x[0] / chosen, 0, x[2])
            m = {key: per(key) for key in ("ofdoctor-tree", "ldso-list", "ofdoctor-check", "ldd-r")}
            rl, rc = ratio(m["ofdoctor-tree"], m["ldso-list"]), ratio(m["ofdoctor-check"], m["ldd-r"])
            label = f"{chosen:,} of the root's {total:,} ELF files, per call"
            if rl is not None:
                list_ratios.append((label, rl))
            if rc is not None:
                check_ratios.append((label, rc))
            out.append(f"| {label} (ofdoctor `--root` from outside) | — | {cell(m['ofdoctor-tree'])} | "
                       f"{cell(m['ldso-list'])} | {'—' if rl is None else f'{rl:.2f}×'} | "
                       f"{cell(m['ofdoctor-check'])} | {cell(m['ldd-r'])} | "
                       f"{'—' if rc is None else f'{rc:.2f}×'} | — |")
        out.append("")

    # ------------------------------------------------------------ linearity
    lin_rows, lin_ok = [], True
    for (shape, key), pts in sorted(series.items()):
        pts.sort()
        if len(pts) < 2:
            continue
        (n1, t1), (n2, t2) = pts[-2], pts[-1]
        exp = math.log(t2 / t1) / math.log(n2 / n1) if t1 > 0 and n2 > n1 else float("nan")
        per = ", ".join(f"{n:,}: {t / n * 1e6:,.0f} µs" for n, t in pts)
        if key.startswith("ofdoctor"):
            lin_ok = lin_ok and exp <= LINEAR_EXPONENT
        lin_rows.append(f"| {shape} | {dict(COMMANDS)[key]} | {per} | {exp:.2f} |")
    if lin_rows:
        out.append("Scaling: time per library at each size, and the exponent k in time ∝ libraries^k "
                   "between the two largest sizes (1 = linear):")
        out.append("")
        out.append("| shape | command | time per library | k |")
        out.append("|---|---|---|---:|")
        out += lin_rows
        out.append("")

    # ------------------------------------------------------------ memory
    mem = {}
    if os.path.exists(os.path.join(res, "memory")):
        for line in open(os.path.join(res, "memory")):
            parts = line.rstrip("\n").split("|")
            if len(parts) == 3 and parts[2].strip().isdigit():
                mem.setdefault(parts[0], {})[parts[1]] = int(parts[2]) / 1024
    mem_ok = None
    syn_mem = {k: v for k, v in mem.items() if k.startswith("syn-")}
    if syn_mem:
        names = ["ofdoctor tree", "ofdoctor check", "libtree", "ldd -r", "ldd", "lddtree"]
        out.append("Peak memory (max RSS, MiB, `/usr/bin/time`; for ldd, the largest process of the run, "
                   "ld.so itself):")
        out.append("")
        out.append("| closure | " + " | ".join(names) + " |")
        out.append("|---|" + "---:|" * len(names))
        for label, row in sorted(syn_mem.items()):
            out.append(f"| {label} | " + " | ".join(f"{row[n]:.1f}" if n in row else "—" for n in names) + " |")
            for n in ("ofdoctor tree", "ofdoctor check"):
                if n in row:
                    mem_ok = (mem_ok is not False) and row[n] < MEMORY_GOAL_MIB
        out.append("")

    # ------------------------------------------------------------ candidate search
    def search_record(name):
        """directories read and the stages run, from `check --format json`."""
        try:
            doc = json.load(open(os.path.join(res, name)))
            rec = doc.get("candidateSearch") or {}
            return rec.get("directories"), [st["stage"] for st in rec.get("stages", [])], doc
        except (OSError, ValueError, KeyError, TypeError):
            return None, [], {}

    conda_ratio = None
    tree = open(os.path.join(res, "conda-tree")).read().split(maxsplit=2) \
        if os.path.exists(os.path.join(res, "conda-tree")) else None
    c_of, c_ldd = load(res, "conda.ofdoctor-check"), load(res, "conda.ldd-r")
    s_of, s_find = load(res, "search.ofdoctor-check"), load(res, "search.find")
    if tree and (c_of is not None or s_of is not None):
        out.append(f"Candidate search: a copy of the `healthy` fixture root with a conda-like tree of "
                   f"{int(tree[0]):,} files in {int(tree[1]):,} directories under /opt/conda "
                   "(scripts/bench/gen-conda-tree.py). ofdoctor's `check --root` includes the diagnosis, the "
                   "search for copies of every missing library, the plan and its proof.")
        out.append("")
        out.append("| program | ofdoctor check --root | compared with | that | ratio | directories read (stages) "
                   "| candidate named |")
        out.append("|---|---:|---|---:|---:|---|---|")
        dirs, stages, check_doc = search_record("conda.check.json")
        conda_ratio = ratio(c_of, c_ldd)
        named = "—"
        if check_doc:
            cands = [c["path"] for f in check_doc.get("findings", []) for c in f.get("candidates", [])]
            named = "yes" if any(p.startswith("/opt/OpenFace/build/lib/") for p in cands) and \
                any(p.startswith("/opt/conda/lib/libmkl_rt") for p in cands) else "NO"
        out.append(f"| FeatureExtraction stand-in without LD_LIBRARY_PATH and MKL's links (OF002, OF003) "
                   f"| {cell(c_of, expect_ok=False)} | `ldd -r` in the root | {cell(c_ldd, expect_ok=False)} | "
                   f"{'—' if conda_ratio is None else f'{conda_ratio:.2f}×'} | "
                   f"{'—' if dirs is None else f'{dirs:,}'} ({', '.join(stages) or '—'}) | {named} |")
        dirs, stages, _ = search_record("search.check.json")
        found = "—"
        p = os.path.join(res, "search.check.txt")
        if os.path.exists(p):
            found = "yes" if tree[2].strip() in open(p).read() else "NO"
        r = ratio(s_of, s_find)
        out.append(f"| benchprog, whose only copy of libbenchmiss.so.1 lies {tree[2].strip().count('/')} directories "
                   f"deep in the package cache | {cell(s_of, expect_ok=False)} | `find ROOT -name` "
                   f"| {cell(s_find)} | {'—' if r is None else f'{r:.2f}×'} | "
                   f"{'—' if dirs is None else f'{dirs:,}'} ({', '.join(stages) or '—'}) | {found} |")
        rss = mem.get("conda-tree", {}).get("ofdoctor check --root")
        out.append("")
        out.append(f"`ldd -r` in the root is `chroot ROOT env -i LD_TRACE_LOADED_OBJECTS=1 LD_BIND_NOW=yes "
                   f"LD_WARN=yes /lib64/ld-linux-x86-64.so.2 PROGRAM`, what ldd's script runs (the root has no "
                   f"bash to run the script itself). ofdoctor's max RSS on benchprog: "
                   f"{'—' if rss is None else f'{rss:.1f} MiB'}.")
        out.append("")

    # ------------------------------------------------------------ goals
    def worst(rs):
        return max(rs, key=lambda x: x[1]) if rs else None
    out.append("Goals:")
    out.append("")
    out.append("| goal | result | verdict |")
    out.append("|---|---|---|")
    w = worst(tree_ratios)
    if w:
        ok = sum(1 for _, r in tree_ratios if r <= TREE_GOAL)
        out.append(f"| `tree` ≤ {TREE_GOAL}× libtree | {ok} of {len(tree_ratios)} closures (‡ rows left out); "
                   f"worst {w[1]:.2f}× "
                   f"({w[0]}) | {verdict(ok == len(tree_ratios))} |")
    w = worst(list_ratios)
    if w:
        ok = sum(1 for _, r in list_ratios if r <= TREE_GOAL)
        out.append(f"| `tree` ≤ {TREE_GOAL}× ld.so --list | {ok} of {len(list_ratios)} closures; worst {w[1]:.2f}× "
                   f"({w[0]}) | {verdict(ok == len(list_ratios))} |")
    w = worst(check_ratios)
    if w:
        ok = sum(1 for _, r in check_ratios if r <= CHECK_GOAL)
        out.append(f"| `check` ≤ {CHECK_GOAL}× ldd -r | {ok} of {len(check_ratios)} closures; worst {w[1]:.2f}× "
                   f"({w[0]}) | {verdict(ok == len(check_ratios))} |")
    if conda_ratio is not None:
        out.append(f"| candidate-search `check` ≤ {CONDA_GOAL}× ldd -r (FeatureExtraction in the conda-tree root) "
                   f"| {conda_ratio:.2f}× | {verdict(conda_ratio <= CONDA_GOAL)} |")
    if lin_rows:
        out.append(f"| time linear in closure size (k ≤ {LINEAR_EXPONENT}) | see the scaling table "
                   f"| {verdict(lin_ok)} |")
    if mem_ok is not None:
        top = max((row.get(n, 0) for row in syn_mem.values() for n in ("ofdoctor tree", "ofdoctor check")))
        out.append(f"| peak memory < {MEMORY_GOAL_MIB} MiB at the largest closure | {top:.1f} MiB "
                   f"| {verdict(mem_ok)} |")
    out.append("")

    text = "\n".join(out)
    print(text)
    body = open(doc).read() if os.path.exists(doc) else ""
    if BEGIN in body and END in body:
        head, _, rest = body.partition(BEGIN)
        _, _, tail = rest.partition(END)
        body = f"{head}{BEGIN}\n{text}\n{END}{tail}"
    else:
        body = f"# Performance\n\nMeasured by `make bench` (scripts/bench/run.sh).\n\n{BEGIN}\n{text}\n{END}\n"
    with open(doc, "w") as f:
        f.write(body)
    print(f"bench: wrote {doc}", file=sys.stderr)


if __name__ == "__main__":
    main()
