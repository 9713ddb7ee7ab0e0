"""Makes the NRRD fixtures of Fixtures/volumes/nrrd/ with pynrrd (plus one hand-written file in
the style of the Allen mouse brain atlas, a bzip2 data file in two streams, and broken files), and
expectations.json: for each readable file what nprec must report, from pynrrd's array and header.

- size [x, y, z] and channels: the three axes with a space direction, and the one `none` axis
  (first: interleaved components; last: volumes) as channels;
- data_type: pynrrd's dtype name;
- affine: the RAS affine that the data saved as NIfTI would carry: space directions as columns,
  space origin as translation, rows x and y negated for LPS, row x for LAS; without space
  directions, diag(spacings) with the origin at 0;
- slab: base64 of the voxels as `VolumeFile.readSlab` returns them, little-endian, x fastest,
  then y, z, channel (the array moved to (x, y, z, channels), channel = volume * components +
  component).

Broken files go to errors.json with a word their error message must contain.

Run with the reference venv: .venv-reference/bin/python Fixtures/volumes/make_nrrd_fixtures.py
"""
import base64
import bz2
import gzip
import json
import pathlib
import shutil

import nrrd
import numpy as np

OUT = pathlib.Path(__file__).resolve().parent / "nrrd"
RNG = np.random.default_rng(20250613)
TYPES = ["int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64", "float32", "float64"]
SIZE = (5, 4, 3)
OBLIQUE = [[0.0, -1.5, 0.25], [1.25, 0.0, 0.0], [0.0, 0.5, 2.0]]  # columns are the axes' directions


def values(dtype, shape):
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return (RNG.standard_normal(shape) * 1000).astype(dtype)
    info = np.iinfo(dtype)
    return RNG.integers(info.min, info.max, shape, endpoint=True, dtype=dtype)


def directions(columns):
    """pynrrd's space directions (one row per axis) from a 3x3 matrix whose columns are the axes."""
    return np.array(columns, dtype=float).T


def ras_affine(header):
    spatial = [i for i in range(header["dimension"])]
    dirs = header.get("space directions")
    affine = np.eye(4)
    if dirs is not None:
        rows = [np.asarray(row, dtype=float) for row in dirs]
        spatial = [i for i, row in enumerate(rows) if not np.isnan(row).any()]
        for column, axis in enumerate(spatial):
            affine[:3, column] = rows[axis]
    else:
        spacings = header.get("spacings", [1.0] * header["dimension"])
        for column in range(3):
            affine[column, column] = spacings[column]
    if "space origin" in header:
        affine[:3, 3] = header["space origin"]
    space = header.get("space", "right-anterior-superior").lower()
    flips = {"left-posterior-superior": (0, 1), "lps": (0, 1), "left-anterior-superior": (0,), "las": (0,)}
    for row in flips.get(space, ()):
        affine[row, :] = -affine[row, :]
    affine[affine == 0] = 0.0  # no negative zeros
    return affine


def expectation(path, first_none=False, last_none=False):
    data, header = nrrd.read(str(path))
    array = data
    components = 1
    if first_none:
        components = array.shape[0]
        array = np.moveaxis(array, 0, -1)  # (x, y, z, [t,] c)
    if array.ndim == 3:
        array = array[..., np.newaxis]
    elif array.ndim == 5:
        array = array.reshape(array.shape[:3] + (-1,))  # channel = t * components + c
    slab = np.asfortranarray(array.astype(array.dtype.newbyteorder("<")))
    return {
        "size": [int(s) for s in array.shape[:3]],
        "channels": int(array.shape[3]),
        "components": components,
        "data_type": data.dtype.name,
        "affine": ras_affine(header).tolist(),
        "slab": base64.b64encode(slab.tobytes(order="F")).decode(),
    }


def main():
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    expected = {}
    errors = {}
    lps = {"space": "left-posterior-superior", "space directions": directions(OBLIQUE),
           "space origin": np.array([10.5, -20.25, 3.0])}

    # Every type, little-endian raw and big-endian gzip.
    for dtype in TYPES:
        data = values(dtype, SIZE)
        for endian, encoding in (("little", "raw"), ("big", "gzip")):
            name = f"{dtype}_{endian}_{encoding}.nrrd"
            header = dict(lps, endian=endian, encoding=encoding)
            nrrd.write(str(OUT / name), data, header)
            expected[name] = expectation(OUT / name)

    # Spaces: RAS, LAS, LPS spelled as the short names.
    data = values("int16", (6, 5, 4))
    for space in ("right-anterior-superior", "left-anterior-superior", "RAS", "LAS", "LPS"):
        name = f"space_{space}.nrrd"
        header = {"space": space, "space directions": directions([[0.5, 0, 0], [0, 0.75, 0], [0, 0, 1.5]]),
                  "space origin": np.array([-3.0, 4.5, 6.25]), "encoding": "gzip", "endian": "little"}
        nrrd.write(str(OUT / name), data, header)
        expected[name] = expectation(OUT / name)

    # Detached headers: raw and gzip data files.
    for encoding in ("raw", "gzip"):
        name = f"detached_{encoding}.nhdr"
        header = dict(lps, encoding=encoding, endian="big")
        nrrd.write(str(OUT / name), values("float32", SIZE), header, detached_header=True)
        expected[name] = expectation(OUT / name)

    # 4-D: a `none` axis first (3 interleaved components) and last (2 volumes).
    vector_dirs = np.vstack([[np.nan] * 3, directions(OBLIQUE)])
    nrrd.write(str(OUT / "vector_first.nrrd"), values("float32", (3,) + SIZE),
               dict(lps, **{"space directions": vector_dirs, "kinds": ["vector", "domain", "domain", "domain"],
                            "encoding": "gzip", "endian": "little"}))
    expected["vector_first.nrrd"] = expectation(OUT / "vector_first.nrrd", first_none=True)
    nrrd.write(str(OUT / "rgb_first.nrrd"), values("uint8", (3,) + SIZE),
               dict(lps, **{"space directions": vector_dirs, "kinds": ["RGB-color", "space", "space", "space"],
                            "encoding": "raw"}))
    expected["rgb_first.nrrd"] = expectation(OUT / "rgb_first.nrrd", first_none=True)
    time_dirs = np.vstack([directions(OBLIQUE), [np.nan] * 3])
    nrrd.write(str(OUT / "time_last.nrrd"), values("uint16", SIZE + (2,)),
               dict(lps, **{"space directions": time_dirs, "kinds": ["domain", "domain", "domain", "list"],
                            "encoding": "raw", "endian": "big"}))
    expected["time_last.nrrd"] = expectation(OUT / "time_last.nrrd", last_none=True)

    # No space directions: spacings only.
    nrrd.write(str(OUT / "spacings.nrrd"), values("uint8", SIZE), {"spacings": [0.5, 2.0, 1.25], "encoding": "raw"})
    expected["spacings.nrrd"] = expectation(OUT / "spacings.nrrd")

    # Hand-written in the style of the Allen CCF annotation volumes (annotation_25.nrrd).
    labels = RNG.choice(np.array([0, 997, 8, 567, 688, 484682470, 614454277], dtype="<u4"), (7, 6, 5))
    text = ("NRRD0004\n# Complete NRRD file format specification at:\n"
            "# http://teem.sourceforge.net/nrrd/format.html\ntype: unsigned int\ndimension: 3\n"
            "space: left-posterior-superior\nsizes: 7 6 5\n"
            "space directions: (25,0,0) (0,25,0) (0,0,25)\nkinds: domain domain domain\n"
            "endian: little\nencoding: gzip\nspace origin: (0,0,0)\n\n")
    (OUT / "annotation_style.nrrd").write_bytes(text.encode() + gzip.compress(labels.tobytes(order="F")))
    expected["annotation_style.nrrd"] = expectation(OUT / "annotation_style.nrrd")

    # Skips: a detached raw data file after two text lines and 3 bytes; data at the end (-1).
    skip = values("int16", SIZE)
    (OUT / "skips.raw").write_bytes(b"line one\nline two\nabc" + skip.astype(">i2").tobytes(order="F"))
    (OUT / "skips.nhdr").write_text(
        "NRRD0005\ntype: short\ndimension: 3\nsizes: 5 4 3\nendian: big\nencoding: raw\n"
        "space: RAS\nspace directions: (2,0,0) (0,3,0) (0,0,4)\nline skip: 2\nbyte skip: 3\ndata file: skips.raw\n")
    expected["skips.nhdr"] = expectation(OUT / "skips.nhdr")
    (OUT / "tail.nrrd").write_bytes(
        b"NRRD0004\ntype: int16\ndimension: 3\nsizes: 5 4 3\nendian: little\nencoding: raw\nbyteskip: -1\n"
        b"spacings: 1 1 1\n\nsome padding" + skip.astype("<i2").tobytes(order="F"))
    expected["tail.nrrd"] = expectation(OUT / "tail.nrrd")

    # Broken or unsupported files, and a word of their error message.
    whole = (OUT / "uint16_little_raw.nrrd").read_bytes()
    (OUT / "bad_truncated.nrrd").write_bytes(whole[:-20])
    errors["bad_truncated.nrrd"] = "truncated"
    packed = (OUT / "uint16_big_gzip.nrrd").read_bytes()
    (OUT / "bad_truncated_gzip.nrrd").write_bytes(packed[:-30])
    errors["bad_truncated_gzip.nrrd"] = "truncated"
    # Once refused, now read (it stays here so that the random values of later files stay the same).
    nrrd.write(str(OUT / "uint8_bzip2.nrrd"), values("uint8", SIZE), {"encoding": "bzip2"})
    expected["uint8_bzip2.nrrd"] = expectation(OUT / "uint8_bzip2.nrrd")
    nrrd.write(str(OUT / "bad_ascii.nrrd"), values("uint8", SIZE), {"encoding": "ascii"})
    errors["bad_ascii.nrrd"] = "ascii"
    (OUT / "bad_list.nhdr").write_text(
        "NRRD0004\ntype: uchar\ndimension: 3\nsizes: 5 4 3\nencoding: raw\ndata file: LIST\na.raw\nb.raw\n")
    errors["bad_list.nhdr"] = "LIST"
    (OUT / "bad_format_string.nhdr").write_text(
        "NRRD0004\ntype: uchar\ndimension: 3\nsizes: 5 4 3\nencoding: raw\ndata file: slice%03d.raw 0 2 1\n")
    errors["bad_format_string.nhdr"] = "format string"
    (OUT / "bad_missing_data.nhdr").write_text(
        "NRRD0004\ntype: uchar\ndimension: 3\nsizes: 5 4 3\nencoding: raw\ndata file: nowhere.raw\n")
    errors["bad_missing_data.nhdr"] = "does not exist"
    (OUT / "bad_type.nrrd").write_bytes(b"NRRD0004\ntype: quaternion\ndimension: 3\nsizes: 1 1 1\nencoding: raw\n\n0")
    errors["bad_type.nrrd"] = "quaternion"
    (OUT / "bad_middle_axis.nrrd").write_bytes(
        b"NRRD0004\ntype: uchar\ndimension: 4\nsizes: 2 2 2 2\nencoding: raw\n"
        b"space directions: (1,0,0) none (0,1,0) (0,0,1)\n\n" + bytes(16))
    errors["bad_middle_axis.nrrd"] = "non-spatial"
    (OUT / "bad_no_endian.nrrd").write_bytes(
        b"NRRD0004\ntype: short\ndimension: 3\nsizes: 1 1 1\nencoding: raw\n\n00")
    errors["bad_no_endian.nrrd"] = "endian"
    (OUT / "bad_huge.nrrd").write_bytes(
        b"NRRD0004\ntype: double\ndimension: 3\nsizes: 100000 100000 100000\nendian: little\nencoding: gzip\n\n"
        + gzip.compress(bytes(100)))
    errors["bad_huge.nrrd"] = "cannot hold"

    # bzip2: attached (big-endian, oblique LPS), detached (.raw.bz2), two volumes (one stream read
    # per volume), and a data file in two concatenated streams, as pbzip2 writes them (pynrrd and
    # teem stop at the end of the first stream; `bzip2 -d` and nprec read on: the voxels are those
    # of detached_bzip2.nhdr).
    nrrd.write(str(OUT / "int16_big_bzip2.nrrd"), values("int16", SIZE), dict(lps, endian="big", encoding="bzip2"))
    expected["int16_big_bzip2.nrrd"] = expectation(OUT / "int16_big_bzip2.nrrd")
    nrrd.write(str(OUT / "detached_bzip2.nhdr"), values("float32", SIZE), dict(lps, encoding="bzip2", endian="big"),
               detached_header=True)
    expected["detached_bzip2.nhdr"] = expectation(OUT / "detached_bzip2.nhdr")
    nrrd.write(str(OUT / "time_last_bzip2.nrrd"), values("uint16", SIZE + (2,)),
               dict(lps, **{"space directions": time_dirs, "kinds": ["domain", "domain", "domain", "list"],
                            "encoding": "bzip2", "endian": "little"}))
    expected["time_last_bzip2.nrrd"] = expectation(OUT / "time_last_bzip2.nrrd", last_none=True)
    plain = bz2.decompress((OUT / "detached_bzip2.raw.bz2").read_bytes())
    half = len(plain) // 2 + 3
    (OUT / "concatenated_bzip2.raw.bz2").write_bytes(bz2.compress(plain[:half]) + bz2.compress(plain[half:]))
    (OUT / "concatenated_bzip2.nhdr").write_text(
        (OUT / "detached_bzip2.nhdr").read_text().replace("detached_bzip2.raw.bz2", "concatenated_bzip2.raw.bz2"))
    expected["concatenated_bzip2.nhdr"] = expected["detached_bzip2.nhdr"]

    packed = (OUT / "int16_big_bzip2.nrrd").read_bytes()
    (OUT / "bad_truncated_bzip2.nrrd").write_bytes(packed[:-30])
    errors["bad_truncated_bzip2.nrrd"] = "truncated"
    corrupt = bytearray(packed)
    for i in range(len(corrupt) - 60, len(corrupt) - 50):
        corrupt[i] ^= 0x5A
    (OUT / "bad_corrupt_bzip2.nrrd").write_bytes(bytes(corrupt))
    errors["bad_corrupt_bzip2.nrrd"] = "corrupt bzip2 data"
    (OUT / "bad_huge_bzip2.nrrd").write_bytes(
        b"NRRD0004\ntype: double\ndimension: 3\nsizes: 100000 100000 100000\nendian: little\nencoding: bzip2\n\n"
        + bz2.compress(bytes(100)))
    errors["bad_huge_bzip2.nrrd"] = "cannot hold"

    (OUT / "expectations.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")
    (OUT / "errors.json").write_text(json.dumps(errors, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
