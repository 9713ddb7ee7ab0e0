"""`nprec reencode` against convert-chunks: raw to JPEG (xy and xz planes, as in the BigBrain
workflow), raw to compressed_segmentation and back, data type changes; JPEG chunks byte for
byte the reference's; PNG (beyond the reference) read back by tensorstore."""
import json

import numpy as np
from check_pyramid import labels, smooth
from check_volume import make_volume
from harness import load_json, nprec, read_raw_scales, read_scales, reference, workdir


def base_dataset(name, maker, shape, dtype, segmentation=False):
    work = workdir("reencode-" + name)
    path = work / "v.nii.gz"
    make_volume(path, maker(shape, dtype), affine=np.eye(4))
    nprec("info", path, work / "raw", expect=None)
    info = load_json(work / "raw" / "info_fullres.json")
    info["data_type"] = dtype
    (work / "raw" / "info_fullres.json").write_text(json.dumps(info))
    extra = ["--type", "segmentation"] if segmentation else []
    nprec("scales", work / "raw" / "info_fullres.json", work / "raw", "--target-chunk-size", "32", *extra)
    nprec("convert", path, work / "raw")
    nprec("downscale", work / "raw")
    return work


def jpeg(plane):
    work = base_dataset("jpeg-" + plane, smooth, (100, 90, 70), "uint8")
    for tool, script in ((nprec, "scales"), (reference, "generate-scales-info")):
        dest = work / ("ours" if tool is nprec else "ref")
        tool(script, "--encoding", "jpeg", "--target-chunk-size", "32", work / "raw" / "info", dest)
    nprec("reencode", "--jpeg-plane", plane, work / "raw", work / "ours")
    reference("convert-chunks", "--jpeg-plane", plane, work / "raw", work / "ref")
    ours = sorted(p.relative_to(work / "ours") for p in (work / "ours").rglob("*") if p.is_file())
    ref = sorted(p.relative_to(work / "ref") for p in (work / "ref").rglob("*") if p.is_file())
    assert ours == ref, (ours[:5], ref[:5])
    differ = [p for p in ours if p.name != "info" and (work / "ours" / p).read_bytes() != (work / "ref" / p).read_bytes()]
    assert not differ, f"{len(differ)} JPEG chunks differ from the reference's, e.g. {differ[0]}"
    # Decoded values are within JPEG's loss of the raw ones.
    raw, decoded = read_scales(work / "raw"), read_scales(work / "ours")
    for key in raw:
        error = np.abs(raw[key].astype(float) - decoded[key].astype(float))
        psnr = 10 * np.log10(255 ** 2 / max(np.mean(error ** 2), 1e-12))
        assert psnr > 35, (key, psnr)


def cseg_round_trip():
    work = base_dataset("cseg", labels, (80, 70, 60), "uint32", segmentation=True)
    for tool, script in ((nprec, "scales"), (reference, "generate-scales-info")):
        dest = work / ("ours" if tool is nprec else "ref")
        tool(script, "--encoding", "compressed_segmentation", "--target-chunk-size", "32", work / "raw" / "info", dest)
    nprec("reencode", work / "raw", work / "ours")
    reference("convert-chunks", work / "raw", work / "ref")
    same = read_scales(work / "raw")
    for key, value in read_scales(work / "ours").items():
        assert np.array_equal(value, same[key]), key
    for key, value in read_scales(work / "ref").items():
        assert np.array_equal(value, same[key]), key
    # And back to raw.
    nprec("reencode", work / "ours", work / "back", "--copy-info")
    info = load_json(work / "raw" / "info")
    (work / "back2").mkdir()
    (work / "back2" / "info").write_text(json.dumps(info))
    nprec("reencode", work / "ours", work / "back2")
    for key, value in read_raw_scales(work / "back2").items():
        assert np.array_equal(value, same[key]), key


def data_types():
    """uint16 to uint8 (clipped) and float32. convert-chunks fails there under numpy 1.26 (it
    clips a read-only array in place), so the expected values are computed here."""
    work = base_dataset("types", smooth, (60, 50, 40), "uint16")
    raw = read_raw_scales(work / "raw")
    for dtype in ("uint8", "float32"):
        dest = work / dtype
        dest.mkdir()
        info = load_json(work / "raw" / "info")
        info["data_type"] = dtype
        (dest / "info").write_text(json.dumps(info))
        nprec("reencode", work / "raw", dest)
        reference("convert-chunks", work / "raw", work / "ref-fails", expect=None)
        for key, value in read_raw_scales(dest).items():
            expected = np.clip(raw[key], 0, 255).astype(dtype) if dtype == "uint8" else raw[key].astype(dtype)
            assert np.array_equal(value, expected), (dtype, key)


def png_encoding():
    import tensorstore as ts
    work = base_dataset("png", smooth, (60, 50, 40), "uint16")
    nprec("scales", "--encoding", "png", work / "raw" / "info", work / "png")
    nprec("reencode", work / "raw", work / "png", "--flat")
    raw = read_raw_scales(work / "raw")
    for index, (key, expected) in enumerate(raw.items()):
        store = ts.open({"driver": "neuroglancer_precomputed",
                         "kvstore": {"driver": "file", "path": str(work / "png") + "/"},
                         "scale_index": index}).result()
        got = np.transpose(np.asarray(store.read().result()), (3, 2, 1, 0))
        assert np.array_equal(got, expected), key


def jpeg_refused_for_uint16():
    work = base_dataset("jpeg16", smooth, (40, 30, 20), "uint16")
    result = nprec("scales", "--encoding", "jpeg", work / "raw" / "info", work / "j", expect=1)
    assert "jpeg" in result.stderr, result.stderr
    assert not (work / "j").exists() or not any((work / "j").rglob("*"))


def checks():
    yield "reencode raw -> jpeg xy = convert-chunks, byte for byte", lambda: jpeg("xy")
    yield "reencode raw -> jpeg xz = convert-chunks, byte for byte", lambda: jpeg("xz")
    yield "reencode raw <-> compressed_segmentation", cseg_round_trip
    yield "reencode uint16 -> uint8 (clipped), float32", data_types
    yield "reencode raw -> png, read by tensorstore", png_encoding
    yield "jpeg of uint16 refused before anything is written", jpeg_refused_for_uint16
