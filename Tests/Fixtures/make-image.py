#!/usr/bin/env python3
"""Packs a fixture root into a container image archive, as `docker save` writes it
(or, with --oci, as an OCI image layout in a tar), split over several layers so that
reading it back exercises whiteouts and opaque directories:

  layer 1  the whole root, plus a stale ld.so.conf.d entry and a stale library
  layer 2  whiteouts: removes LIBRARY and the stale library; makes etc/ld.so.conf.d
           opaque and re-adds its real files (the stale .conf is gone)
  layer 3  re-adds LIBRARY

Applied in order the layers give back exactly the root, so an image reader can be
compared path by path with the unpacked root. The image config's Env is PATH plus the
fixture's env file (ROOT/../env, NAME=VALUE lines); it is also written to --config-out.

usage: make-image.py OUT.tar [--oci] [--root DIR] [--config-out FILE] [--library PATH]
"""
import argparse
import gzip
import hashlib
import io
import json
import os
import tarfile

PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/opt/OpenFace/build/bin"


def add_tree(tar, root, skip=()):
    """Every path under root, parents before children, names relative (no ./)."""
    for directory, dirs, files in os.walk(root):
        dirs.sort()
        rel_dir = os.path.relpath(directory, root)
        for name in sorted(dirs) + sorted(files):
            rel = os.path.normpath(os.path.join(rel_dir, name))
            if rel in skip:
                continue
            tar.add(os.path.join(root, rel), arcname=rel, recursive=False)


def add_bytes(tar, name, data, mode=0o644):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    tar.addfile(info, io.BytesIO(data))


def add_whiteout(tar, path):
    head, tail = os.path.split(path)
    add_bytes(tar, os.path.join(head, ".wh." + tail), b"")


def layer(build):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        build(tar)
    return buffer.getvalue()


def make_layers(root, library):
    conf_dir = "etc/ld.so.conf.d"
    stale_lib = "usr/local/lib/libstale.so.1"

    def first(tar):
        add_tree(tar, root)
        # Would change what the loader finds if the opaque marker were ignored.
        add_bytes(tar, conf_dir + "/00-stale.conf", b"/nonexistent/stale\n")
        add_bytes(tar, stale_lib, b"not an ELF file\n", 0o755)

    def second(tar):
        add_whiteout(tar, library)
        add_whiteout(tar, stale_lib)
        tar.add(os.path.join(root, conf_dir), arcname=conf_dir, recursive=False)
        add_bytes(tar, conf_dir + "/.wh..wh..opq", b"")
        for name in sorted(os.listdir(os.path.join(root, conf_dir))):
            tar.add(os.path.join(root, conf_dir, name), arcname=conf_dir + "/" + name, recursive=False)

    def third(tar):
        tar.add(os.path.join(root, library), arcname=library, recursive=False)

    return [layer(first), layer(second), layer(third)]


def config_json(root, layers):
    env = ["PATH=" + PATH]
    env_file = os.path.join(os.path.dirname(os.path.abspath(root)), "env")
    if os.path.exists(env_file):
        with open(env_file) as handle:
            env += [line.strip() for line in handle if "=" in line]
    return json.dumps({
        "architecture": "amd64", "os": "linux",
        "config": {"Env": env, "Cmd": ["/opt/OpenFace/build/bin/FeatureExtraction"]},
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(l).hexdigest() for l in layers]},
    }, indent=2).encode()


def write_docker(out, layers, config):
    config_name = hashlib.sha256(config).hexdigest() + ".json"
    names = []
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tar:
        for data in layers:
            layer_id = hashlib.sha256(data).hexdigest()
            add_bytes(tar, layer_id + "/VERSION", b"1.0")
            add_bytes(tar, layer_id + "/layer.tar", data)
            names.append(layer_id + "/layer.tar")
        add_bytes(tar, config_name, config)
        manifest = [{"Config": config_name, "RepoTags": ["ofdoctor/fixture:latest"], "Layers": names}]
        add_bytes(tar, "manifest.json", json.dumps(manifest).encode())


def write_oci(out, layers, config):
    """Layers 1 and 2 gzip-compressed, layer 3 plain: both kinds in one image."""
    blobs = {}

    def blob(data, media_type):
        digest = hashlib.sha256(data).hexdigest()
        blobs[digest] = data
        return {"mediaType": media_type, "digest": "sha256:" + digest, "size": len(data)}

    layer_descriptors = []
    for index, data in enumerate(layers):
        if index < 2:
            packed = gzip.compress(data, mtime=0)
            layer_descriptors.append(blob(packed, "application/vnd.oci.image.layer.v1.tar+gzip"))
        else:
            layer_descriptors.append(blob(data, "application/vnd.oci.image.layer.v1.tar"))
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": blob(config, "application/vnd.oci.image.config.v1+json"),
        "layers": layer_descriptors,
    }).encode()
    manifest_descriptor = blob(manifest, "application/vnd.oci.image.manifest.v1+json")
    manifest_descriptor["platform"] = {"architecture": "amd64", "os": "linux"}
    index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
             "manifests": [manifest_descriptor]}
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tar:
        add_bytes(tar, "oci-layout", json.dumps({"imageLayoutVersion": "1.0.0"}).encode())
        add_bytes(tar, "index.json", json.dumps(index).encode())
        for digest, data in sorted(blobs.items()):
            add_bytes(tar, "blobs/sha256/" + digest, data)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out")
    parser.add_argument("--oci", action="store_true", help="an OCI image layout (tar) instead of docker save")
    parser.add_argument("--root", default=".build/fixtures/of001/root")
    parser.add_argument("--config-out", help="also write the image config JSON here (for --env-from)")
    parser.add_argument("--library", default="usr/lib/x86_64-linux-gnu/libwebp.so.6.0.2",
                        help="the file layer 2 whites out and layer 3 re-adds (relative to the root)")
    args = parser.parse_args()
    if not os.path.isfile(os.path.join(args.root, args.library)):
        parser.error(f"{args.root}/{args.library}: not a file; build the roots first "
                     "(bash Tests/Fixtures/build-roots.sh .build/fixtures)")
    layers = make_layers(args.root, args.library)
    config = config_json(args.root, layers)
    (write_oci if args.oci else write_docker)(args.out, layers, config)
    if args.config_out:
        with open(args.config_out, "wb") as handle:
            handle.write(config)


if __name__ == "__main__":
    main()
