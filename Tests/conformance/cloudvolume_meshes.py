"""Reads the meshes of a precomputed dataset with cloud-volume (run by check_meshgen.py with the
igneous venv's Python, which has cloud-volume 12.15 and DracoPy) and saves, per label and level of
detail, the vertices (nm) and triangles cloud-volume returns, fragments concatenated as they are
(no vertex merging): OUT/LABEL_LOD.npz, and OUT/lods.json = {label: number of levels}.

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
            for lod in range(lods[label]):
                mesh = vol.mesh.get(label, lod=lod)[label]
                np.savez(out / f"{label}_{lod}.npz", vertices=np.asarray(mesh.vertices, np.float64),
                         faces=np.asarray(mesh.faces, np.int64))
        else:
            mesh = vol.mesh.get(label, remove_duplicate_vertices=False, fuse=False)[label]
            lods[label] = 1
            np.savez(out / f"{label}_0.npz", vertices=np.asarray(mesh.vertices, np.float64),
                     faces=np.asarray(mesh.faces, np.int64))
    (out / "lods.json").write_text(json.dumps({"type": kind, "lods": lods}))


if __name__ == "__main__":
    main()
