"""`nprec verify` passes on the datasets the reference (neuroglancer-scripts 1.2.0) writes, with
its meshes, on those tensorstore writes, unsharded and sharded, and on igneous's meshes (legacy,
and multi-resolution sharded); once damaged, it names the bad file."""
import json
import os
import pathlib

import make_mesh_fixtures as mm
import numpy as np
from check_pyramid import CASES, make
from harness import nprec, reference, run, workdir

ROOT = pathlib.Path(__file__).resolve().parents[2]
IGNEOUS = os.environ.get("IGNEOUS_BIN") or str(ROOT / ".venv-igneous/bin/igneous")


def verify(root, expect=0):
    result = nprec("verify", "-j", "2", root, expect=expect)
    last = result.stdout.strip().splitlines()[-1]
    if expect == 0:
        assert last.startswith(f"{root}: OK ("), result.stdout[-2000:]
    return result


def damaged(root, path, expect_line):
    """Truncates `path` (a chunk) to half and checks that verify names it."""
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    result = verify(root, expect=1)
    assert any(line.startswith(f"{path}: {expect_line}") for line in result.stdout.splitlines()), result.stdout


def reference_pyramid(name, storage, encoding=None):
    work, path = make(name)
    ref = work / "ref"
    reference("volume-to-precomputed", "--generate-info", path, ref, expect=None)
    scales = ["--target-chunk-size", str(CASES[name][4])] + (["--encoding", encoding] if encoding else [])
    reference("generate-scales-info", ref / "info_fullres.json", ref, *scales)
    reference("volume-to-precomputed", path, ref, *storage)
    reference("compute-scales", ref, *storage)
    verify(ref)
    first = sorted(p for p in (ref / json.loads((ref / "info").read_text())["scales"][0]["key"]).rglob("*")
                   if p.is_file())[0]
    damaged(ref, first, "corrupt gzip stream" if first.name.endswith(".gz") else "")


def reference_meshes():
    work = workdir("verify-ref-mesh")
    ref = mm.new_dataset(work / "ref", dict(mm.SEGMENTATION_INFO, mesh="mesh"))
    points, triangles = mm.icosphere(subdivisions=2)
    gifti = work / "sphere.gii"
    gifti.write_bytes(mm.gifti_bytes(points, triangles))
    csv_path = work / "labels.csv"
    csv_path.write_text("3,sphere\n5,sphere\n")
    reference("mesh-to-precomputed", "--mesh-name=sphere", gifti, ref)
    reference("link-mesh-fragments", csv_path, ref)
    # The mesh and its manifests; the info's scale has no chunks: only the mesh is judged.
    result = nprec("verify", ref, expect=None)
    mesh_lines = [line for line in result.stdout.splitlines() if line.startswith(f"{ref}/mesh")]
    assert not mesh_lines, result.stdout
    assert "2 mesh manifests, 1 fragment" in result.stdout, result.stdout


def igneous_meshes(sharded):
    """igneous 4.37 (its venv, as `make bench` uses it) meshes four balls of a labels volume:
    `mesh forge` + `mesh merge` (legacy) or `mesh forge --sharded` + `mesh merge-sharded`
    (multi-resolution Draco in a shard). verify reads them clean, with igneous's counts, and
    names a damaged file."""
    import nibabel as nib
    work = workdir(f"verify-igneous-{'sharded' if sharded else 'legacy'}")
    n = 64
    x, y, z = np.meshgrid(*[np.arange(n)] * 3, indexing="ij")
    labels = np.zeros((n, n, n), np.uint32)
    for label, (cx, cy, cz, r) in enumerate([(20, 20, 20, 12), (44, 40, 30, 14), (30, 45, 48, 10), (50, 15, 50, 9)]):
        labels[(x - cx) ** 2 + (y - cy) ** 2 + (z - cz) ** 2 < r * r] = label + 1
    nib.save(nib.Nifti1Image(labels, np.eye(4)), str(work / "labels.nii.gz"))
    root = work / "ig"
    url = f"file://{root}"
    run([IGNEOUS, "image", "create", work / "labels.nii.gz", url, "--resolution", "1000000,1000000,1000000",
         "--compress", "gzip", "--chunk-size", "32,32,32", "--seg", "--encoding", "compressed_segmentation"])
    if sharded:
        run([IGNEOUS, "-p", "1", "mesh", "forge", url, "--sharded", "--shape", "32,32,32"])
        run([IGNEOUS, "-p", "1", "mesh", "merge-sharded", url, "--nlod", "2", "--min-chunk-size", "32,32,32"])
    else:
        run([IGNEOUS, "-p", "1", "mesh", "forge", url, "--shape", "32,32,32"])
        run([IGNEOUS, "-p", "1", "mesh", "merge", url])
    verify(root)
    report = json.loads(nprec("verify", "--json", root).stdout)
    mesh = report["mesh"]
    assert mesh["type"] == ("neuroglancer_multilod_draco" if sharded else "neuroglancer_legacy_mesh"), mesh
    assert mesh["manifests"] == 4 and mesh["fragments"] >= 4 and mesh["parsed"] == mesh["fragments"], mesh
    mesh_dir = root / json.loads((root / "info").read_text())["mesh"]
    if sharded:
        assert mesh["sharded"] and mesh["shards"] >= 1 and mesh["triangles"] > 0, mesh
        damaged_file = sorted(mesh_dir.glob("*.shard"))[0]
    else:
        damaged_file = sorted(p for p in mesh_dir.iterdir() if p.name.count(":") == 2)[0]
    data = damaged_file.read_bytes()
    damaged_file.write_bytes(data[: len(data) // 2])
    result = verify(root, expect=1)
    assert any(line.startswith(str(damaged_file)) for line in result.stdout.splitlines()), result.stdout


def tensorstore_dataset(sharded, encoding):
    import tensorstore as ts
    work = workdir(f"verify-ts-{encoding}-{'sharded' if sharded else 'plain'}")
    rng = np.random.default_rng(11)
    dtype = "uint32" if encoding == "compressed_segmentation" else "uint16"
    # No voxel is the fill value (0), so tensorstore writes every chunk.
    data = rng.integers(1, 6 if dtype == "uint32" else 60000, (45, 37, 29, 1)).astype(dtype)
    scale = {"size": [45, 37, 29], "resolution": [1000, 1000, 1000], "encoding": encoding, "chunk_size": [16, 16, 8]}
    if encoding == "compressed_segmentation":
        scale["compressed_segmentation_block_size"] = [8, 8, 8]
    if sharded:
        scale["sharding"] = {"@type": "neuroglancer_uint64_sharded_v1", "preshift_bits": 1, "hash": "murmurhash3_x86_128",
                             "minishard_bits": 2, "shard_bits": 2, "minishard_index_encoding": "gzip",
                             "data_encoding": "gzip"}
    root = work / "ts"
    store = ts.open({
        "driver": "neuroglancer_precomputed",
        "kvstore": {"driver": "file", "path": str(root) + "/"},
        "multiscale_metadata": {"type": "segmentation" if dtype == "uint32" else "image", "data_type": dtype,
                                "num_channels": 1},
        "scale_metadata": scale,
        "create": True,
    }).result()
    store.write(data).result()
    verify(root)
    chunks = sorted(p for p in root.rglob("*") if p.is_file() and p.name != "info")
    assert chunks, "tensorstore wrote no chunk"
    if sharded:
        shard = next(p for p in chunks if p.suffix == ".shard")
        data = bytearray(shard.read_bytes())
        data[0:16] = (len(data) + 1000).to_bytes(8, "little") * 2
        data[8:16] = (len(data) + 2000).to_bytes(8, "little")
        shard.write_bytes(bytes(data))
        result = verify(root, expect=1)
        assert f"{shard}: minishard 0: its index" in result.stdout, result.stdout
    else:
        damaged(root, chunks[0], "")


def checks():
    yield "verify: the reference's nested gzip raw pyramid", lambda: reference_pyramid("uint16_2ch_odd", [])
    yield "verify: the reference's flat raw pyramid", lambda: reference_pyramid("int16_odd", ["--flat", "--no-gzip"])
    yield ("verify: the reference's compressed_segmentation pyramid",
           lambda: reference_pyramid("uint32_labels", [], "compressed_segmentation"))
    yield "verify: the reference's jpeg pyramid", lambda: reference_pyramid("uint8_320x250x150", [], "jpeg")
    yield "verify: the reference's meshes", reference_meshes
    yield "verify: igneous's legacy meshes", lambda: igneous_meshes(False)
    yield "verify: igneous's sharded multi-resolution meshes", lambda: igneous_meshes(True)
    for sharded in (False, True):
        for encoding in ("raw", "compressed_segmentation"):
            yield (f"verify: tensorstore's {'sharded' if sharded else 'unsharded'} {encoding} dataset",
                   lambda s=sharded, e=encoding: tensorstore_dataset(s, e))
