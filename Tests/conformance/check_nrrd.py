"""NRRD (.nrrd, .nhdr) input. The reference (neuroglancer-scripts through nibabel) cannot read
NRRD, so: `nprec info FILE.nrrd` is compared with `volume-to-precomputed --generate-info` on the
same voxels saved by nibabel as a NIfTI with the RAS affine that the NRRD header describes (space
directions as columns, space origin as translation, x and y negated for LPS, x for LAS), and the
chunks of `nprec convert` read back with the reference's reader (or directly, for the signed
types it does not know) and with tensorstore are compared
with pynrrd's array. Files are written here with pynrrd (every type, both byte orders, raw, gzip
and bzip2 (also spelled bz2), attached and detached, a `none` axis first and last) and one by hand
in the style of the Allen atlas annotation volumes. Affines use values exact in float32, as the NIfTI sform stores
them, so transforms are compared to 1e-12."""
import bz2
import gzip
import json

import nibabel as nib
import nrrd
import numpy as np
from harness import load_json, nprec, read_raw_scales, read_scales, reference, same_json, same_transform, same_voxels, workdir

RNG = np.random.default_rng(4321)
OBLIQUE = np.array([[0.0, -1.5, 0.25], [1.25, 0.0, 0.0], [0.0, 0.5, 2.0]])  # columns: axis directions
AXIAL = np.diag([0.75, 0.5, 1.5])
SIZE = (37, 29, 23)


def values(dtype, shape):
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return (RNG.standard_normal(shape) * 300 + 50).astype(dtype)
    info = np.iinfo(dtype)
    low, high = max(info.min, -40000), min(info.max, 70000)
    return RNG.integers(low, high, shape, endpoint=True).astype(dtype)


# name: (dtype, shape, non-spatial axis: None, "first" or "last", header fields, write options)
CASES = {
    "uint8_lps_raw": ("uint8", SIZE, None, {"space": "left-posterior-superior", "encoding": "raw"}, {}),
    "int8_ras_gzip": ("int8", SIZE, None, {"space": "right-anterior-superior", "encoding": "gzip"}, {}),
    "uint16_las_gzip_be": ("uint16", SIZE, None, {"space": "left-anterior-superior", "encoding": "gzip",
                                                  "endian": "big"}, {}),
    "int16_lps_raw_be": ("int16", SIZE, None, {"space": "LPS", "encoding": "raw", "endian": "big"}, {}),
    "uint32_ras_raw": ("uint32", SIZE, None, {"space": "RAS", "encoding": "raw"}, {}),
    "int32_detached_raw": ("int32", SIZE, None, {"space": "LPS", "encoding": "raw"}, {"detached_header": True}),
    "float32_detached_gzip_be": ("float32", SIZE, None, {"space": "left-posterior-superior", "encoding": "gzip",
                                                         "endian": "big"}, {"detached_header": True}),
    "float64_lps_gzip": ("float64", SIZE, None, {"space": "LPS", "encoding": "gzip"}, {}),
    "vector_first_float32": ("float32", (3,) + SIZE, "first", {"space": "LPS", "encoding": "gzip",
                                                               "kinds": ["vector", "domain", "domain", "domain"]}, {}),
    "rgb_first_uint8": ("uint8", (3,) + SIZE, "first", {"space": "RAS", "encoding": "raw",
                                                        "kinds": ["RGB-color", "domain", "domain", "domain"]}, {}),
    "time_last_uint16": ("uint16", SIZE + (2,), "last", {"space": "LAS", "encoding": "gzip",
                                                        "kinds": ["domain", "domain", "domain", "list"]}, {}),
    "uint16_lps_bzip2": ("uint16", SIZE, None, {"space": "LPS", "encoding": "bzip2"}, {}),
    "int16_detached_bzip2_be": ("int16", SIZE, None, {"space": "left-posterior-superior", "encoding": "bzip2",
                                                      "endian": "big"}, {"detached_header": True}),
    "float32_ras_bz2": ("float32", SIZE, None, {"space": "RAS", "encoding": "bz2"}, {}),
    "time_last_float64_bzip2_be": ("float64", SIZE + (2,), "last", {"space": "LPS", "encoding": "bzip2",
                                                                   "endian": "big",
                                                                   "kinds": ["domain", "domain", "domain", "list"]},
                                   {}),
}


def ras_affine(directions, origin, space):
    """The RAS affine of space directions (3x3, columns the axes), origin and space name."""
    affine = np.eye(4)
    affine[:3, :3] = directions
    affine[:3, 3] = origin
    flips = {"lps": (0, 1), "left-posterior-superior": (0, 1), "las": (0,), "left-anterior-superior": (0,)}
    for row in flips.get(space.lower(), ()):
        affine[row] = -affine[row]
    return affine + 0.0


def make(name):
    """The NRRD file, pynrrd's voxels as (x, y, z, channels) and the equivalent NIfTI."""
    dtype, shape, axis, fields, options = CASES[name]
    work = workdir("nrrd-" + name)
    data = values(dtype, shape)
    directions = OBLIQUE if "lps" in name.lower() or axis else AXIAL
    origin = np.array([10.5, -20.25, 3.0])
    rows = list(directions.T)
    if axis == "first":
        rows = [np.full(3, np.nan)] + rows
    elif axis == "last":
        rows = rows + [np.full(3, np.nan)]
    header = dict(fields, **{"space directions": np.array(rows), "space origin": origin})
    header.setdefault("endian", "little")
    path = work / ("v.nhdr" if options.get("detached_header") else "v.nrrd")
    nrrd.write(str(path), data, header, **options)
    voxels, _ = nrrd.read(str(path))
    if axis == "first":
        voxels = np.moveaxis(voxels, 0, -1)
    nifti = work / "v.nii"
    affine = ras_affine(directions, origin, fields["space"])
    nib.save(nib.Nifti1Image(voxels, affine, dtype=voxels.dtype), str(nifti))
    return work, path, voxels, nifti


def compare_info(name):
    work, path, voxels, nifti = make(name)
    ours = nprec("info", path, work / "ours", expect=None)
    ref = reference("volume-to-precomputed", "--generate-info", nifti, work / "ref", expect=None)
    our_info = load_json(work / "ours" / "info_fullres.json")
    ref_info = load_json(work / "ref" / "info_fullres.json")
    if voxels.dtype.name in ("int8", "int16", "int32"):
        # nprec keeps the integer types Neuroglancer displays; the reference forces float32.
        assert ref_info["data_type"] == "float32" and our_info["data_type"] == voxels.dtype.name
        assert ours.returncode == 0, ours.stderr
        our_info["data_type"] = "float32"
    else:
        assert ours.returncode == ref.returncode, (ours.returncode, ref.returncode, ours.stderr)
    same_json(our_info, ref_info)
    same_transform(work / "ours", work / "ref")


def compare_convert(name):
    work, path, voxels, _ = make(name)
    ours = work / "ours"
    nprec("info", path, ours, expect=None)
    fullres = ours / "info_fullres.json"
    nprec("scales", fullres, ours, "--target-chunk-size", "16")
    # Flat, uncompressed chunk files: the layout tensorstore reads.
    nprec("convert", path, ours, "-j", "2", "--flat", "--no-gzip")
    info = load_json(ours / "info")
    expected = voxels if voxels.ndim == 4 else voxels[..., np.newaxis]
    expected = np.transpose(expected, (3, 2, 1, 0)).astype(info["data_type"])  # (C, Z, Y, X)
    # The reference's reader knows unsigned types and float32 only.
    reader = read_raw_scales if info["data_type"] in ("int8", "int16", "int32") else read_scales
    got = next(iter(reader(ours, 1).values()))
    same_voxels(got, expected, "pynrrd's")
    import tensorstore as ts
    store = ts.open({"driver": "neuroglancer_precomputed",
                     "kvstore": {"driver": "file", "path": str(ours) + "/"}, "scale_index": 0}).result()
    read = np.transpose(np.asarray(store.read().result()), (3, 2, 1, 0))
    assert np.array_equal(read, expected, equal_nan=True), "tensorstore reads other values"


def allen_style():
    """A hand-written header as the Allen CCF annotation volumes have (uint32 labels, gzip,
    left-posterior-superior, 25 micrometre axes), against the NIfTI of the same voxels."""
    work = workdir("nrrd-allen")
    labels = RNG.choice(np.array([0, 997, 8, 567, 688, 484682470, 614454277], dtype="<u4"), (40, 24, 33))
    text = ("NRRD0004\n# Complete NRRD file format specification at:\n"
            "# http://teem.sourceforge.net/nrrd/format.html\ntype: unsigned int\ndimension: 3\n"
            "space: left-posterior-superior\nsizes: 40 24 33\n"
            "space directions: (25,0,0) (0,25,0) (0,0,25)\nkinds: domain domain domain\n"
            "endian: little\nencoding: gzip\nspace origin: (0,0,0)\n\n")
    path = work / "annotation_25.nrrd"
    path.write_bytes(text.encode() + gzip.compress(labels.tobytes(order="F")))
    voxels, _ = nrrd.read(str(path))
    assert np.array_equal(voxels, labels)
    nifti = work / "annotation_25.nii"
    nib.save(nib.Nifti1Image(voxels, ras_affine(np.diag([25.0] * 3), [0, 0, 0], "lps")), str(nifti))
    nprec("info", path, work / "ours")
    reference("volume-to-precomputed", "--generate-info", nifti, work / "ref")
    same_json(load_json(work / "ours" / "info_fullres.json"), load_json(work / "ref" / "info_fullres.json"))
    assert np.allclose(load_json(work / "ours" / "transform.json"), load_json(work / "ref" / "transform.json"),
                       rtol=1e-12, atol=1e-6)
    for tool in ("ours", "ref"):
        fullres = work / tool / "info_fullres.json"
        info = load_json(fullres)
        info["data_type"] = "uint32"
        fullres.write_text(json.dumps(info))
    nprec("scales", work / "ours" / "info_fullres.json", work / "ours", "--target-chunk-size", "16",
          "--encoding", "compressed_segmentation")
    reference("generate-scales-info", work / "ref" / "info_fullres.json", work / "ref", "--target-chunk-size", "16",
              "--encoding", "compressed_segmentation")
    nprec("convert", path, work / "ours")
    reference("volume-to-precomputed", nifti, work / "ref")
    ours, ref = read_scales(work / "ours", 1), read_scales(work / "ref", 1)
    for key in ref:
        assert np.array_equal(ours[key], ref[key]), key
        assert np.array_equal(ours[key][0], voxels.T), key


def bad_inputs():
    work, path, _, _ = make("uint16_las_gzip_be")
    nprec("info", path, work / "ours")
    nprec("scales", work / "ours" / "info_fullres.json", work / "ours")
    blob = path.read_bytes()
    truncated = work / "truncated.nrrd"
    truncated.write_bytes(blob[: len(blob) * 2 // 3])
    result = nprec("convert", truncated, work / "ours", expect=1)
    assert "truncated.nrrd" in result.stderr and "truncated" in result.stderr, result.stderr
    text = work / "a.nrrd"
    nrrd.write(str(text), values("uint8", (4, 4, 4)), {"encoding": "ascii"})
    result = nprec("info", text, work / "a", expect=1)
    assert "a.nrrd" in result.stderr and "ascii" in result.stderr, result.stderr
    # bzip2 data cut short, and damaged: the same messages as gzip's.
    work, path, _, _ = make("uint16_lps_bzip2")
    nprec("info", path, work / "ours")
    nprec("scales", work / "ours" / "info_fullres.json", work / "ours")
    blob = path.read_bytes()
    truncated = work / "truncated.nrrd"
    truncated.write_bytes(blob[: len(blob) * 2 // 3])
    result = nprec("convert", truncated, work / "ours", expect=1)
    assert "truncated.nrrd" in result.stderr and "file is truncated" in result.stderr, result.stderr
    corrupt = work / "corrupt.nrrd"
    damaged = bytearray(blob)
    for i in range(len(damaged) // 2, len(damaged) // 2 + 16):
        damaged[i] ^= 0x5A
    corrupt.write_bytes(bytes(damaged))
    result = nprec("convert", corrupt, work / "ours", expect=1)
    assert "corrupt.nrrd" in result.stderr and "corrupt bzip2 data" in result.stderr, result.stderr


def bzip2_streams():
    """A detached .raw.bz2 in several concatenated streams, as pbzip2 writes it: nprec reads them
    all, as `bzip2 -d` does (pynrrd and teem stop after the first stream, so the voxels are
    compared with the array written)."""
    work = workdir("nrrd-bzip2-streams")
    voxels = values("uint16", SIZE)
    raw = voxels.astype("<u2").tobytes(order="F")
    third = len(raw) // 3
    (work / "v.raw.bz2").write_bytes(b"".join(bz2.compress(raw[i:i + third]) for i in range(0, len(raw), third)))
    (work / "v.nhdr").write_text(
        "NRRD0004\ntype: unsigned short\ndimension: 3\nsizes: 37 29 23\nendian: little\nencoding: bzip2\n"
        "space: RAS\nspace directions: (0.75,0,0) (0,0.5,0) (0,0,1.5)\ndata file: v.raw.bz2\n")
    ours = work / "ours"
    nprec("info", work / "v.nhdr", ours)
    nprec("scales", ours / "info_fullres.json", ours, "--target-chunk-size", "16")
    nprec("convert", work / "v.nhdr", ours, "--flat", "--no-gzip")
    got = next(iter(read_scales(ours, 1).values()))
    same_voxels(got, voxels.T[np.newaxis], "the array written")


def checks():
    for name in CASES:
        yield f"nrrd info {name} = reference on the NIfTI", lambda n=name: compare_info(n)
        yield f"nrrd convert {name} = pynrrd (reference reader, tensorstore)", lambda n=name: compare_convert(n)
    yield "nrrd Allen-style annotation = reference on the NIfTI (compressed_segmentation)", allen_style
    yield "nrrd bad inputs", bad_inputs
    yield "nrrd bzip2 data in concatenated streams = the array written", bzip2_streams
