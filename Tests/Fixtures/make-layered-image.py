#!/usr/bin/env python3
"""Builds a `docker save` archive whose upper layers a container runtime applies in a way
that member-at-a-time order, name cleaning or tar member types decide (the cases of the
review of `check --image`). The first layer is the whole fixture root; SCENARIO adds:

  opaque-after-directory    /opt/of -> OpenFace/build, then a layer with the directory
                            opt/of/ and then opt/of/.wh..wh..opq (rm /opt/of && mkdir /opt/of)
  whiteout-after-directory  the same with opt/of/.wh.lib
  dot-dot                   libUtilities.so whited out, then re-added as bin/../lib/…
  hard-link-then-whiteout   a hard link to libUtilities.so, then its whiteout, in one layer;
                            a later layer links the name to the hard link
  v7-directory              a v7 member (typeflag NUL) opt/OpenFace/build/lib/ over the
                            library directory
  sparse-gnu, sparse-pax    libUtilities.so re-added by `tar --sparse` (GNU 'S', pax 1.0)
  climbing                  a member opt/../../escape (docker loads it as /escape)
  under-file                a member below libUtilities.so, a file (docker load fails)
  too-long                  a member 40,000 directories deep (80,004 bytes)
  capability                WORK/root: a copy of the root with an `app` user (uid 1000) and
                            `setcap cap_net_bind_service=+ep` on FeatureExtraction, packed
                            by GNU tar --xattrs (pax SCHILY.xattr.security.capability, as
                            docker writes it) into one layer; the config's User is `app`

The config's Env is PATH and the fixture's env file (ROOT/../env).

usage: make-layered-image.py SCENARIO OUT.tar --root DIR [--work DIR]
"""
import argparse
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile

PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/opt/OpenFace/build/bin"
LIB = "opt/OpenFace/build/lib/libUtilities.so"


def member(name, kind="file", data=b"", mode=0o644, link=""):
    info = tarfile.TarInfo(name)
    info.mode = mode
    if kind == "file":
        info.size = len(data)
    elif kind == "dir":
        info.type = tarfile.DIRTYPE
        info.mode = 0o755
    elif kind == "symlink":
        info.type, info.linkname, info.mode = tarfile.SYMTYPE, link, 0o777
    elif kind == "hardlink":
        info.type, info.linkname = tarfile.LNKTYPE, link
    elif kind == "v7":
        info.type = tarfile.AREGTYPE   # typeflag NUL
    return info, data


def layer(members, fmt=tarfile.PAX_FORMAT):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=fmt) as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if info.size else None)
    return buffer.getvalue()


def root_layer(root):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for directory, dirs, files in os.walk(root):
            dirs.sort()
            rel_dir = os.path.relpath(directory, root)
            for name in sorted(dirs) + sorted(files):
                rel = os.path.normpath(os.path.join(rel_dir, name))
                tar.add(os.path.join(root, rel), arcname=rel, recursive=False)
    return buffer.getvalue()


def whiteout(path):
    head, tail = os.path.split(path)
    return member(os.path.join(head, ".wh." + tail))


def gnu_tar(source, names, *options):
    return subprocess.run(["tar", *options, "-C", source, "-cf", "-", *names], check=True, stdout=subprocess.PIPE).stdout


def upper_layers(scenario, root, work):
    library = open(os.path.join(root, LIB), "rb").read()
    if scenario in ("opaque-after-directory", "whiteout-after-directory"):
        marker = "opt/of/.wh..wh..opq" if scenario.startswith("opaque") else "opt/of/.wh.lib"
        return [layer([member("opt/of", "symlink", link="OpenFace/build")]),
                layer([member("opt/of", "dir"), member(marker)])]
    if scenario == "dot-dot":
        return [layer([whiteout(LIB)]),
                layer([member("opt/OpenFace/build/bin/../lib/libUtilities.so", data=library, mode=0o755)])]
    if scenario == "hard-link-then-whiteout":
        return [layer([member(LIB + ".keep", "hardlink", link=LIB), whiteout(LIB)]),
                layer([member(LIB, "symlink", link="libUtilities.so.keep")])]
    if scenario == "v7-directory":
        return [layer([member("opt/OpenFace/build/lib/", "v7", mode=0o755)], fmt=tarfile.GNU_FORMAT)]
    if scenario in ("sparse-gnu", "sparse-pax"):
        source = os.path.join(work, "sparse")
        os.makedirs(os.path.join(source, os.path.dirname(LIB)))
        path = os.path.join(source, LIB)
        with open(path, "wb") as handle:
            handle.write(library)
        os.truncate(path, len(library) + (1 << 20))   # a hole at the end: GNU tar stores a map
        return [layer([whiteout(LIB)]), gnu_tar(source, [LIB], "--sparse", "--format=" + scenario[len("sparse-"):])]
    if scenario == "climbing":
        return [layer([member("opt/../../escape", data=b"x")])]
    if scenario == "under-file":
        return [layer([member(LIB + "/extra", data=b"x")])]
    if scenario == "too-long":
        return [layer([member("/".join(["d"] * 40000) + "/leaf", data=b"x")])]
    raise SystemExit("unknown scenario " + scenario)


def capability_layers(root, work):
    copy = os.path.join(work, "root")
    subprocess.run(["cp", "-a", root, copy], check=True)
    with open(os.path.join(copy, "etc/passwd"), "w") as handle:
        handle.write("root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/:/bin/sh\n")
    with open(os.path.join(copy, "etc/group"), "w") as handle:
        handle.write("root:x:0:\napp:x:1000:\n")
    subprocess.run(["setcap", "cap_net_bind_service=+ep", os.path.join(copy, "opt/OpenFace/build/bin/FeatureExtraction")],
                   check=True)
    return [gnu_tar(copy, ["."], "--xattrs", "--xattrs-include=security.capability", "--format=pax")]


def write_docker(out, layers, env, user):
    config = {"architecture": "amd64", "os": "linux", "config": {"Env": env},
              "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(l).hexdigest() for l in layers]},
              "history": [{"created_by": "layer %d" % i} for i in range(len(layers))]}
    if user:
        config["config"]["User"] = user
    config_bytes = json.dumps(config).encode()
    config_name = hashlib.sha256(config_bytes).hexdigest() + ".json"
    names = []
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tar:
        def add(name, data):
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))
        for data in layers:
            name = hashlib.sha256(data).hexdigest() + "/layer.tar"
            add(name, data)
            names.append(name)
        add(config_name, config_bytes)
        add("manifest.json", json.dumps([{"Config": config_name, "RepoTags": ["ofdoctor/layered:latest"],
                                          "Layers": names}]).encode())


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario")
    parser.add_argument("out")
    parser.add_argument("--root", required=True)
    parser.add_argument("--work", help="scratch directory (sparse sources, the capability root)")
    args = parser.parse_args()
    work = args.work or os.path.dirname(os.path.abspath(args.out))
    env = ["PATH=" + PATH]
    env_file = os.path.join(os.path.dirname(os.path.abspath(args.root)), "env")
    if os.path.exists(env_file):
        with open(env_file) as handle:
            env += [line.strip() for line in handle if "=" in line]
    if args.scenario == "capability":
        layers, user = capability_layers(args.root, work), "app"
    else:
        layers, user = [root_layer(args.root)] + upper_layers(args.scenario, args.root, work), None
    write_docker(args.out, layers, env, user)


if __name__ == "__main__":
    main()
