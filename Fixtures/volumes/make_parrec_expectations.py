#!/usr/bin/env python3
"""Copies nibabel's PAR/REC test files into Fixtures/volumes/parrec/ and writes beside them what
nibabel (5.4.2) reports for them, for Tests/VolumesTests/PARREC.

Run with the reference virtual environment:

    /work/main/.venv-reference/bin/python Fixtures/volumes/make_parrec_expectations.py

Writes parrec/expectations.json:

* "headers": for each PAR file that nibabel reads (`PARRECHeader.from_fileobj` with `load`'s
  defaults): version, shape, zooms, dtype, `get_affine()`, `get_sorted_slice_indices()` and the
  'dv' slope and intercept of each (z, volume), volume after volume;
* "errors": PAR files nibabel refuses (at `from_fileobj` or `get_affine`), with its message;
* "pairs": for each .PAR/.REC pair that `nibabel.load` reads, the dtype name of
  `img.dataobj[0, 0, 0, ...]` and a few voxels of `img.dataobj` (index and exact value);
* "affines": `get_affine()` of T1.PAR with random angulations, off-centres, slice orientations
  and voxel sizes, to check the arithmetic to the last bit.
"""

import json
import os
import shutil
import warnings

import nibabel as nib
import numpy as np
from nibabel.parrec import PARRECHeader

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "parrec")
DATA = os.path.join(os.path.dirname(nib.__file__), "tests", "data")
PAIRS = ["phantom_EPI_asc_CLEAR_2_1", "phantom_varscale", "phantom_truncated"]


def header(path):
    with open(path) as f, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return PARRECHeader.from_fileobj(f)


def describe(path):
    hdr = header(path)
    affine = hdr.get_affine()
    slope, inter = hdr.get_data_scaling("dv")
    with open(path) as f:
        version = next(line.split()[-1] for line in f if "image export tool" in line)
    return {
        "version": version,
        "shape": [int(n) for n in hdr.get_data_shape()],
        "zooms": [float(z) for z in hdr.get_zooms()],
        "dtype": hdr.get_data_dtype().name,
        "affine": affine.tolist(),
        "rec_order": [int(i) for i in hdr.get_sorted_slice_indices()],
        "slopes": slope.ravel(order="F").tolist(),
        "inters": inter.ravel(order="F").tolist(),
    }


def pair(stem):
    img = nib.load(os.path.join(OUT, stem + ".PAR"))
    rng = np.random.default_rng(7)
    shape = img.shape
    voxels = []
    for _ in range(24):
        index = tuple(int(rng.integers(0, n)) for n in shape)
        voxels.append({"index": list(index), "value": float(img.dataobj[index])})
    corner = img.dataobj[(0,) * len(shape)]
    return {"dtype": corner.dtype.name, "voxels": voxels}


def random_affines():
    rng = np.random.default_rng(42)
    with open(os.path.join(DATA, "T1.PAR")) as f:
        info, defs = nib.parrec.parse_PAR_header(f)
    cases = []
    for i in range(300):
        info = dict(info)
        defs = defs.copy()
        info["angulation"] = rng.uniform(-40, 40, 3).round(rng.integers(0, 4))
        if i % 5 == 0:
            info["angulation"][rng.integers(0, 3)] = 0
        info["off_center"] = rng.uniform(-80, 80, 3).round(3)
        defs["slice orientation"] = int(rng.integers(1, 4))
        defs["pixel spacing"] = rng.uniform(0.2, 4, 2).round(3)
        defs["slice thickness"] = round(rng.uniform(0.5, 6), 2)
        defs["slice gap"] = round(rng.uniform(0, 2), 2)
        hdr = PARRECHeader(info, defs)
        cases.append({
            "size": [int(n) for n in hdr.get_data_shape()[:3]],
            "zooms": [float(z) for z in hdr.get_zooms()[:3]],
            "orientation": int(defs["slice orientation"][0]),
            "angulation": info["angulation"].tolist(),
            "off_center": info["off_center"].tolist(),
            "affine": hdr.get_affine().tolist(),
        })
    return cases


def main():
    os.makedirs(OUT, exist_ok=True)
    names = sorted(n for n in os.listdir(DATA) if n.endswith(".PAR"))
    for name in names:
        shutil.copyfile(os.path.join(DATA, name), os.path.join(OUT, name))
    for stem in PAIRS:
        shutil.copyfile(os.path.join(DATA, stem + ".REC"), os.path.join(OUT, stem + ".REC"))
    headers, errors = {}, {}
    for name in names:
        try:
            headers[name] = describe(os.path.join(OUT, name))
        except Exception as exc:  # noqa: BLE001 - nibabel's refusal is the expectation
            errors[name] = f"{type(exc).__name__}: {exc}"
    pairs = {}
    for stem in PAIRS:
        try:
            pairs[stem + ".PAR"] = pair(stem)
        except Exception as exc:  # noqa: BLE001
            errors[stem + ".PAR"] = f"{type(exc).__name__}: {exc}"
    out = {"headers": headers, "errors": errors, "pairs": pairs, "affines": random_affines()}
    with open(os.path.join(OUT, "expectations.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
