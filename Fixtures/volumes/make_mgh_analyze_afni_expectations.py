"""Makes the MGH, Analyze 7.5 and AFNI fixtures in Fixtures/volumes/{mgh,analyze,afni}/ and
records what nibabel reads from each in expectations.json there. Run with the reference venv's
Python (nibabel 5.4.2, scipy):

    /work/main/.venv-reference/bin/python Fixtures/volumes/make_mgh_analyze_afni_expectations.py

For each readable file: the shape nprec sees ([x, y, z] and channels), nibabel's declared dtype
(`dataobj[(0,)*ndim].dtype`), `img.affine`, the slope and intercept of the ArrayProxy, and FNV-1a
64 checksums of the stored values (`get_unscaled`) and of `dataobj` values, little-endian, x
fastest, then y, z, channel. For each broken file: a word its error message must contain.
"""
import json
import pathlib
import shutil

import nibabel as nib
import numpy as np
import scipy.io as sio
from nibabel.spm2analyze import Spm2AnalyzeImage

HERE = pathlib.Path(__file__).resolve().parent
NIBABEL_DATA = pathlib.Path(nib.__file__).parent / "tests" / "data"
RNG = np.random.default_rng(13)
ROTATED = np.array([[0, -1.0, 0, 90], [0.7, 0, 0.7, -126], [0, 0, 1.5, -72], [0, 0, 0, 1]])
TILTED = np.array([[1.1, 0.2, 0, -30.5], [-0.1, 0.9, 0.3, 12.25], [0, -0.2, 1.3, 7], [0, 0, 0, 1]])


def fnv(data):
    value = 0xCBF29CE484222325
    for byte in data:
        value = ((value ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{value:016x}"


def ordered_bytes(array):
    """x fastest, then y, z, channel; little-endian."""
    array = np.asarray(array)
    if array.dtype.fields:  # RGB: components become channels
        array = np.stack([array[name] for name in array.dtype.names], axis=-1)
    while array.ndim < 4:
        array = array[..., np.newaxis]
    array = array.reshape(array.shape[:3] + (-1,), order="F")
    array = array.astype(array.dtype.newbyteorder("<"))
    return np.ascontiguousarray(array.transpose(3, 2, 1, 0)).tobytes()


def record(img):
    proxy = img.dataobj
    first = proxy[(0,) * len(img.shape)]
    raw = proxy.get_unscaled()
    values = np.asarray(proxy)
    channels = int(np.prod(img.shape[3:])) if len(img.shape) > 3 else 1
    if raw.dtype.fields:
        channels *= 3
    slope = getattr(proxy, "slope", 1.0)
    inter = getattr(proxy, "inter", 0.0)
    return {
        "size": [int(n) for n in (list(img.shape[:3]) + [1, 1, 1])[:3]],
        "channels": channels,
        "declared": "uint8" if first.dtype.fields else first.dtype.name,
        "stored": "uint8" if raw.dtype.fields else raw.dtype.newbyteorder("=").name,
        "affine": np.asarray(img.affine, dtype=np.float64).tolist(),
        "slope": float(slope),
        "inter": float(inter),
        "raw_fnv": fnv(ordered_bytes(raw)),
        "values_fnv": fnv(ordered_bytes(values)),
    }


def values(dtype, shape):
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return (RNG.standard_normal(shape) * 300 + 50).astype(dtype)
    info = np.iinfo(dtype)
    return RNG.integers(max(info.min, -40000), min(info.max, 70000), shape, endpoint=True).astype(dtype)


def fresh(name):
    directory = HERE / name
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    return directory


def write(directory, readable, errors):
    (directory / "expectations.json").write_text(
        json.dumps({"files": readable, "errors": errors}, indent=1, sort_keys=True) + "\n")


# MARK: - MGH


def mgh():
    d = fresh("mgh")
    shutil.copy(NIBABEL_DATA / "test.mgz", d / "test.mgz")
    made = {
        "uint8_rotated.mgh": ("uint8", (5, 6, 7), ROTATED),
        "int32_4d.mgz": ("int32", (4, 5, 6, 3), TILTED),
        "int16_odd.mgh": ("int16", (7, 3, 5), TILTED),
        "uint16.mgz": ("uint16", (6, 5, 4), ROTATED),
        "float32_tilted.mgz": ("float32", (9, 8, 7), TILTED),
        "float32_4d.mgh": ("float32", (3, 4, 2, 2), ROTATED),
        "noras.mgh": ("uint8", (4, 3, 2), ROTATED),
    }
    for name, (dtype, shape, affine) in made.items():
        nib.save(nib.MGHImage(values(dtype, shape), affine), str(d / name))
    # goodRASFlag 0: nibabel replaces delta, Mdc and Pxyz_c by its defaults.
    blob = bytearray((d / "noras.mgh").read_bytes())
    blob[28:30] = (0).to_bytes(2, "big")
    (d / "noras.mgh").write_bytes(bytes(blob))
    # An .mgz renamed .nii.gz: nibabel.load fails on it (wrong extension); MGHImage reads it.
    shutil.copy(d / "int32_4d.mgz", d / "renamed_mgz.nii.gz")
    readable = {}
    for name in ["test.mgz", *made]:
        readable[name] = record(nib.MGHImage.from_filename(str(d / name)))
    readable["renamed_mgz.nii.gz"] = readable["int32_4d.mgz"]
    # Broken files.
    blob = (d / "float32_tilted.mgz").read_bytes()
    (d / "truncated.mgz").write_bytes(blob[: len(blob) // 2])
    blob = (d / "int16_odd.mgh").read_bytes()
    (d / "truncated.mgh").write_bytes(blob[:300])
    (d / "truncated_header.mgh").write_bytes(blob[:40])
    bad = bytearray(blob)
    bad[20:24] = (2).to_bytes(4, "big")
    (d / "badtype.mgh").write_bytes(bytes(bad))
    bad = bytearray(blob)
    bad[0:4] = (2).to_bytes(4, "big")
    (d / "badversion.mgh").write_bytes(bytes(bad))
    errors = {
        "truncated.mgz": "truncated", "truncated.mgh": "truncated", "truncated_header.mgh": "truncated",
        "badtype.mgh": "data type code 2", "badversion.mgh": "version 2",
    }
    write(d, readable, errors)


# MARK: - Analyze


def patch(path, offset, dtype, value):
    blob = bytearray(path.read_bytes())
    blob[offset:offset + np.dtype(dtype).itemsize] = np.array(value, dtype=dtype).tobytes()
    path.write_bytes(bytes(blob))


def analyze_pattern():
    """The .img the tests write beside nibabel's analyze.hdr (which comes without one)."""
    return (np.arange(91 * 109 * 91, dtype=np.int64) * 7 % 256).astype(np.uint8).tobytes()


def analyze():
    d = fresh("analyze")
    shutil.copy(NIBABEL_DATA / "analyze.hdr", d / "analyze.hdr")
    readable = {}
    # Plain Analyze writer (no .mat, no origin): nibabel.load reads them as SPM2, centre affine.
    nib.save(nib.AnalyzeImage(values("int16", (6, 5, 4)), np.diag([2.0, 3, 4, 1])), str(d / "int16_le.hdr"))
    img = nib.AnalyzeImage(values("float32", (5, 4, 3, 2)), np.diag([1.5, 1, 2, 1]))
    img = nib.AnalyzeImage(img.get_fdata().astype("f4"), img.affine,
                           header=img.header.as_byteswapped(">"))
    nib.save(img, str(d / "float32_be.hdr"))
    nib.save(nib.AnalyzeImage(values("int32", (4, 6, 5)), np.eye(4)), str(d / "int32_gz.hdr.gz"))
    rgb = np.zeros((4, 3, 2), dtype=[("R", "u1"), ("G", "u1"), ("B", "u1")])
    for channel in "RGB":
        rgb[channel] = RNG.integers(0, 255, rgb.shape, endpoint=True)
    nib.save(nib.AnalyzeImage(rgb, np.eye(4)), str(d / "rgb.hdr"))
    # SPM origin, no .mat.
    nib.save(nib.AnalyzeImage(values("int16", (7, 6, 5)), np.diag([2.0, 2, 3, 1])), str(d / "origin.hdr"))
    patch(d / "origin.hdr", 253, "<i2", [3, 2, 4])
    # gl/cal scaling (scl_slope 0).
    nib.save(nib.AnalyzeImage(values("int16", (5, 5, 3)), np.eye(4)), str(d / "glcal.hdr"))
    patch(d / "glcal.hdr", 112, "<f4", 0.0)
    patch(d / "glcal.hdr", 124, "<f4", [5.0, -1.5])
    patch(d / "glcal.hdr", 140, "<i4", [100, -10])
    # SPM2 writer: scl_slope and a level-4 .mat holding 'M' and 'mat' (the rotated affine).
    img = Spm2AnalyzeImage(values("uint8", (6, 5, 4)).astype("f8"), ROTATED)
    img.set_data_dtype(np.uint8)
    img.header.set_slope_inter(0.5)
    Spm2AnalyzeImage.to_filename(img, str(d / "spm2_scaled.hdr"))
    patch(d / "spm2_scaled.hdr", 112, "<f4", [0.5, 3.0])  # slope 0.5, scl_inter 3
    # Only 'M', in a compressed level-5 .mat (SPM's own way), big-endian header.
    img = nib.AnalyzeImage(values("float32", (4, 5, 3)), np.eye(4))
    img = nib.AnalyzeImage(img.get_fdata().astype("f4"), img.affine, header=img.header.as_byteswapped(">"))
    nib.save(img, str(d / "mat_m.hdr"))
    sio.savemat(str(d / "mat_m.mat"), {"M": TILTED}, format="5", do_compression=True)
    names = ["int16_le.hdr", "float32_be.hdr", "int32_gz.hdr.gz", "rgb.hdr", "origin.hdr", "glcal.hdr",
             "spm2_scaled.hdr", "mat_m.hdr"]
    for name in names:
        loaded = nib.load(str(d / name))
        assert isinstance(loaded, Spm2AnalyzeImage), (name, type(loaded))
        readable[name] = record(loaded)
    # nibabel's analyze.hdr, with the pattern .img the tests write beside it.
    (d / "analyze.img").write_bytes(analyze_pattern())
    readable["analyze.hdr"] = record(nib.load(str(d / "analyze.hdr")))
    (d / "analyze.img").unlink()
    # Broken pairs.
    shutil.copy(d / "int16_le.hdr", d / "truncated.hdr")
    (d / "truncated.img").write_bytes((d / "int16_le.img").read_bytes()[:100])
    shutil.copy(d / "int16_le.hdr", d / "complex.hdr")
    shutil.copy(d / "int16_le.img", d / "complex.img")
    patch(d / "complex.hdr", 70, "<i2", 32)
    shutil.copy(d / "int16_le.hdr", d / "badmat.hdr")
    shutil.copy(d / "int16_le.img", d / "badmat.img")
    sio.savemat(str(d / "badmat.mat"), {"other": np.eye(4)}, format="4")
    errors = {"truncated.hdr": "truncated", "complex.hdr": "complex64", "badmat.hdr": "no \"mat\" or \"M\""}
    write(d, readable, errors)


# MARK: - AFNI


def head_text(attributes, newline="\n"):
    """A .HEAD file: one blank-line separated entry per attribute."""
    text = ""
    for name, (kind, value) in attributes.items():
        if kind == "string":
            body, count = f"'{value}~", len(value) + 1
        else:
            items = [str(v) for v in value]
            body, count = " " + " ".join(items), len(items)
        text += f"\ntype = {kind}-attribute\nname = {name}\ncount = {count}\n{body}\n"
    return text.replace("\n", newline)


def afni_dataset(directory, stem, data, affine12, order="LSB_FIRST", facs=None, gz=False, newline="\n"):
    shape = data.shape if data.ndim == 4 else data.shape + (1,)
    code = {np.dtype("uint8"): 0, np.dtype("int16"): 1, np.dtype("float32"): 3}[data.dtype]
    attributes = {
        "DATASET_RANK": ("integer", [3, shape[3], 0, 0, 0, 0, 0, 0]),
        "DATASET_DIMENSIONS": ("integer", [*shape[:3], 0, 0]),
        "BRICK_TYPES": ("integer", [code] * shape[3]),
        "IJK_TO_DICOM_REAL": ("float", affine12),
        "DELTA": ("float", [abs(affine12[0]) or 1, abs(affine12[5]) or 1, abs(affine12[10]) or 1]),
        "BYTEORDER_STRING": ("string", order),
    }
    if facs is not None:
        attributes["BRICK_FLOAT_FACS"] = ("float", facs)
    (directory / f"{stem}.HEAD").write_text(head_text(attributes, newline), newline="")
    stored = data.reshape(shape).astype(data.dtype.newbyteorder("<" if order == "LSB_FIRST" else ">"))
    blob = b"".join(stored[..., v].tobytes(order="F") for v in range(shape[3]))
    if gz:
        import gzip
        (directory / f"{stem}.BRIK.gz").write_bytes(gzip.compress(blob))
    else:
        (directory / f"{stem}.BRIK").write_bytes(blob)


def afni():
    d = fresh("afni")
    for name in ["example4d+orig.HEAD", "example4d+orig.BRIK.gz", "scaled+tlrc.HEAD", "scaled+tlrc.BRIK",
                 "bad_attribute+orig.HEAD", "bad_datatype+orig.HEAD"]:
        shutil.copy(NIBABEL_DATA / name, d / name)
    tilted = [1.1, 0.2, 0, -30.5, -0.1, 0.9, 0.3, 12.25, 0, -0.2, 1.3, 7]
    afni_dataset(d, "float_be+orig", values("float32", (5, 4, 3, 3)), tilted, order="MSB_FIRST", facs=[0, 2.5, 0])
    afni_dataset(d, "uint8_gz+tlrc", values("uint8", (4, 3, 2)), [2, 0, 0, 1, 0, 2, 0, 2, 0, 0, 2, 3], gz=True)
    afni_dataset(d, "int16_crlf+orig", values("int16", (3, 4, 5, 2)), tilted, facs=[0.5, 0.25], newline="\r\n")
    readable = {}
    for name in ["example4d+orig.HEAD", "scaled+tlrc.HEAD", "float_be+orig.HEAD", "uint8_gz+tlrc.HEAD",
                 "int16_crlf+orig.HEAD"]:
        readable[name] = record(nib.load(str(d / name)))
    afni_dataset(d, "truncated+orig", values("int16", (6, 5, 4)), tilted)
    blob = (d / "truncated+orig.BRIK").read_bytes()
    (d / "truncated+orig.BRIK").write_bytes(blob[: len(blob) // 3])
    errors = {
        "bad_attribute+orig.HEAD": "improper type casting", "bad_datatype+orig.HEAD": "multiple data types",
        "truncated+orig.HEAD": "truncated",
    }
    write(d, readable, errors)


if __name__ == "__main__":
    mgh()
    analyze()
    afni()
