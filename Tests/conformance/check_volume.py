"""`nprec info` and `nprec convert` against volume-to-precomputed (--generate-info), on
volumes generated here with nibabel: every data type, both byte orders, .nii, .nii.gz,
.hdr/.img, NIfTI-2, 4-D, RGB24, scaled, odd sizes. Where the reference crashes (RGB24) the
chunks are compared with nibabel's voxels."""

import nibabel as nib
import numpy as np
from harness import load_json, nprec, prepare_dataset, read_scales, reference, same_json, same_transform, same_voxels, workdir

RNG = np.random.default_rng(1234)
# Voxel sizes whose scale keys stay distinct (0.8 x 0.9 x 1.2 mm gives two '1mm' scales, which the
# reference cannot convert; nprec picks finer keys there, see ScalesUnitTests).
AFFINE = np.array([[1.0, 0, 0, -30.0], [0, 1.1, 0, -40.5], [0, 0, 1.3, -10.25], [0, 0, 0, 1]])
ROTATED = np.array([[0, -1.0, 0, 90], [0.7, 0, 0.7, -126], [0, 0, 1.5, -72], [0, 0, 0, 1]])


def values(dtype, shape):
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return (RNG.standard_normal(shape) * 300 + 50).astype(dtype)
    info = np.iinfo(dtype)
    low, high = max(info.min, -40000), min(info.max, 70000)
    return RNG.integers(low, high, shape, endpoint=True).astype(dtype)


def make_volume(path, data, affine=AFFINE, nifti2=False, big_endian=False, slope=None, inter=None):
    klass = nib.Nifti2Image if nifti2 else nib.Nifti1Image
    img = klass(data, affine, dtype=data.dtype)
    if big_endian:
        img = klass(data, affine, header=img.header.as_byteswapped(">"), dtype=data.dtype)
    if slope is not None:
        img.header.set_slope_inter(slope, inter or 0.0)
    nib.save(img, str(path))
    return path


# name: (file name, dtype, shape, options for make_volume)
VOLUMES = {
    "uint8_nii": ("v.nii", "uint8", (37, 29, 23), {}),
    "int8_niigz": ("v.nii.gz", "int8", (37, 29, 23), {}),
    "uint16_be": ("v.nii", "uint16", (41, 17, 70), {"big_endian": True}),
    "int16_pair": ("v.hdr", "int16", (33, 35, 19), {}),
    "uint32_labels": ("v.nii.gz", "uint32", (40, 30, 20), {}),
    "int32_nifti2": ("v.nii", "int32", (31, 20, 9), {"nifti2": True}),
    "uint64_be": ("v.nii.gz", "uint64", (20, 21, 22), {"big_endian": True}),
    "int64": ("v.nii", "int64", (20, 21, 22), {}),
    "float32_rotated": ("v.nii.gz", "float32", (70, 65, 33), {"affine": ROTATED}),
    "float64_nifti2_be": ("v.nii.gz", "float64", (45, 44, 43), {"nifti2": True, "big_endian": True}),
    "uint8_scaled": ("v.nii.gz", "uint8", (40, 33, 29), {"slope": 0.5, "inter": 3.0}),
    "int16_scaled_be": ("v.nii", "int16", (40, 33, 29), {"slope": 0.01, "inter": -5.0, "big_endian": True}),
    "float32_4d": ("v.nii.gz", "float32", (30, 28, 26, 3), {}),
    "uint16_4d_pair_be": ("v.img", "uint16", (30, 28, 70, 2), {"big_endian": True}),
    "odd_1x1x1": ("v.nii", "float32", (1, 1, 1), {}),
    "thin_2d": ("v.nii", "int16", (65, 129, 1), {}),
}

# Into these info data types, with these options.
CONVERSIONS = [
    ("uint8", []),
    ("uint16", []),
    ("float32", []),
    ("uint8", ["--input-min", "-20", "--input-max", "200"]),
    ("uint16", ["--input-max", "1000"]),
    ("uint8", ["--ignore-scaling"]),
]


def make(name):
    file_name, dtype, shape, options = VOLUMES[name]
    work = workdir("volume-" + name)
    data = values(dtype, shape)
    path = make_volume(work / file_name, data, **options)
    return work, path


def compare_info(name):
    work, path = make(name)
    ref = reference("volume-to-precomputed", "--generate-info", path, work / "ref", expect=None)
    ours = nprec("info", path, work / "ours", expect=None)
    ref_info = load_json(work / "ref" / "info_fullres.json")
    our_info = load_json(work / "ours" / "info_fullres.json")
    dtype = VOLUMES[name][1]
    scaled = "slope" in VOLUMES[name][3]
    if dtype in ("int8", "int16", "int32") and not scaled:
        # nprec keeps the integer types Neuroglancer displays; the reference forces float32.
        assert ref_info["data_type"] == "float32" and ref.returncode == 4, ref.returncode
        assert our_info["data_type"] == dtype and ours.returncode == 0, (our_info["data_type"], ours.returncode)
        our_info["data_type"] = "float32"
    else:
        assert ours.returncode == ref.returncode, (ours.returncode, ref.returncode, ours.stderr)
    same_json(our_info, ref_info)
    same_transform(work / "ours", work / "ref")
    printed = ours.stdout.strip()
    assert printed.startswith("[[") and "_" in printed, printed


def read_all(root):
    """Scale 0 as a (C, Z, Y, X) array."""
    return next(iter(read_scales(root, 1).values()))




def compare_convert(name, data_type, options, storage):
    work, path = make(name)
    prepare_dataset(path, work / "ours", data_type, True)
    prepare_dataset(path, work / "ref", data_type, False)
    reference("volume-to-precomputed", path, work / "ref", *options)
    nprec("convert", path, work / "ours", *options, *storage, "-j", "2")
    ours, ref = read_all(work / "ours"), read_all(work / "ref")
    same_voxels(ours, ref)


def compare_rgb():
    work = workdir("volume-rgb24")
    rgb = np.zeros((23, 19, 11), dtype=[("R", "u1"), ("G", "u1"), ("B", "u1")])
    for channel in "RGB":
        rgb[channel] = RNG.integers(0, 255, rgb.shape, endpoint=True)
    path = work / "rgb.nii.gz"
    nib.save(nib.Nifti1Image(rgb, AFFINE), str(path))
    # The reference crashes on RGB24 NIfTI; check nprec against nibabel's voxels.
    ref = reference("volume-to-precomputed", "--generate-info", path, work / "ref", expect=None)
    ours = nprec("info", path, work / "ours")
    info = load_json(work / "ours" / "info_fullres.json")
    assert info["num_channels"] == 3 and info["data_type"] == "uint8", info
    if ref.returncode == 0:
        same_json(info, load_json(work / "ref" / "info_fullres.json"))
    nprec("scales", work / "ours" / "info_fullres.json", work / "ours", "--target-chunk-size", "8")
    nprec("convert", path, work / "ours", "--flat")
    data = read_all(work / "ours")
    for c, channel in enumerate("RGB"):
        expected = np.asarray(nib.load(str(path)).dataobj)[channel]
        assert np.array_equal(data[c], expected.transpose(2, 1, 0)), channel
    del ours


def bad_inputs():
    work, path = make("uint8_nii")
    # A truncated .nii.gz: exit 1, and the message names the file.
    gz = make_volume(work / "t.nii.gz", values("uint8", (64, 64, 64)))
    blob = gz.read_bytes()
    truncated = work / "truncated.nii.gz"
    truncated.write_bytes(blob[: len(blob) // 2])
    nprec("info", gz, work / "t")
    nprec("scales", work / "t" / "info_fullres.json", work / "t")
    result = nprec("convert", truncated, work / "t", expect=1)
    assert "truncated.nii.gz" in result.stderr and "Traceback" not in result.stderr, result.stderr
    # Missing info: exit 1 with the hint.
    result = nprec("convert", path, work / "noinfo", expect=1)
    assert "nprec info" in result.stderr, result.stderr
    # Size mismatch: exit 1 naming the size.
    other = make_volume(work / "other.nii", values("uint8", (10, 10, 10)))
    result = nprec("convert", other, work / "t", expect=1)
    assert "10x10x10" in result.stderr, result.stderr
    # Not a NIfTI file.
    junk = work / "junk.nii"
    junk.write_bytes(b"\0" * 400)
    result = nprec("info", junk, work / "junk", expect=1)
    assert "junk.nii" in result.stderr, result.stderr
    # --input-min without --input-max is a usage error.
    nprec("convert", path, work / "t", "--input-min", "3", expect=2)
    # No chunk is left under a temporary name.
    leftovers = [p for p in (work / "t").rglob("*") if ".tmp" in p.name]
    assert not leftovers, leftovers


def checks():
    for name in VOLUMES:
        yield f"info {name}", lambda n=name: compare_info(n)
    storages = [[], ["--flat", "--no-gzip"], ["--compresslevel", "1"]]
    for index, name in enumerate(VOLUMES):
        for (data_type, options) in CONVERSIONS:
            storage = storages[index % len(storages)]
            label = f"convert {name} -> {data_type} {' '.join(options + storage)}".strip()
            yield label, lambda n=name, d=data_type, o=options, s=storage: compare_convert(n, d, o, s)
    yield "convert rgb24 (reference crashes: against nibabel)", compare_rgb
    yield "convert bad inputs", bad_inputs
