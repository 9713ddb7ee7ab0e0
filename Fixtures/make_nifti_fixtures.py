#!/usr/bin/env python3
"""Writes the NIfTI fixtures in Fixtures/nifti/ with nibabel, and beside each one a JSON
file with what nibabel reports for it.

Run with the reference virtual environment:

    .venv-reference/bin/python Fixtures/make_nifti_fixtures.py

Everything is deterministic: the voxel values come from fixed formulas, and gzip files are
written by this script with mtime 0 and no file name in the gzip header.

For each fixture NAME.EXT the script writes:

* NAME.json: what nibabel reports (header fields after nibabel's checks and fixes, affine,
  voxel sizes, shape, the numpy dtype name of `img.dataobj[(0,)*ndim]` with and without
  scaling, the scaling nibabel applies);
* NAME.raw.bin: the stored (unscaled) voxel values, little-endian, in the layout of
  `NIfTIVolume.readSlab(0..<z)`: x fastest, then y, then z, then channel (the t volumes,
  and for RGB/RGBA the colour component inside each t volume);
* NAME.scaled.bin (scaled fixtures only): `np.asanyarray(img.dataobj)` as float64,
  little-endian, Fortran order.

Broken files for the error tests are listed in errors.json.
"""

import gzip
import json
import math
import os
import shutil
import tempfile

import nibabel as nib
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "nifti")

RGB = np.dtype([("R", "u1"), ("G", "u1"), ("B", "u1")])
RGBA = np.dtype([("R", "u1"), ("G", "u1"), ("B", "u1"), ("A", "u1")])

# Offsets of header fields patched after nibabel writes a file: (NIfTI-1, NIfTI-2).
SLOPE_OFFSET = {1: 112, 2: 176}
INTER_OFFSET = {1: 116, 2: 184}


# ---------------------------------------------------------------------------------------
# Voxel values


def values(dtype, shape):
    """Deterministic values of `dtype` filling `shape`, touching every byte of the type."""
    count = int(np.prod(shape))
    index = np.arange(count, dtype=np.uint64)
    dtype = np.dtype(dtype)
    if dtype == RGB or dtype == RGBA:
        out = np.zeros(count, dtype=dtype)
        for k, name in enumerate(dtype.names):
            out[name] = ((index * np.uint64(37 + 20 * k) + np.uint64(11 * k)) % np.uint64(256)).astype(
                np.uint8
            )
        return out.reshape(shape, order="F")
    if dtype.kind in "iu":
        bits = dtype.itemsize * 8
        mask = (1 << bits) - 1
        unsigned = np.dtype(f"u{dtype.itemsize}")
        raw = [((int(i) * 0x9E3779B97F4A7C15 + 0x0123456789ABCDEF) >> 7) & mask for i in index]
        out = np.array(raw, dtype=unsigned).view(dtype.newbyteorder("="))
        # The type's extremes, to catch sign and swap mistakes.
        info = np.iinfo(dtype)
        out[1] = info.min
        out[2] = info.max
        return out.reshape(shape, order="F")
    # Floats: fractional values of both signs, plus a few special values.
    base = ((index * np.uint64(37)) % np.uint64(101)).astype(np.float64) - 50.0
    out = (base * 0.37 + index.astype(np.float64) * 1e-3).astype(dtype.newbyteorder("="))
    if count > 5:
        out[3] = np.inf
        out[4] = -0.0
        out[5] = np.nan
    return out.reshape(shape, order="F")


# ---------------------------------------------------------------------------------------
# Affines


def rotation(axis, degrees):
    axis = np.asarray(axis, dtype=np.float64)
    axis = axis / np.linalg.norm(axis)
    angle = math.radians(degrees)
    x, y, z = axis
    c, s = math.cos(angle), math.sin(angle)
    C = 1 - c
    return np.array(
        [
            [x * x * C + c, x * y * C - z * s, x * z * C + y * s],
            [y * x * C + z * s, y * y * C + c, y * z * C - x * s],
            [z * x * C - y * s, z * y * C + x * s, z * z * C + c],
        ]
    )


def affine(rot, zooms, offset):
    out = np.eye(4)
    out[:3, :3] = rot @ np.diag(zooms)
    out[:3, 3] = offset
    return out


ROTATED = affine(rotation([1, 2, 3], 30), [1.5, 2.0, 2.5], [-20.25, 13.5, 7.125])
REFLECTED = affine(rotation([0, 1, 1], 75), [0.8, 0.8, 3.0], [90.0, -126.0, -72.0]) @ np.diag(
    [1, 1, -1, 1]
)
SHEARED = np.array(
    [
        [-0.9, 0.1, 0.05, 45.5],
        [0.2, 1.1, -0.3, -60.25],
        [0.0, 0.15, 2.2, -30.0],
        [0.0, 0.0, 0.0, 1.0],
    ]
)


def set_sform_only(matrix, zooms=(1.0, 1.0, 1.0)):
    def setup(hdr):
        hdr.set_zooms(tuple(zooms) + (1.0,) * (len(hdr.get_data_shape()) - 3))
        hdr.set_sform(matrix, code="aligned")
        hdr.set_qform(None, code="unknown")

    return setup


def set_qform_only(matrix, code="scanner"):
    def setup(hdr):
        hdr.set_qform(matrix, code=code)
        hdr.set_sform(None, code="unknown")

    return setup


def set_both(qmatrix, smatrix):
    def setup(hdr):
        hdr.set_qform(qmatrix, code="scanner")
        hdr.set_sform(smatrix, code="mni")

    return setup


def set_no_form(zooms):
    def setup(hdr):
        ndim = len(hdr.get_data_shape())
        hdr.set_zooms(tuple(zooms)[:ndim] + (1.0,) * max(0, ndim - len(zooms)))
        hdr.set_qform(None, code="unknown")
        hdr.set_sform(None, code="unknown")

    return setup


def default_setup(hdr):
    """A plain diagonal qform and sform, the way most tools write files."""
    matrix = np.diag([1.25, 1.5, 2.0, 1.0])
    matrix[:3, 3] = [-4.0, -3.0, -2.0]
    hdr.set_qform(matrix, code="scanner")
    hdr.set_sform(matrix, code="scanner")


# ---------------------------------------------------------------------------------------
# Writing


def image_class(version, pair):
    if version == 1:
        return nib.Nifti1Pair if pair else nib.Nifti1Image
    return nib.Nifti2Pair if pair else nib.Nifti2Image


def gzip_file(path):
    with open(path, "rb") as f:
        data = f.read()
    with open(path + ".gz", "wb") as f:
        # mtime 0 and no file name: the same bytes on every run.
        with gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0, compresslevel=9) as z:
            z.write(data)
    os.remove(path)


def patch_header(path, version, endian, patch):
    """Rewrites header fields of the (uncompressed) file at `path` without nibabel's checks."""
    klass = nib.Nifti1Header if version == 1 else nib.Nifti2Header
    with open(path, "rb") as f:
        data = bytearray(f.read())
    size = klass.sizeof_hdr
    hdr = klass(bytes(data[:size]), endianness=endian, check=False)
    patch(hdr._structarr)
    data[:size] = hdr.binaryblock
    with open(path, "wb") as f:
        f.write(data)


def slab_layout(raw):
    """Stored values in readSlab's layout: x, y, z, then channel (t volumes, colour inside)."""
    if raw.dtype.names:
        comps = np.stack([raw[name] for name in raw.dtype.names], axis=-1)  # (..., k)
        # Put the colour component before the non-spatial axes: (x, y, z, k, t...).
        spatial = comps.ndim - 1
        comps = np.moveaxis(comps, -1, min(3, spatial))
        return comps.astype("<u1").tobytes(order="F")
    return raw.astype(raw.dtype.newbyteorder("<")).tobytes(order="F")


def json_number(value):
    value = float(value)
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value


def dtype_name(dtype):
    """Our NIfTIDataType case name for a stored dtype."""
    if dtype.names:
        return "rgb24" if len(dtype.names) == 3 else "rgba32"
    return {
        "uint8": "uint8",
        "int8": "int8",
        "uint16": "uint16",
        "int16": "int16",
        "uint32": "uint32",
        "int32": "int32",
        "uint64": "uint64",
        "int64": "int64",
        "float32": "float32",
        "float64": "float64",
    }[dtype.newbyteorder("=").name]


def report(name, files, version):
    """Loads the fixture with nibabel and writes NAME.json (and the .bin files)."""
    path = os.path.join(OUT, files[0])
    img = nib.load(path)
    header_path = path
    opener = gzip.open if header_path.endswith(".gz") else open
    header_klass = nib.Nifti1Header if version == 1 else nib.Nifti2Header
    with opener(header_path, "rb") as f:
        # check=True applies nibabel's fixes, as nib.load does.
        hdr = header_klass.from_fileobj(f)
    s = hdr.structarr
    shape = img.shape
    proxy = img.dataobj
    zero = tuple(0 for _ in shape)
    scaled_name = proxy[zero].dtype.name
    scaled = np.asanyarray(proxy)
    slope, inter = proxy.slope, proxy.inter
    proxy_unscaled = nib.load(path).dataobj
    proxy_unscaled._slope = 1.0
    proxy_unscaled._inter = 0.0
    unscaled_name = proxy_unscaled[zero].dtype.name
    raw = np.asanyarray(proxy.get_unscaled())
    is_scaled = scaled.dtype != raw.dtype
    stored = img.get_data_dtype()

    with open(os.path.join(OUT, name + ".raw.bin"), "wb") as f:
        f.write(slab_layout(raw))
    if is_scaled:
        with open(os.path.join(OUT, name + ".scaled.bin"), "wb") as f:
            f.write(scaled.astype("<f8").tobytes(order="F"))

    ndim = int(s["dim"][0])
    info = {
        "files": files,
        "version": version,
        "little_endian": hdr.endianness == "<",
        "dim": [int(d) for d in s["dim"][1 : ndim + 1]],
        "shape": [int(d) for d in shape],
        "data_type": dtype_name(stored),
        "stored_dtype_name": stored.name,
        "pixdim": [json_number(p) for p in s["pixdim"]],
        "vox_offset": int(hdr.get_data_offset()),
        "scl_slope": json_number(s["scl_slope"]),
        "scl_inter": json_number(s["scl_inter"]),
        "qform_code": int(s["qform_code"]),
        "sform_code": int(s["sform_code"]),
        "xyzt_units": int(s["xyzt_units"]),
        "affine": [[json_number(v) for v in row] for row in img.affine],
        "voxel_sizes": [json_number(v) for v in nib.affines.voxel_sizes(img.affine)],
        "scaled_dtype_name": scaled_name,
        "unscaled_dtype_name": unscaled_name,
        # The slope and intercept nibabel's ArrayProxy applies, or null when it applies none.
        "scaling": None if (float(slope), float(inter)) == (1.0, 0.0) else [float(slope), float(inter)],
        "raw_bin": name + ".raw.bin",
        "scaled_bin": name + ".scaled.bin" if is_scaled else None,
    }
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(info, f, indent=1, sort_keys=True)
        f.write("\n")
    return info


def make(
    name,
    data,
    *,
    version=1,
    endian="<",
    pair=False,
    gz=False,
    setup=default_setup,
    patch=None,
    extension=None,
    xyzt_units=(2, 8),
):
    """Writes one fixture NAME.nii[.gz] or NAME.hdr/.img[.gz] and its report."""
    klass = image_class(version, pair)
    hdr = klass.header_class(endianness=endian)
    hdr.set_data_dtype(data.dtype)
    hdr.set_data_shape(data.shape)
    hdr.set_xyzt_units(*xyzt_units)
    setup(hdr)
    img = klass(data, None, header=hdr)
    if extension is not None:
        img.header.extensions.append(nib.nifti1.Nifti1Extension("comment", extension))
    with tempfile.TemporaryDirectory() as tmp:
        base = os.path.join(tmp, name)
        if pair:
            nib.save(img, base + ".img")
            written = [name + ".hdr", name + ".img"]
        else:
            nib.save(img, base + ".nii")
            written = [name + ".nii"]
        header_file = os.path.join(tmp, written[0])
        assert nib.load(header_file).header.endianness == endian
        if patch is not None:
            patch_header(header_file, version, endian, patch)
        if gz:
            for w in written:
                gzip_file(os.path.join(tmp, w))
            written = [w + ".gz" for w in written]
        for w in written:
            shutil.move(os.path.join(tmp, w), os.path.join(OUT, w))
    return report(name, written, version)


def set_scaling(version, slope, inter):
    def patch(s):
        s["scl_slope"] = slope
        s["scl_inter"] = inter

    return patch


# ---------------------------------------------------------------------------------------
# The fixtures


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    index = []

    def add(info):
        index.append(info["files"][0])

    shape = (7, 5, 3)
    plain = ["uint8", "int8", "uint16", "int16", "uint32", "int32", "uint64", "int64", "float32", "float64"]

    # Every storage type, both byte orders, .nii and .nii.gz.
    for dt in plain:
        add(make(f"{dt}_le", values(dt, shape)))
        add(make(f"{dt}_be", values(np.dtype(dt).newbyteorder(">"), shape), endian=">", gz=True))
    add(make("rgb24_le", values(RGB, shape)))
    add(make("rgb24_be", values(RGB, (4, 3, 2)), endian=">", gz=True))
    add(make("rgba32_le", values(RGBA, (5, 4, 3))))

    # Analyze-style pairs.
    add(make("int16_pair_le", values("int16", (6, 4, 3)), pair=True))
    add(make("float32_pair_be", values(">f4", (5, 3, 4)), endian=">", pair=True, setup=set_qform_only(ROTATED)))
    add(make("uint8_pair_gz", values("uint8", (4, 4, 2)), pair=True, gz=True))

    # NIfTI-2.
    add(make("int16_nifti2_le", values("int16", shape), version=2, setup=set_sform_only(SHEARED)))
    add(make("float64_nifti2_be", values(">f8", (3, 4, 5)), version=2, endian=">", gz=True, setup=set_qform_only(REFLECTED)))
    add(make("uint16_nifti2_pair", values("uint16", (4, 3, 2)), version=2, pair=True, setup=set_no_form((0.5, 0.75, 1.25))))
    add(make("float32_nifti2_scaled", values("float32", (3, 3, 3)), version=2, patch=set_scaling(2, 0.1, -7.25)))

    # More than three dimensions: the 4th and later axes become channels.
    add(make("uint8_4d", values("uint8", (7, 5, 3, 3)), gz=True))
    add(make("int16_4d_be", values(">i2", (6, 4, 5, 2)), endian=">"))
    add(make("float32_5d", values("float32", (3, 2, 4, 2, 2)), setup=set_sform_only(ROTATED)))
    add(make("rgb24_4d", values(RGB, (4, 3, 2, 2))))
    add(make("int16_2d", values("int16", (7, 5)), setup=set_no_form((0.7, 1.3))))

    # Scaling: slope and intercept, intercept only, identity, slope 0 and NaN (no scaling).
    add(make("int16_scaled", values("int16", shape), patch=set_scaling(1, 0.5, -10.0)))
    add(make("uint8_inter_only", values("uint8", shape), patch=set_scaling(1, 1.0, 3.0)))
    add(make("float32_scaled", values("float32", shape), gz=True, patch=set_scaling(1, 2.0, 1.0)))
    add(make("float64_scaled_be", values(">f8", (3, 3, 2)), endian=">", patch=set_scaling(1, -1.5, 0.25)))
    add(make("int32_identity_scaling", values("int32", (3, 3, 2)), patch=set_scaling(1, 1.0, 0.0)))
    add(make("uint16_slope_zero", values("uint16", (3, 3, 2)), patch=set_scaling(1, 0.0, 5.0)))
    add(make("int8_slope_nan", values("int8", (3, 3, 2)), patch=set_scaling(1, np.nan, np.nan)))
    add(make("uint64_scaled", values("uint64", (3, 3, 2)), patch=set_scaling(1, 3.0, 0.0)))
    add(make("rgb24_slope_nan", values(RGB, (3, 2, 2)), patch=set_scaling(1, np.nan, 0.0)))

    # Affine selection: sform only, qform only, both (sform wins), neither (pixdim fallback).
    add(make("sform_only", values("int16", shape), setup=set_sform_only(SHEARED, (0.9, 1.1, 2.2))))
    add(make("qform_only", values("int16", shape), setup=set_qform_only(ROTATED)))
    add(make("qform_reflected", values("uint8", shape), setup=set_qform_only(REFLECTED, code="talairach")))
    add(make("qform_and_sform", values("uint8", shape), setup=set_both(ROTATED, SHEARED)))
    add(make("no_form", values("uint8", shape), setup=set_no_form((2.0, 3.0, 1.5)), xyzt_units=(3, 16)))

    def half_turn(s):
        # A 180 degree rotation about x: b = 1, so w = 0 (nibabel's threshold branch).
        s["quatern_b"], s["quatern_c"], s["quatern_d"] = 1.0, 0.0, 0.0
        s["qform_code"] = 1
        s["sform_code"] = 0

    add(make("qform_half_turn", values("uint8", (3, 3, 3)), setup=set_qform_only(ROTATED), patch=half_turn))

    def needs_fixes(s):
        # nibabel fixes these on load: qfac 0 -> 1, negative pixdim -> abs, zero pixdim -> 1,
        # an invalid sform code -> 0 (so the qform is used).
        s["pixdim"][0] = 0.0
        s["pixdim"][2] = -2.5
        s["pixdim"][3] = 0.0
        s["qform_code"] = 1
        s["sform_code"] = 9

    add(make("fixups", values("int16", (4, 3, 2)), setup=set_qform_only(ROTATED), patch=needs_fixes))

    def invalid_qform_code(s):
        s["qform_code"] = 12
        s["sform_code"] = 0

    add(make("invalid_qform_code", values("uint8", (4, 3, 2)), setup=set_qform_only(ROTATED), patch=invalid_qform_code))

    # A header extension pushes the data beyond byte 352.
    add(make("extension", values("float32", (4, 3, 2)), extension=b"nprec fixture with an extension"))

    with open(os.path.join(OUT, "index.json"), "w") as f:
        json.dump(sorted(index), f, indent=1)
        f.write("\n")

    make_broken()


def make_broken():
    """Broken files for the error tests, described in errors.json."""
    errors = {}
    source = os.path.join(OUT, "int16_le.nii")
    with open(source, "rb") as f:
        good = f.read()

    def write(name, data, expect):
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
        errors[name] = expect

    write("truncated.nii", good[:-10], "truncated")
    write("truncated_header.nii", good[:200], "truncated")
    big = values("int32", (16, 16, 16))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "big.nii")
        nib.save(nib.Nifti1Image(big, np.eye(4), dtype=np.int32), path)
        with open(path, "rb") as f:
            full = f.read()
    compressed = gzip.compress(full, compresslevel=9, mtime=0)
    write("truncated.nii.gz", compressed[: len(compressed) // 2], "truncated")
    corrupt = bytearray(compressed)
    for i in range(len(corrupt) // 3, len(corrupt) // 3 + 16):
        corrupt[i] ^= 0x5A
    write("corrupt.nii.gz", bytes(corrupt), "corrupt")
    bad = bytearray(good)
    bad[344:348] = b"xyz\0"
    write("badmagic.nii", bytes(bad), "magic")
    write("notnifti.nii", b"this is not a NIfTI file at all\n" * 16, "NIfTI")
    with open(os.path.join(OUT, "int16_pair_le.hdr"), "rb") as f:
        write("orphan.hdr", f.read(), ".img")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "complex.nii")
        data = (np.arange(8) + 1j * np.arange(8)).astype(np.complex64).reshape(2, 2, 2)
        nib.save(nib.Nifti1Image(data, np.eye(4)), path)
        with open(path, "rb") as f:
            write("complex64.nii", f.read(), "complex64")

    with open(os.path.join(OUT, "errors.json"), "w") as f:
        json.dump(errors, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
