"""`nprec downscale` and `nprec pyramid` against compute-scales and the reference's step by
step pipeline, on volumes big enough for three or more scales; and tensorstore reading every
scale nprec writes with --flat --no-gzip."""
import json

import numpy as np
from check_volume import make_volume
from harness import load_json, nprec, read_raw_scales, read_scales, reference, workdir

RNG = np.random.default_rng(99)


def smooth(shape, dtype, scale=100.0, offset=100.0):
    axes = [np.linspace(0, 1, n) for n in shape[:3]]
    x, y, z = np.meshgrid(*axes, indexing="ij")
    data = np.sin(x * 11) * np.cos(y * 7) + z
    data = data * scale + offset + RNG.normal(0, scale / 10, shape[:3])
    if len(shape) == 4:
        data = np.stack([data + 13 * c for c in range(shape[3])], axis=-1)
    if np.dtype(dtype).kind in "iu":
        info = np.iinfo(dtype)
        data = np.clip(np.rint(data), info.min, info.max)
    return data.astype(dtype)


def labels(shape, dtype, count=7):
    # Blobs of a few labels, with ties in many 2x2x2 blocks.
    data = RNG.integers(0, count, shape).astype(dtype)
    data[shape[0] // 3:, :, :] = np.where(RNG.random(data[shape[0] // 3:].shape) < 0.6, 3, data[shape[0] // 3:])
    return data


# name: (maker, shape, dtype, affine diagonal in mm, target chunk size)
CASES = {
    "uint8_320x250x150": (smooth, (320, 250, 150), "uint8", (1, 1, 1), 64),
    "float32_aniso": (smooth, (384, 288, 40), "float32", (0.3, 0.3, 1.2), 32),
    "uint32_labels": (labels, (110, 97, 80), "uint32", (1, 1, 1), 16),
    "uint16_2ch_odd": (smooth, (131, 77, 45, 2), "uint16", (1, 1, 1), 16),
    "int16_odd": (smooth, (97, 65, 33), "int16", (0.5, 0.5, 0.5), 16),
}

METHODS = {
    "uint8_320x250x150": [["--downscaling-method", "average"], ["--downscaling-method", "average", "--outside-value", "255"],
                          ["--downscaling-method", "stride"]],
    "float32_aniso": [["--downscaling-method", "average"], ["--downscaling-method", "average", "--outside-value", "0.3"]],
    "uint32_labels": [["--downscaling-method", "majority"], ["--downscaling-method", "stride"]],
    "uint16_2ch_odd": [["--downscaling-method", "average"], ["--downscaling-method", "majority"],
                       ["--downscaling-method", "average", "--outside-value", "7.5"]],
    "int16_odd": [["--downscaling-method", "average"], ["--downscaling-method", "auto"]],
}


def make(name):
    maker, shape, dtype, diagonal, _ = CASES[name]
    work = workdir("pyramid-" + name)
    path = work / "v.nii.gz"
    affine = np.diag(list(diagonal) + [1.0])
    make_volume(path, maker(shape, dtype), affine=affine)
    return work, path


def same_scales(ours, ref):
    assert list(ours) == list(ref), (list(ours), list(ref))
    for key in ref:
        a, b = ours[key], ref[key]
        assert a.shape == b.shape and a.dtype == b.dtype, (key, a.shape, b.shape)
        if a.dtype.kind == "f":
            if not np.allclose(a, b, rtol=1e-6, atol=0):
                raise AssertionError(f"scale {key}: max difference {np.abs(a - b).max()}")
        elif not np.array_equal(a, b):
            diff = np.argwhere(a != b)
            raise AssertionError(f"scale {key}: {len(diff)} voxels differ, first (c,z,y,x)={diff[0].tolist()}: "
                                 f"{a[tuple(diff[0])]} vs {b[tuple(diff[0])]}")


def reference_pyramid(work, path, target, method, data_type=None):
    ref = work / "ref"
    reference("volume-to-precomputed", "--generate-info", path, ref, expect=None)
    if data_type:
        info = load_json(ref / "info_fullres.json")
        info["data_type"] = data_type
        (ref / "info_fullres.json").write_text(json.dumps(info))
    reference("generate-scales-info", ref / "info_fullres.json", ref, "--target-chunk-size", str(target))
    reference("volume-to-precomputed", path, ref)
    reference("compute-scales", ref, *method)
    return read_scales(ref)


# Integer types Neuroglancer displays but the reference refuses (it writes them as float32).
REFERENCE_LACKS = ("int8", "int16", "int32")


def compare_downscale(name, method):
    work, path = make(name)
    target = CASES[name][4]
    dtype = CASES[name][2]
    ours = work / "ours"
    nprec("info", path, ours, expect=None)
    info = load_json(ours / "info_fullres.json")
    assert info["data_type"] == dtype
    nprec("scales", ours / "info_fullres.json", ours, "--target-chunk-size", str(target))
    nprec("convert", path, ours)
    nprec("downscale", ours, *method)
    our_scales = read_raw_scales(ours)
    assert len(our_scales) >= 3, f"only {len(our_scales)} scales"
    if dtype in REFERENCE_LACKS:
        # The reference averages in float32 and never rounds; the first downscaled scale,
        # rounded half to even, must be nprec's (later scales average rounded values).
        ref = reference_pyramid(work, path, target, method, data_type="float32")
        keys = list(ref)[:2]
        same_scales({k: our_scales[k] for k in keys}, {k: np.rint(ref[k]).astype(dtype) for k in keys})
    else:
        same_scales(our_scales, reference_pyramid(work, path, target, method, data_type=dtype))


def compare_pyramid_with_steps(name):
    """`nprec pyramid` gives the same info and chunks as the steps one by one, and tensorstore
    reads every scale."""
    work, path = make(name)
    target = CASES[name][4]
    method = METHODS[name][0]
    steps = work / "steps"
    nprec("info", path, steps, expect=None)
    nprec("scales", steps / "info_fullres.json", steps, "--target-chunk-size", str(target))
    nprec("convert", path, steps, "--flat", "--no-gzip")
    nprec("downscale", steps, "--flat", "--no-gzip", *method)
    whole = work / "whole"
    nprec("pyramid", path, whole, "--target-chunk-size", str(target), "--flat", "--no-gzip", *method)
    assert load_json(whole / "info") == load_json(steps / "info")
    ours = read_raw_scales(whole)
    same_scales(ours, read_raw_scales(steps))
    # Re-running into the same DEST is fine; a different info is refused.
    nprec("pyramid", path, whole, "--target-chunk-size", str(target), "--flat", "--no-gzip", *method)
    result = nprec("pyramid", path, whole, "--target-chunk-size", str(target * 2), expect=1)
    assert "info" in result.stderr
    check_tensorstore(whole, ours)


def check_tensorstore(root, scales):
    import tensorstore as ts
    for index, (key, expected) in enumerate(scales.items()):
        store = ts.open({"driver": "neuroglancer_precomputed",
                         "kvstore": {"driver": "file", "path": str(root) + "/"},
                         "scale_index": index}).result()
        data = store.read().result()  # (X, Y, Z, C)
        ours = np.transpose(np.asarray(data), (3, 2, 1, 0))
        if not np.array_equal(ours, expected):
            raise AssertionError(f"tensorstore reads scale {key} differently")


def compare_reference_pyramid():
    """`nprec pyramid` against volume-to-precomputed-pyramid with default options."""
    work, path = make("int16_odd")
    reference("volume-to-precomputed-pyramid", path, work / "ref")
    nprec("pyramid", path, work / "ours")
    ref_info, our_info = load_json(work / "ref" / "info"), load_json(work / "ours" / "info")
    # nprec keeps int16, the reference converts to float32; the scales are the same.
    assert ref_info["data_type"] == "float32" and our_info["data_type"] == "int16"
    assert [s["key"] for s in ref_info["scales"]] == [s["key"] for s in our_info["scales"]]
    ours, ref = read_raw_scales(work / "ours"), read_scales(work / "ref")
    # The reference averages int16 values as float32 and keeps fractions; nprec rounds half to
    # even. Full resolution and the first lower scale agree after rounding.
    for key in list(ref)[:2]:
        assert np.array_equal(ours[key], np.rint(ref[key]).astype("int16")), key


def bad_factors():
    work, path = make("int16_odd")
    ours = work / "ours"
    nprec("pyramid", path, ours, "--target-chunk-size", "16")
    info = load_json(ours / "info")
    info["scales"][1]["size"] = [s // 3 for s in info["scales"][0]["size"]]
    (ours / "info").write_text(json.dumps(info))
    result = nprec("downscale", ours, expect=1)
    assert info["scales"][0]["key"] in result.stderr and info["scales"][1]["key"] in result.stderr, result.stderr


def checks():
    for name, methods in METHODS.items():
        for method in methods:
            yield f"downscale {name} {' '.join(method)}", lambda n=name, m=method: compare_downscale(n, m)
    for name in CASES:
        yield f"pyramid {name} = steps, read by tensorstore", lambda n=name: compare_pyramid_with_steps(n)
    yield "pyramid against volume-to-precomputed-pyramid", compare_reference_pyramid
    yield "downscale refuses factors other than 1 and 2", bad_factors
    yield from extra_checks()


def compressed_segmentation_pipeline(dtype):
    """The JuBrain MPM workflow: labels, compressed_segmentation, majority. nprec's chunks are
    byte for byte the reference's (after gzip), and every scale decodes to the same labels."""
    import gzip
    work = workdir("cseg-" + dtype)
    path = work / "labels.nii.gz"
    make_volume(path, labels((75, 66, 57), dtype), affine=np.diag([1.0, 1.0, 1.0, 1.0]))
    nprec("info", path, work / "ours", expect=None)
    reference("volume-to-precomputed", "--generate-info", path, work / "ref", expect=None)
    for root in (work / "ours", work / "ref"):
        info = load_json(root / "info_fullres.json")
        info["data_type"] = dtype
        (root / "info_fullres.json").write_text(json.dumps(info))
    args = ["--type", "segmentation", "--encoding", "compressed_segmentation", "--target-chunk-size", "16"]
    nprec("scales", work / "ours" / "info_fullres.json", work / "ours", *args)
    reference("generate-scales-info", work / "ref" / "info_fullres.json", work / "ref", *args)
    nprec("convert", path, work / "ours")
    reference("volume-to-precomputed", path, work / "ref")
    nprec("downscale", work / "ours", "--downscaling-method", "majority")
    reference("compute-scales", work / "ref", "--downscaling-method", "majority")
    same_scales(read_scales(work / "ours"), read_scales(work / "ref"))
    ref_files = sorted(p.relative_to(work / "ref") for p in (work / "ref").rglob("*.gz"))
    our_files = sorted(p.relative_to(work / "ours") for p in (work / "ours").rglob("*.gz"))
    assert ref_files == our_files and ref_files
    for name in ref_files:
        a = gzip.decompress((work / "ours" / name).read_bytes())
        b = gzip.decompress((work / "ref" / name).read_bytes())
        assert a == b, f"{name}: compressed_segmentation bytes differ"
    # tensorstore decodes nprec's compressed_segmentation too.
    flat = work / "flat"
    nprec("reencode", work / "ours", flat, "--copy-info", "--flat", "--no-gzip")
    check_tensorstore(flat, read_scales(work / "ours"))


def extra_checks():
    for dtype in ("uint32", "uint64"):
        yield (f"compressed_segmentation pipeline {dtype}: bytes = reference",
               lambda d=dtype: compressed_segmentation_pipeline(d))
