#!/usr/bin/env python3
"""gen-closure.py N SHAPE OUTDIR -- a synthetic, healthy library closure for benchmarks.

Builds OUTDIR/bin/prog and N shared libraries OUTDIR/lib/libsynK.so.1 (K = 0..N-1), arranged
in layers.  Every library defines SYMBOLS functions spread over VERSIONS version nodes
(SYNK_1.0, SYNK_2.0 <- SYNK_1.0, ...; a version script each) and calls one function of
every version node of each of its dependencies, so every object has DT_VERNEED entries
and versioned undefined symbols to check.  The executable needs every top-layer
library (an RPATH, DT_RPATH, to ../lib); the libraries find each other through a RUNPATH
of $ORIGIN.  libc.so.6 is in every object (each library calls strlen).

SHAPE:
  wide  three layers of about N/21, 4N/21 and 16N/21 libraries: a broad, shallow closure
        (the executable has N/21 DT_NEEDED entries)
  deep  layers of 4 libraries, N/4 layers: a long chain (depth N/4)
Each library of layer i needs DEPS libraries of layer i+1 (the first chosen so that every
library of layer i+1 has a consumer), picked with a fixed seed: the same N and SHAPE give
the same closure.

The build is a generated Makefile run with `make -j$(nproc)` (assembly written here, then
`as` and `ld.gold`, or `ld`, per library; gcc only for the executable); the
result is cached: OUTDIR/.stamp records the parameters and GENERATION, and a rerun with
the same ones does nothing (bump GENERATION when the output changes).  Prints the build time.
"""
import os
import random
import shutil
import subprocess
import sys
import time

SYMBOLS = 6   # functions defined per library
VERSIONS = 3  # version nodes per library (SYMBOLS / VERSIONS functions each)
DEPS = 3      # dependencies per library (from the next layer)
GENERATION = 2  # of the generated output: part of the cache key


def layers_for(n, shape):
    if shape == "wide":
        top = max(1, round(n / 21))
        mid = max(1, round(4 * n / 21)) if n - top > 1 else 0
        widths = [top, mid, n - top - mid]
    elif shape == "deep":
        widths = [4] * (n // 4) + ([n % 4] if n % 4 else [])
    else:
        raise SystemExit(f"gen-closure.py: unknown SHAPE '{shape}' (use wide or deep)")
    widths = [w for w in widths if w > 0]
    layers, k = [], 0
    for w in widths:
        layers.append(list(range(k, k + w)))
        k += w
    return layers


def dependencies(layers):
    rng = random.Random(20240606)
    deps = {}
    for i, layer in enumerate(layers):
        nxt = layers[i + 1] if i + 1 < len(layers) else []
        for lib in layer:
            deps[lib] = []
        if not nxt:
            continue
        # every library of the next layer gets one consumer, then random extra edges
        for j, child in enumerate(nxt):
            deps[layer[j % len(layer)]].append(child)
        for lib in layer:
            want = min(DEPS, len(nxt))
            while len(deps[lib]) < want:
                c = rng.choice(nxt)
                if c not in deps[lib]:
                    deps[lib].append(c)
    return deps


def node_of(j):
    return j * VERSIONS // SYMBOLS + 1  # functions 0..5 -> nodes 1,1,2,2,3,3


def version_script(k):
    lines = []
    for v in range(1, VERSIONS + 1):
        names = "".join(f" syn{k}_f{j};" for j in range(SYMBOLS) if node_of(j) == v)
        parent = f" SYN{k}_{v - 1}.0" if v > 1 else ""
        local = " local: *;" if v == 1 else ""
        lines.append(f"SYN{k}_{v}.0 {{ global:{names}{local} }}{parent};")
    return "\n".join(lines) + "\n"


def used_calls(dep_list):
    """One function of each version node of every dependency."""
    return [f"syn{d}_f{(v - 1) * (SYMBOLS // VERSIONS) + d % (SYMBOLS // VERSIONS)}"
            for d in dep_list for v in range(1, VERSIONS + 1)]


def lib_assembly(k, dep_list):
    """x86-64 assembly, written directly: no compiler pass per library (5,000 of them).
    Function 0 calls the dependencies' functions and strlen through the PLT; the calls are
    never executed (the program only references them), they are there for the loader."""
    out = ["\t.text"]
    for j in range(SYMBOLS):
        name = f"syn{k}_f{j}"
        out += [f"\t.globl {name}", f"\t.type {name}, @function", f"{name}:", "\tsubq $8, %rsp"]
        if j == 0:
            out += [f"\tcall {callee}@PLT" for callee in used_calls(dep_list)]
            out.append("\tcall strlen@PLT")
        out += [f"\tmovl ${j}, %eax", "\taddq $8, %rsp", "\tret", f"\t.size {name}, .-{name}"]
    out.append('\t.section .note.GNU-stack,"",@progbits')
    return "\n".join(out) + "\n"


def prog_source(top):
    calls = used_calls(top)
    return "\n".join(["#include <stdio.h>"] + [f"int {c}(int);" for c in calls] + [
        "int main(int argc, char **argv) {", "  (void)argv; int s = 0, x = argc;",
        "  if (argc > 99) {"] + [f"    s += {c}(x);" for c in calls] + ["  }",
        '  printf("%d\\n", s);', "  return 0;", "}"]) + "\n"


def main():
    if len(sys.argv) != 4:
        raise SystemExit("usage: gen-closure.py N SHAPE OUTDIR")
    n, shape, out = int(sys.argv[1]), sys.argv[2], os.path.abspath(sys.argv[3])
    if n < 1:
        raise SystemExit("gen-closure.py: N must be at least 1")
    key = f"n={n} shape={shape} symbols={SYMBOLS} versions={VERSIONS} deps={DEPS} generation={GENERATION}\n"
    stamp = os.path.join(out, ".stamp")
    if os.path.exists(stamp) and open(stamp).read() == key:
        print(f"gen-closure: {out} is up to date ({n} {shape})", file=sys.stderr)
        return
    layers = layers_for(n, shape)
    deps = dependencies(layers)
    src, lib = os.path.join(out, "src"), os.path.join(out, "lib")
    subprocess.run(["rm", "-rf", out], check=True)
    os.makedirs(src)
    os.makedirs(lib)
    os.makedirs(os.path.join(out, "bin"))

    # as + ld directly (gold when present): a third of the CPU time of `gcc -shared x.c`
    ld = "ld.gold" if shutil.which("ld.gold") else "ld"
    libc = "/lib/x86_64-linux-gnu/libc.so.6"
    os.makedirs(os.path.join(out, "obj"))
    mk = [f"LD = {ld}", ".SUFFIXES:", "all: bin/prog", ""]
    for k in range(n):
        with open(os.path.join(src, f"syn{k}.s"), "w") as f:
            f.write(lib_assembly(k, deps[k]))
        with open(os.path.join(src, f"syn{k}.map"), "w") as f:
            f.write(version_script(k))
        d = " ".join(f"lib/libsyn{x}.so.1" for x in deps[k])
        mk.append(f"lib/libsyn{k}.so.1: src/syn{k}.s src/syn{k}.map {d}")
        mk.append(f"\tas -o obj/syn{k}.o src/syn{k}.s && $(LD) -shared -o $@ obj/syn{k}.o -soname libsyn{k}.so.1 "
                  f"--hash-style=gnu -z noexecstack --version-script=src/syn{k}.map --enable-new-dtags "
                  f"-rpath '$$ORIGIN' {d} {libc}")
    top = layers[0]
    with open(os.path.join(src, "prog.c"), "w") as f:
        f.write(prog_source(top))
    d = " ".join(f"lib/libsyn{x}.so.1" for x in top)
    mk.append(f"bin/prog: src/prog.c {d}")
    mk.append(f"\t$(CC) -O0 -pipe -w -o $@ src/prog.c -Wl,--disable-new-dtags -Wl,-rpath,'$$ORIGIN/../lib' "
              f"-Wl,--no-as-needed {d}")
    with open(os.path.join(out, "Makefile"), "w") as f:
        f.write("\n".join(mk) + "\n")

    t0 = time.monotonic()
    jobs = str(os.cpu_count() or 2)
    subprocess.run(["make", "-s", "-C", out, f"-j{jobs}"], check=True)
    dt = time.monotonic() - t0
    with open(stamp, "w") as f:
        f.write(key)
    with open(os.path.join(out, "build-seconds"), "w") as f:
        f.write(f"{dt:.1f}\n")
    print(f"gen-closure: built {n} {shape} libraries ({len(layers)} layers) in {dt:.1f} s -> {out}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
