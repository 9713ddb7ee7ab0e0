"""`nprec info` / `scales` / `convert` against volume-to-precomputed on FreeSurfer MGH/MGZ,
Analyze 7.5 (read by nibabel as Spm2AnalyzeImage, with .mat affines) and AFNI .HEAD/.BRIK:
nibabel's own test files and volumes generated here (every MGH type, 4-D, odd and multi-chunk
sizes, rotated affines, both byte orders, scaled). Broken files must exit 1 naming the file."""
import gzip
import pathlib
import shutil

import nibabel as nib
import numpy as np
import scipy.io as sio
from harness import load_json, nprec, prepare_dataset, read_scales, reference, same_json, same_transform, same_voxels, workdir
from nibabel.spm2analyze import Spm2AnalyzeImage

RNG = np.random.default_rng(2024)
NIBABEL_DATA = pathlib.Path(nib.__file__).parent / "tests" / "data"
# Voxel sizes whose scale keys stay distinct: with some sizes (1.1 x 0.94 x 1.33 mm for TILTED on
# 37x29x23, say) two scales get the same key and the reference's own convert fails its chunk
# check (see check_volume.py); TILTED is kept to shapes where it does not.
ROTATED = np.array([[0, -1.0, 0, 90], [0.7, 0, 0.7, -126], [0, 0, 1.5, -72], [0, 0, 0, 1]])
TILTED = np.array([[1.1, 0.2, 0, -30.5], [-0.1, 0.9, 0.3, 12.25], [0, -0.2, 1.3, 7], [0, 0, 0, 1]])


def values(dtype, shape):
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return (RNG.standard_normal(shape) * 300 + 50).astype(dtype)
    info = np.iinfo(dtype)
    return RNG.integers(max(info.min, -40000), min(info.max, 70000), shape, endpoint=True).astype(dtype)


def patch(path, offset, dtype, value):
    blob = bytearray(path.read_bytes())
    blob[offset:offset + np.dtype(dtype).itemsize] = np.array(value, dtype=dtype).tobytes()
    path.write_bytes(bytes(blob))


# MARK: - Volumes


def mgh(work, name, dtype, shape, affine):
    path = work / name
    nib.save(nib.MGHImage(values(dtype, shape), affine), str(path))
    return path


def renamed_mgz(work):
    """An .mgz named .nii.gz: nibabel.load refuses the name, so the reference reads the .mgz."""
    original = mgh(work, "orig.mgz", "int16", (30, 28, 26, 2), TILTED)
    path = work / "renamed.nii.gz"
    shutil.copy(original, path)
    return path, original


def analyze_plain(work, name, dtype, shape, affine=np.eye(4), big_endian=False):
    img = nib.AnalyzeImage(values(dtype, shape), affine)
    if big_endian:
        img = nib.AnalyzeImage(np.asarray(img.dataobj), affine, header=img.header.as_byteswapped(">"))
    nib.save(img, str(work / name))
    return work / name


def analyze_spm2(work):
    """SPM2 writer: scl_slope, a scl_inter patched in, and a level-4 .mat with a rotated affine."""
    img = Spm2AnalyzeImage(values("uint8", (70, 65, 33)).astype("f8"), ROTATED)
    img.set_data_dtype(np.uint8)
    img.header.set_slope_inter(0.5)
    path = work / "spm2.hdr"
    Spm2AnalyzeImage.to_filename(img, str(path))
    patch(path, 116, "<f4", 3.0)
    return path


def analyze_origin(work):
    path = analyze_plain(work, "origin.hdr", "int16", (37, 29, 23), np.diag([2.0, 2, 3, 1]), big_endian=True)
    patch(path, 253, ">i2", [10, 12, 5])
    return path


def analyze_glcal(work):
    path = analyze_plain(work, "glcal.hdr", "int16", (31, 20, 9))
    patch(path, 112, "<f4", 0.0)
    patch(path, 124, "<f4", [5.0, -1.5])
    patch(path, 140, "<i4", [100, -10])
    return path


def analyze_mat_m(work):
    path = analyze_plain(work, "matm.hdr", "float32", (20, 21, 22))
    sio.savemat(str(work / "matm.mat"), {"M": TILTED}, format="5", do_compression=True)
    return path


def analyze_nibabel(work):
    shutil.copy(NIBABEL_DATA / "analyze.hdr", work / "analyze.hdr")
    (work / "analyze.img").write_bytes(RNG.integers(0, 255, 91 * 109 * 91, dtype=np.uint8).tobytes())
    return work / "analyze.hdr"


def head_text(attributes):
    text = ""
    for name, (kind, value) in attributes.items():
        if kind == "string":
            body, count = f"'{value}~", len(value) + 1
        else:
            items = [repr(v) if isinstance(v, float) else str(v) for v in value]
            body, count = " " + " ".join(items), len(items)
        text += f"\ntype = {kind}-attribute\nname = {name}\ncount = {count}\n{body}\n"
    return text


def afni(work, stem, dtype, shape, order="LSB_FIRST", facs=None, gz=False):
    data = values(dtype, shape)
    shape4 = shape if len(shape) == 4 else shape + (1,)
    code = {"uint8": 0, "int16": 1, "float32": 3}[dtype]
    # Voxel sizes 1, 1.1, 1.3 (see ROTATED).
    ijk = [0.0, -1.1, 0.0, 30.5, -1.0, 0.0, 0.0, -12.25, 0.0, 0.0, 1.3, 7.0]
    attributes = {
        "DATASET_RANK": ("integer", [3, shape4[3], 0, 0, 0, 0, 0, 0]),
        "DATASET_DIMENSIONS": ("integer", [*shape4[:3], 0, 0]),
        "BRICK_TYPES": ("integer", [code] * shape4[3]),
        "DELTA": ("float", [1.1, 0.9, 1.3]),
        "IJK_TO_DICOM_REAL": ("float", ijk),
        "BYTEORDER_STRING": ("string", order),
    }
    if facs is not None:
        attributes["BRICK_FLOAT_FACS"] = ("float", facs)
    (work / f"{stem}.HEAD").write_text(head_text(attributes))
    stored = data.reshape(shape4).astype(data.dtype.newbyteorder("<" if order == "LSB_FIRST" else ">"))
    blob = b"".join(stored[..., v].tobytes(order="F") for v in range(shape4[3]))
    if gz:
        (work / f"{stem}.BRIK.gz").write_bytes(gzip.compress(blob))
    else:
        (work / f"{stem}.BRIK").write_bytes(blob)
    return work / f"{stem}.HEAD"


def nibabel_file(*names):
    def make(work):
        for name in names:
            shutil.copy(NIBABEL_DATA / name, work / name)
        return work / names[0]
    return make


# name: a function of the work directory giving the path (or (path, path for the reference)).
VOLUMES = {
    "mgh test.mgz": nibabel_file("test.mgz"),
    "mgh uint8 rotated 70x65x33 mgz": lambda w: mgh(w, "v.mgz", "uint8", (70, 65, 33), ROTATED),
    "mgh int16 4d mgh": lambda w: mgh(w, "v.mgh", "int16", (30, 28, 26, 3), TILTED),
    "mgh int32 mgh": lambda w: mgh(w, "v.mgh", "int32", (31, 20, 9), ROTATED),
    "mgh float32 odd mgh": lambda w: mgh(w, "v.mgh", "float32", (37, 29, 23), ROTATED),
    "mgh uint16 mgz": lambda w: mgh(w, "v.mgz", "uint16", (41, 17, 40), np.diag([1.0, 1.1, 1.3, 1])),
    "mgh mgz renamed nii.gz": renamed_mgz,
    "analyze nibabel analyze.hdr": analyze_nibabel,
    "analyze int16 70x65x33": lambda w: analyze_plain(w, "v.hdr", "int16", (70, 65, 33)),
    "analyze float32 be 4d": lambda w: analyze_plain(w, "v.img", "float32", (30, 28, 26, 2), big_endian=True),
    "analyze uint8 gz pair": lambda w: analyze_plain(w, "v.hdr.gz", "uint8", (40, 33, 29)),
    "analyze int32": lambda w: analyze_plain(w, "v.hdr", "int32", (20, 21, 22)),
    "analyze float64 be": lambda w: analyze_plain(w, "v.hdr", "float64", (20, 21, 22), big_endian=True),
    "analyze spm2 scaled mat": analyze_spm2,
    "analyze origin be": analyze_origin,
    "analyze glcal": analyze_glcal,
    "analyze mat M v5": analyze_mat_m,
    "afni example4d": nibabel_file("example4d+orig.HEAD", "example4d+orig.BRIK.gz"),
    "afni scaled+tlrc": nibabel_file("scaled+tlrc.HEAD", "scaled+tlrc.BRIK"),
    "afni float be facs": lambda w: afni(w, "f+orig", "float32", (40, 33, 29, 2), "MSB_FIRST", [0.0, 2.5]),
    "afni uint8 gz 70x65x33": lambda w: afni(w, "u+tlrc", "uint8", (70, 65, 33), gz=True),
    "afni int16 unscaled": lambda w: afni(w, "i+orig", "int16", (31, 20, 9, 3)),
}

# Conversions: (info data type or None for the reference's choice, options). AFNI's per-brick
# factors are not an ArrayProxy slope, so the reference ignores --ignore-scaling and
# --input-min/--input-max there (it would be wrong): AFNI gets the default conversion only.
CONVERSIONS = [(None, []), ("uint8", ["--input-min", "-20", "--input-max", "200"]), ("float32", ["--ignore-scaling"])]


def make(name):
    work = workdir("mgh-analyze-afni-" + name.replace(" ", "_").replace("+", "_"))
    made = VOLUMES[name](work)
    path, ref_path = made if isinstance(made, tuple) else (made, made)
    return work, path, ref_path


def compare_info(name):
    work, path, ref_path = make(name)
    ref = reference("volume-to-precomputed", "--generate-info", ref_path, work / "ref", expect=None)
    ours = nprec("info", path, work / "ours", expect=None)
    assert ref.returncode in (0, 4), ref.stderr[-2000:]
    ref_info = load_json(work / "ref" / "info_fullres.json")
    our_info = load_json(work / "ours" / "info_fullres.json")
    if ref_info["data_type"] == "float32" and our_info["data_type"] in ("int8", "int16", "int32"):
        # nprec keeps the integer types Neuroglancer displays; the reference forces float32.
        assert ref.returncode == 4 and ours.returncode == 0, (ref.returncode, ours.returncode)
        our_info["data_type"] = "float32"
    else:
        assert ours.returncode == ref.returncode, (ours.returncode, ref.returncode, ours.stderr)
    same_json(our_info, ref_info)
    same_transform(work / "ours", work / "ref")




def compare_convert(name, data_type, options):
    work, path, ref_path = make(name)
    prepare_dataset(path, work / "ours", data_type, True)
    prepare_dataset(ref_path, work / "ref", data_type, False)
    reference("volume-to-precomputed", ref_path, work / "ref", *options)
    nprec("convert", path, work / "ours", *options, "-j", "2")
    ours = next(iter(read_scales(work / "ours", 1).values()))
    ref = next(iter(read_scales(work / "ref", 1).values()))
    same_voxels(ours, ref)


def bad_inputs():
    work = workdir("mgh-analyze-afni-bad")
    # nibabel raises on these two AFNI headers; nprec exits 1 naming the file and the problem.
    for name, words in [("bad_attribute+orig.HEAD", "improper type casting"),
                        ("bad_datatype+orig.HEAD", "multiple data types")]:
        shutil.copy(NIBABEL_DATA / name, work / name)
        result = nprec("info", work / name, work / "out", expect=1)
        assert name in result.stderr and words in result.stderr, result.stderr
        reference("volume-to-precomputed", "--generate-info", work / name, work / "ref", expect=1)
    # Truncated data: exit 1 naming the file, for each format, at info or convert.
    cases = [
        (mgh(work, "t.mgz", "float32", (40, 40, 40), TILTED), "t.mgz"),
        (mgh(work, "t.mgh", "int16", (40, 40, 40), TILTED), "t.mgh"),
        (analyze_plain(work, "t.hdr", "int16", (40, 40, 40)), "t.img"),
        (afni(work, "t+orig", "int16", (40, 40, 40)), "t+orig.BRIK"),
        (afni(work, "tz+orig", "int16", (40, 40, 40), gz=True), "tz+orig.BRIK.gz"),
    ]
    for path, data_name in cases:
        target = work / ("out-" + path.name)
        nprec("info", path, target)
        nprec("scales", target / "info_fullres.json", target, "--target-chunk-size", "16")
        blob = (work / data_name).read_bytes()
        (work / data_name).write_bytes(blob[: len(blob) // 2])
        result = nprec("convert", path, target, expect=1)
        assert data_name in result.stderr and "truncated" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr and "Fatal error" not in result.stderr, result.stderr
    # A truncated MGH header, and an .img without its .hdr.
    (work / "short.mgh").write_bytes((work / "t.mgz").read_bytes()[:0] + b"\0\0\0\1" + b"\0" * 30)
    result = nprec("info", work / "short.mgh", work / "short", expect=1)
    assert "short.mgh" in result.stderr, result.stderr


def checks():
    for name in VOLUMES:
        yield f"info {name}", lambda n=name: compare_info(n)
    for name in VOLUMES:
        conversions = CONVERSIONS[:1] if name.startswith("afni") else CONVERSIONS
        for data_type, options in conversions:
            label = f"convert {name} -> {data_type or 'default'} {' '.join(options)}".strip()
            yield label, lambda n=name, d=data_type, o=options: compare_convert(n, d, o)
    yield "mgh/analyze/afni bad inputs", bad_inputs
