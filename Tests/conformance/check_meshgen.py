"""`nprec mesh generate`: the meshes read back by cloud-volume 12.15 (its own manifest, shard and
Draco readers; run with the igneous venv's Python named by CLOUDVOLUME_PYTHON, since cloud-volume
is not in the reference venv) and checked against the labelled shapes: every label at every level
of detail, vertices inside the volume's physical bounds and the label's voxels' bounding box (one
voxel of slack), level 0 within one voxel of the analytic ellipsoid and sphere, enclosing their
volume, closed and consistently oriented once coincident vertices are merged, triangle counts
non-increasing with the level, each fragment inside its octree node and above level 0 no triangle
across the node's mid-planes; unsharded, --sharding auto and --format legacy. Also -j 1 and -j 2
byte-identical, and --task 0/2 and 1/2 (each run twice) identical to one run."""
import json
import os
import pathlib
import shutil

import numpy as np
from harness import nprec, run, workdir

ROOT = pathlib.Path(__file__).resolve().parents[2]
CV_PYTHON = os.environ.get("CLOUDVOLUME_PYTHON") or str(ROOT / ".venv-igneous/bin/python")
READER = pathlib.Path(__file__).resolve().parent / "cloudvolume_meshes.py"

BIG = 2**40 + 5
ELLIPSOID = 1
BORDER = 7
SINGLE = 3


def shapes(size):
    """Labels over a volume of `size` voxels (voxel i's centre at i + 0.5): an ellipsoid, a sphere
    with a label above 2^40, a box touching three faces of the volume, one lone voxel. Returns the
    array and the analytic shapes {label: (centre, semi-axes)} in voxel units."""
    sx, sy, sz = size
    x, y, z = np.meshgrid(np.arange(sx) + 0.5, np.arange(sy) + 0.5, np.arange(sz) + 0.5, indexing="ij")
    data = np.zeros(size, np.uint64)
    analytic = {ELLIPSOID: ((0.34 * sx, 0.45 * sy, 0.46 * sz), (0.24 * sx, 0.24 * sy, 0.2 * sz)),
                BIG: ((0.77 * sx, 0.62 * sy, 0.55 * sz), (0.14 * sx, 0.14 * sx, 0.14 * sx))}
    for label, (centre, axes) in analytic.items():
        inside = sum(((c - m) / a) ** 2 for c, m, a in zip((x, y, z), centre, axes)) <= 1
        data[inside] = label
    data[-sx // 6:, :sy // 4, :] = BORDER
    data[2, sy - 3, 2] = SINGLE
    return data, analytic


def cloudvolume_meshes(root, work, labels):
    """{label: [(vertices nm, faces) per level]} as cloud-volume reads them, and the mesh type."""
    out = work / f"cv-{root.name}"
    if out.exists():
        shutil.rmtree(out)
    run([CV_PYTHON, READER, root, out, *labels])
    summary = json.loads((out / "lods.json").read_text())
    result = {}
    for label in labels:
        levels = []
        for lod in range(summary["lods"][str(label)]):
            arrays = np.load(out / f"{label}_{lod}.npz")
            levels.append((arrays["vertices"], arrays["faces"],
                           (arrays["node_low"], arrays["node_high"]) if "node_low" in arrays else None))
        result[label] = levels
    return result, summary["type"]


def merged(vertices, faces, step):
    """Faces over vertices merged when they coincide (to `step` nm)."""
    keys = np.round(vertices / step).astype(np.int64)
    _, inverse = np.unique(keys, axis=0, return_inverse=True)
    return inverse.reshape(-1)[faces]


def check_closed(vertices, faces, step, what):
    faces = merged(vertices, faces, step)
    assert len(faces), f"{what}: no triangles"
    degenerate = (faces[:, 0] == faces[:, 1]) | (faces[:, 1] == faces[:, 2]) | (faces[:, 0] == faces[:, 2])
    assert not degenerate.any(), f"{what}: {degenerate.sum()} degenerate triangles after merging"
    directed = np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]])
    undirected = np.sort(directed, axis=1)
    _, counts = np.unique(undirected, axis=0, return_counts=True)
    assert (counts == 2).all(), f"{what}: {np.sum(counts != 2)} edges not shared by exactly 2 triangles"
    _, counts = np.unique(directed, axis=0, return_counts=True)
    assert (counts == 1).all(), f"{what}: {np.sum(counts != 1)} edges used twice in one direction (not oriented)"


def check_nodes(vertices, faces, nodes, lod, tol, what):
    """Each fragment's vertices inside its octree node; above level 0, no triangle across the
    node's mid-planes (Neuroglancer splits such fragments in 8 by vertex position)."""
    low, high = nodes
    corners = vertices[faces]  # (triangles, 3 corners, xyz)
    outside = (corners < low[:, None] - tol).any(axis=(1, 2)) | (corners > high[:, None] + tol).any(axis=(1, 2))
    assert not outside.any(), f"{what}: {outside.sum()} triangles outside their fragment's node"
    if lod == 0:
        return
    mid = (low + high) / 2
    across = ((corners.min(axis=1) < mid - tol) & (corners.max(axis=1) > mid + tol)).any(axis=1)
    assert not across.any(), f"{what}: {across.sum()} of {len(faces)} triangles across their node's mid-planes"


def signed_volume(vertices, faces):
    a, b, c = (vertices[faces[:, i]] for i in range(3))
    return float(np.einsum("ij,ij->i", a, np.cross(b, c)).sum() / 6)


def check_meshes(meshes, kind, data, analytic, resolution, offset, fragment, what):
    """`fragment`: the level-0 fragment's size in voxels (multires), whose vertices are quantized
    to 1/65535 of its node's extent: level L may stray that far (2^L fragments) beyond a bound."""
    res, off = np.asarray(resolution, float), np.asarray(offset, float)
    low, high = off * res, (off + data.shape) * res
    step = float(res.min()) / 1024
    labels = [int(v) for v in np.unique(data) if v]
    assert sorted(meshes) == sorted(labels), f"{what}: labels {sorted(meshes)}"
    sign = set()
    for label in labels:
        levels = meshes[label]
        assert levels, f"{what}: label {label} has no level of detail"
        if kind == "neuroglancer_legacy_mesh":
            assert len(levels) == 1, f"{what}: legacy label {label} with {len(levels)} levels"
        where = np.argwhere(data == label)
        box_low = (off + where.min(axis=0) - 1) * res
        box_high = (off + where.max(axis=0) + 2) * res
        triangles = []
        for lod, (vertices, faces, nodes) in enumerate(levels):
            name = f"{what}: label {label} lod {lod}"
            assert len(faces) and faces.max() < len(vertices), f"{name}: {len(faces)} triangles, bad indices"
            assert np.isfinite(vertices).all(), f"{name}: non-finite vertices"
            tol = 1e-4 * res if fragment is None else np.asarray(fragment) * 2 ** lod * res / 65535 + 1e-4 * res
            assert (vertices >= low - tol).all() and (vertices <= high + tol).all(), \
                f"{name}: vertices {vertices.min(axis=0)}..{vertices.max(axis=0)} outside {low}..{high} nm"
            assert (vertices >= box_low - tol).all() and (vertices <= box_high + tol).all(), \
                f"{name}: vertices {vertices.min(axis=0)}..{vertices.max(axis=0)} beyond the label's voxels " \
                f"{box_low}..{box_high} nm"
            if nodes is not None:
                check_nodes(vertices, faces, nodes, lod, tol, name)
            triangles.append(len(faces))
        assert all(a >= b for a, b in zip(triangles, triangles[1:])), f"{what}: label {label} triangles {triangles}"
        vertices, faces, _ = levels[0]
        check_closed(vertices, faces, step, f"{what}: label {label} lod 0")
        volume = signed_volume(vertices, faces)
        sign.add(volume > 0)
        voxels = len(where) * float(np.prod(res))
        # Marching cubes of a voxel mask cuts the corners: the surface encloses less than the voxels
        # (a lone voxel: the octahedron, 1/6 of it); never more.
        assert abs(volume) <= voxels * 1.0001, f"{what}: label {label} encloses {abs(volume)} > {voxels} nm^3"
        if label in analytic:
            centre, axes = analytic[label]
            centre_nm, axes_nm = (off + centre) * res, np.asarray(axes) * res
            expected = 4 / 3 * np.pi * np.prod(axes_nm)
            assert abs(abs(volume) / expected - 1) < 0.12, \
                f"{what}: label {label} encloses {abs(volume):.4g} nm^3, the shape {expected:.4g}"
            # Distance to the surface along the ray from the centre (an upper bound of the distance).
            rel = (vertices - centre_nm) / axes_nm
            scale = np.sqrt((rel ** 2).sum(axis=1))
            on_surface = centre_nm + (vertices - centre_nm) / scale[:, None]
            distance = np.sqrt(((vertices - on_surface) ** 2).sum(axis=1))
            assert distance.max() <= res.max(), \
                f"{what}: label {label} lod 0 vertex {distance.max():.4g} nm from the surface (voxel {res})"
    assert len(sign) == 1, f"{what}: labels oriented differently"


def nifti_dataset(work, size=(48, 40, 36), zooms=(0.8, 1.0, 1.5)):
    """A uint64 NIfTI (anisotropic voxels) made into a compressed_segmentation pyramid by nprec."""
    import nibabel as nib
    data, analytic = shapes(size)
    image = nib.Nifti1Image(data, np.diag([*zooms, 1.0]), dtype=np.uint64)
    image.header.set_zooms(zooms)
    nib.save(image, work / "labels.nii.gz")
    root = work / "seg"
    nprec("pyramid", work / "labels.nii.gz", root, "--type", "segmentation", "--encoding",
          "compressed_segmentation", "--target-chunk-size", "16", "-j", "2")
    info = json.loads((root / "info").read_text())
    scale = info["scales"][0]
    assert info["data_type"] == "uint64" and scale["size"] == list(size), info
    return root, data, analytic, scale["resolution"], scale.get("voxel_offset", [0, 0, 0])


def offset_dataset(work, size=(40, 32, 24), resolution=(6, 8, 12), offset=(5, 3, 9)):
    """A raw uint64 segmentation with a voxel_offset, written by tensorstore."""
    import tensorstore as ts
    data, analytic = shapes(size)
    root = work / "seg"
    store = ts.open({
        "driver": "neuroglancer_precomputed", "kvstore": {"driver": "file", "path": str(root) + "/"},
        "multiscale_metadata": {"type": "segmentation", "data_type": "uint64", "num_channels": 1},
        "scale_metadata": {"size": list(size), "resolution": list(resolution), "encoding": "raw",
                           "chunk_size": [16, 16, 8], "voxel_offset": list(offset)},
        "create": True,
    }).result()
    store[ts.d[:].translate_to[0]].write(data[..., None]).result()
    return root, data, analytic, list(resolution), list(offset)


def cells_dataset(work, size=(40, 36, 30), count=10):
    """Labels that touch each other everywhere (Voronoi cells of random seeds, one label above
    2^40, no background): surfaces meet where three or more labels do."""
    import nibabel as nib
    rng = np.random.default_rng(3)
    seeds = rng.random((count, 3)) * size
    grid = np.stack(np.meshgrid(*[np.arange(n) + 0.5 for n in size], indexing="ij"), -1)
    nearest = np.argmin(((grid[..., None, :] - seeds) ** 2).sum(-1), axis=-1)
    ids = np.array([BIG] + list(range(2, count + 1)), np.uint64)
    data = ids[nearest]
    image = nib.Nifti1Image(data, np.diag([1.0, 1.0, 2.0, 1.0]), dtype=np.uint64)
    image.header.set_zooms((1.0, 1.0, 2.0))
    nib.save(image, work / "cells.nii.gz")
    root = work / "seg"
    nprec("pyramid", work / "cells.nii.gz", root, "--type", "segmentation", "--target-chunk-size", "16", "-j", "2")
    scale = json.loads((root / "info").read_text())["scales"][0]
    return root, data, {}, scale["resolution"], scale.get("voxel_offset", [0, 0, 0])


def generated(make_dataset, name, options):
    work = workdir(f"meshgen-{name}")
    root, data, analytic, resolution, offset = make_dataset(work)
    out = nprec("mesh", "generate", *options, "-j", "2", root)
    info = json.loads((root / "info").read_text())
    mesh_info = json.loads((root / info["mesh"] / "info").read_text())
    labels = [int(v) for v in np.unique(data) if v]
    meshes, kind = cloudvolume_meshes(root, work, labels)
    assert kind == mesh_info["@type"], (kind, mesh_info)
    if "--format" in options:
        assert kind == "neuroglancer_legacy_mesh", mesh_info
    else:
        assert kind == "neuroglancer_multilod_draco", mesh_info
        assert mesh_info["vertex_quantization_bits"] == 16, mesh_info
        assert ("sharding" in mesh_info) == ("--sharding" in options), mesh_info
        assert max(len(levels) for levels in meshes.values()) > 1, "a single level of detail for every label"
    fragment = None if kind == "neuroglancer_legacy_mesh" else info["scales"][0]["chunk_sizes"][0]
    check_meshes(meshes, kind, data, analytic, resolution, offset, fragment, name)
    return out


def files(root, work_files=True):
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and (work_files or not p.relative_to(root).parts[0] == ".nprec")}


def same_files(a, b, what, work_files=True):
    fa, fb = files(a, work_files), files(b, work_files)
    assert sorted(fa) == sorted(fb), f"{what}: files {sorted(set(fa) ^ set(fb))[:10]} in one only"
    differ = [name for name in fa if fa[name] != fb[name]]
    detail = ""
    for name in (n for n in differ if n.endswith("info")):
        a, b = json.loads(fa[name]), json.loads(fb[name])
        detail += f"; {name}: " + ", ".join(f"{key}: {a.get(key)!r} and {b.get(key)!r}" for key in sorted(set(a) | set(b))
                                            if a.get(key) != b.get(key))
    assert not differ, f"{what}: {differ[:10]} differ{detail}"


def deterministic(options):
    work = workdir("meshgen-deterministic")
    root, *_ = nifti_dataset(work)
    copies = {}
    for name in ("j1", "j2", "tasks"):
        copies[name] = work / name
        shutil.copytree(root, copies[name])
    nprec("mesh", "generate", *options, "-j", "1", copies["j1"])
    nprec("mesh", "generate", *options, "-j", "2", copies["j2"])
    for _ in range(2):
        for task in ("0/2", "1/2"):
            nprec("mesh", "generate", *options, "--task", task, "-j", "1", copies["tasks"])
    same_files(copies["j1"], copies["j2"], "-j 1 and -j 2")
    # The work files (DEST/.nprec) stay until a run without --task, which finds nothing to do but
    # removing them.
    same_files(copies["j1"], copies["tasks"], "one run and --task 0/2, 1/2 twice each", work_files=False)
    nprec("mesh", "generate", *options, "-j", "1", copies["tasks"])
    same_files(copies["j1"], copies["tasks"], "one run and --task 0/2, 1/2 twice each, then one without --task")


def no_work_files():
    """A run without --task leaves nothing of its work under DEST/.nprec (not even the directory,
    which was not there before)."""
    work = workdir("meshgen-work-files")
    root, *_ = nifti_dataset(work)
    assert not (root / ".nprec").exists(), "the pyramid left DEST/.nprec"
    nprec("mesh", "generate", "-j", "2", root)
    left = sorted(str(p.relative_to(root)) for p in (root / ".nprec").rglob("*")) if (root / ".nprec").exists() else None
    assert left is None, f"mesh generate left DEST/.nprec behind, holding {left}"


def checks():
    variants = {"unsharded": [], "sharded": ["--sharding", "auto"], "legacy": ["--format", "legacy"]}
    for variant, options in variants.items():
        yield (f"meshgen: {variant} meshes of a uint64 NIfTI pyramid (anisotropic) read by cloud-volume, "
               "shapes, bounds, closed", lambda o=options, v=variant: generated(nifti_dataset, f"nifti-{v}", o))
        yield (f"meshgen: {variant} meshes of a segmentation with a voxel_offset (tensorstore) read by "
               "cloud-volume", lambda o=options, v=variant: generated(offset_dataset, f"offset-{v}", o))
        yield (f"meshgen: {variant} meshes of touching labels (Voronoi cells) read by cloud-volume, closed where "
               "labels meet", lambda o=options, v=variant: generated(cells_dataset, f"cells-{v}", o))
    for variant, options in variants.items():
        yield (f"meshgen: {variant} -j 1, -j 2 and --task 0/2, 1/2 (twice each) byte-identical",
               lambda o=options: deterministic(o))
    yield "meshgen: a run without --task leaves no DEST/.nprec", no_work_files
