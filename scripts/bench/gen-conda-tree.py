#!/usr/bin/env python3
"""gen-conda-tree.py DIR FILES LIBRARY -- a conda-like tree of FILES files under DIR.

Mostly small non-ELF files (Python sources, package metadata, headers) in many nested
directories under DIR/pkgs, the way /opt/conda/pkgs and site-packages look, with a few lib*.so* names
(one package in 25 ships a shared library: a file and its soname link).  LIBRARY (a real
shared object) is copied deep inside the tree, at
DIR/pkgs/zz-bench-1.0-0/lib/python3.10/site-packages/zzbench/_vendor/libs/.libs/<its name>,
the place a candidate search must reach.  Prints that path.  Deterministic; the files
are written once (DIR/.stamp records the parameters and this script's hash).
"""
import hashlib
import os
import shutil
import sys

SUBDIRS = ["", "core", "core/_impl", "utils", "tests", "tests/data", "io/formats", "_vendor/six"]
PER_PACKAGE = 100


def main():
    if len(sys.argv) != 4:
        raise SystemExit("usage: gen-conda-tree.py DIR FILES LIBRARY")
    out, files, library = os.path.abspath(sys.argv[1]), int(sys.argv[2]), os.path.abspath(sys.argv[3])
    name = os.path.basename(library)
    deep = os.path.join(out, "pkgs/zz-bench-1.0-0/lib/python3.10/site-packages/zzbench/_vendor/libs/.libs")
    with open(__file__, "rb") as f, open(library, "rb") as g:
        key = f"files={files} lib={hashlib.sha256(g.read()).hexdigest()[:16]} " \
              f"gen={hashlib.sha256(f.read()).hexdigest()[:16]}\n"
    stamp = os.path.join(out, ".stamp")
    if os.path.exists(stamp) and open(stamp).read() == key:
        print(os.path.join(deep, name))
        return
    # everything generated lies under pkgs/ (the package cache): DIR's own lib/ (a conda
    # environment's libraries, e.g. the fixture root's MKL) stays
    shutil.rmtree(os.path.join(out, "pkgs"), ignore_errors=True)
    os.makedirs(out, exist_ok=True)
    packages = max(1, files // PER_PACKAGE)
    written = 0
    for p in range(packages):
        pkg = f"pkg{p:04d}"
        base = os.path.join(out, "pkgs", f"{pkg}-1.{p % 7}.{p % 3}-py310h{p:06x}_0")
        site = os.path.join(base, "lib/python3.10/site-packages", pkg)
        info = os.path.join(base, "info")
        os.makedirs(info, exist_ok=True)
        for meta in ("index.json", "paths.json", "files", "about.json", "LICENSE.txt"):
            with open(os.path.join(info, meta), "w") as f:
                f.write(f'{{"name": "{pkg}", "file": "{meta}"}}\n')
        written += 5
        if p % 25 == 0:  # a few real-looking library names (not ELF: the index only sees names)
            lib = os.path.join(base, "lib")
            os.makedirs(lib, exist_ok=True)
            with open(os.path.join(lib, f"lib{pkg}.so.1.0.0"), "w") as f:
                f.write("not an ELF file\n")
            os.symlink(f"lib{pkg}.so.1.0.0", os.path.join(lib, f"lib{pkg}.so.1"))
            written += 2
        i = 0
        while written < (p + 1) * files // packages:
            sub = os.path.join(site, SUBDIRS[i % len(SUBDIRS)])
            os.makedirs(sub, exist_ok=True)
            ext = ".py" if i % 4 else (".pyi" if i % 8 else ".h")
            with open(os.path.join(sub, f"m{i:03d}{ext}"), "w") as f:
                f.write(f"# {pkg} module {i}\nVALUE = {i}\n")
            i += 1
            written += 1
    os.makedirs(deep, exist_ok=True)
    shutil.copy2(library, os.path.join(deep, name))
    with open(stamp, "w") as f:
        f.write(key)
    print(os.path.join(deep, name))


if __name__ == "__main__":
    main()
