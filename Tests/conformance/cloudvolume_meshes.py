"""Reads the meshes of a precomputed dataset with cloud-volume (run by check_meshgen.py with the
igneous venv's Python, which has cloud-volume 12.15 and DracoPy) and saves, per label and level of
detail, the vertices (nm) and triangles cloud-volume returns, fragments concatenated as they are
(no vertex merging), and for multi-resolution meshes each triangle's octree node (nm):
OUT/LABEL_LOD.npz, and OUT/lods.json = {label: number of levels}.

usage: cloudvolume_meshes.py DATASET OUT LABEL..."""
import json
import pathlib
import sys

import numpy as np
from cloudvolume import CloudVolume


def main():
    root, out, labels = sys.argv[1], pathlib.Path(sys.argv[2]), [int(a) for a in sys.argv[3:]]
    out.mkdir(parents=True, exist_ok=True)
    vol = CloudVolume("file://" + root, progress=False)
    kind = vol.mesh.meta.info.get("@type")
    lods = {}
    for label in labels:
        if kind == "neuroglancer_multilod_draco":
            manifest = vol.mesh.get_manifest(label)
            if manifest is None:
                raise SystemExit(f"cloud-volume: no manifest for label {label}")
            lods[label] = int(manifest.num_lods)
            transform = np.array(vol.mesh.meta.info["transform"], float).reshape(3, 4)
            for lod in range(lods[label]):
                # One Mesh per non-empty fragment, in manifest order; each one's octree node in nm.
                fragments = vol.mesh.get(label, lod=lod, concat=False)[label]
                sizes = np.asarray(manifest.fragment_offsets[lod])
                positions = np.asarray(manifest.fragment_positions[lod], float)[sizes > 0]
                if len(positions) != len(fragments):
                    raise SystemExit(f"label {label} lod {lod}: {len(fragments)} meshes, {len(positions)} fragments")
                extent = np.asarray(manifest.chunk_shape, float) * 2 ** lod
                low = np.asarray(manifest.grid_origin, float) + np.asarray(manifest.vertex_offsets[lod], float) \
                    + positions * extent
                corners = [low @ transform[:, :3].T + transform[:, 3], (low + extent) @ transform[:, :3].T + transform[:, 3]]
                vertices, faces, node_low, node_high, base = [], [], [], [], 0
                for i, mesh in enumerate(fragments):
                    vertices.append(np.asarray(mesh.vertices, np.float64))
                    faces.append(np.asarray(mesh.faces, np.int64) + base)
                    base += len(mesh.vertices)
                    node_low.append(np.repeat(corners[0][i:i + 1], len(mesh.faces), axis=0))
                    node_high.append(np.repeat(corners[1][i:i + 1], len(mesh.faces), axis=0))
                np.savez(out / f"{label}_{lod}.npz", vertices=np.concatenate(vertices), faces=np.concatenate(faces),
                         node_low=np.concatenate(node_low), node_high=np.concatenate(node_high))
        else:
            mesh = vol.mesh.get(label, remove_duplicate_vertices=False, fuse=False)[label]
            lods[label] = 1
            np.savez(out / f"{label}_0.npz", vertices=np.asarray(mesh.vertices, np.float64),
                     faces=np.asarray(mesh.faces, np.int64))
    (out / "lods.json").write_text(json.dumps({"type": kind, "lods": lods}))


if __name__ == "__main__":
    main()
