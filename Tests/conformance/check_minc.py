"""`nprec info` and `nprec convert` against volume-to-precomputed on MINC1 and MINC2 files: every
MINC file of nibabel's tests (scaled uint8 and int16, per-slice image-max/image-min, 4-D with time
first, float64, files without attributes, a bad spacing declaration nibabel only warns about),
plus files written here with h5py and scipy following the MINC layouts (a larger MINC2 of many
compressed chunks, oblique, scaled per slice; a MINC1 scaled over two dimensions; a float32 4-D
MINC2).

The reference honours neither --ignore-scaling nor --input-min/--input-max on MINC (nibabel's
MINC proxy has no slope to override; with --input-max it crashes), so the stored values nprec
gives with --ignore-scaling are compared with nibabel's stored arrays. Files nibabel refuses
must make nprec exit 1 with a message naming the file."""
import gzip
import json
import pathlib
import shutil
import sys
import warnings

import numpy as np
from harness import load_json, nprec, prepare_dataset, read_raw_scales, read_scales, reference, same_json, same_transform, same_voxels, workdir

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "Fixtures" / "volumes" / "minc"
sys.path.insert(0, str(FIXTURES.parent))
import make_minc_expectations as maker  # noqa: E402

NIBABEL_FILES = maker.NIBABEL_FILES


def generated(name, directory):
    """Files written here: name -> path."""
    rng = np.random.default_rng(2024)
    if name.endswith(".gz"):
        # A gzipped MINC1, which nibabel (so the reference) reads: nprec decompresses it to a
        # temporary file.
        plain = generated(name[:-3], directory)
        path = directory / name
        path.write_bytes(gzip.compress(plain.read_bytes()))
        plain.unlink()
        return path
    if name == "minc2_large_chunked.mnc":
        # 52 x 70 x 90 int16 in 16 x 24 x 20 gzip chunks (none aligned with the shape or with
        # nprec's chunks), oblique, scaled per zspace slice (the first dimension, nprec's x).
        shape = (52, 70, 90)
        data = rng.integers(-20000, 20000, shape, dtype=np.int16)
        return maker.write_minc2(
            directory / name, data, ["zspace", "yspace", "xspace"],
            steps={"xspace": 0.8, "yspace": 0.9, "zspace": 1.2}, starts={"xspace": -30.0, "yspace": 12.0},
            cosines=maker.OBLIQUE, valid_range=[-20000, 20000], image_max=rng.uniform(100, 200, shape[0]),
            image_min=rng.uniform(-20, 0, shape[0]), scale_dims=("zspace",), chunks=(16, 24, 20))
    if name == "minc2_float_4d.mnc":
        data = rng.standard_normal((3, 20, 17, 9)).astype(np.float32)
        return maker.write_minc2(directory / name, data, ["time", "xspace", "yspace", "zspace"],
                                 steps={"xspace": 1.5, "yspace": 1.5, "zspace": 2.0},
                                 image_max=1.0, image_min=0.0, chunks=(1, 8, 8, 9))
    if name == "minc1_int_2d_scale.mnc":
        shape = (15, 12, 40)
        data = rng.integers(-2**31, 2**31 - 1, shape, dtype=np.int64).astype(np.int32)
        return maker.write_minc1(directory / name, data, ["yspace", "zspace", "xspace"], "i", "signed__",
                                 steps={"xspace": 1.1, "yspace": 1.3, "zspace": 0.7}, starts={"yspace": -7.5},
                                 cosines=maker.OBLIQUE, image_max=rng.uniform(10, 20, shape[:2]),
                                 image_min=rng.uniform(-5, 0, shape[:2]), scale_dims=("yspace", "zspace"))
    raise KeyError(name)


GENERATED = ["minc2_large_chunked.mnc", "minc2_float_4d.mnc", "minc1_int_2d_scale.mnc", "minc1_int_2d_scale.mnc.gz"]
FILES = NIBABEL_FILES + ["minc2_chunked.mnc", "minc1_2d_scale.mnc"] + GENERATED


def place(name):
    work = workdir("minc-" + name.replace(".", "_"))
    if name in GENERATED:
        return work, generated(name, work)
    path = work / name
    shutil.copyfile(FIXTURES / name, path)
    return work, path


def nibabel_load(path):
    import nibabel as nib
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return nib.load(str(path))


def compare_info(name):
    work, path = place(name)
    ref = reference("volume-to-precomputed", "--generate-info", path, work / "ref", expect=None)
    ours = nprec("info", path, work / "ours", expect=None)
    assert ours.returncode == ref.returncode, (ours.returncode, ref.returncode, ours.stderr, ref.stderr[-500:])
    same_json(load_json(work / "ours" / "info_fullres.json"), load_json(work / "ref" / "info_fullres.json"))
    same_transform(work / "ours", work / "ref")




def compare_convert(name, data_type, storage):
    work, path = place(name)
    prepare_dataset(path, work / "ours", data_type, True)
    prepare_dataset(path, work / "ref", data_type, False)
    reference("volume-to-precomputed", path, work / "ref")
    nprec("convert", path, work / "ours", *storage, "-j", "2")
    ours, ref = (next(iter(read_scales(work / d, 1).values())) for d in ("ours", "ref"))
    same_voxels(ours, ref)


def compare_stored(name):
    """--ignore-scaling: the reference still scales (nibabel's MINC proxy has no slope to
    override), so nprec's chunks are compared with nibabel's stored array."""
    work, path = place(name)
    img = nibabel_load(path)
    stored = maker.stored_values(img)
    shape = stored.shape
    channels = int(np.prod(shape[3:])) if len(shape) > 3 else 1
    expected = stored.reshape(shape[:3] + (channels,)).transpose(3, 2, 1, 0)
    info_dir = work / "ours"
    nprec("info", path, info_dir, "--ignore-scaling", expect=None)
    info = load_json(info_dir / "info_fullres.json")
    # Precomputed has no float64: the stored doubles of minc2-4d-d are written as float32.
    data_type = "float32" if expected.dtype.name == "float64" else expected.dtype.name
    assert info["data_type"] == ("float32" if expected.dtype.kind == "f" else data_type), info["data_type"]
    info["data_type"] = data_type
    (info_dir / "info_fullres.json").write_text(json.dumps(info))
    nprec("scales", info_dir / "info_fullres.json", info_dir, "--target-chunk-size", "16")
    nprec("convert", path, info_dir, "--ignore-scaling", "-j", "2")
    # Signed types: read the chunks directly (the reference's reader knows only unsigned ones).
    ours = next(iter(read_raw_scales(info_dir, 1).values()))
    assert ours.dtype.name == data_type, (ours.dtype, data_type)
    assert np.array_equal(ours, expected.astype(ours.dtype)), "stored values differ"


def refused():
    """Files nibabel raises on: nprec exits 1 naming the file and the problem."""
    table = json.loads((FIXTURES / "errors.json").read_text())
    work = workdir("minc-refused")
    for name, word in table.items():
        path = work / name
        shutil.copyfile(FIXTURES / name, path)
        try:
            img = nibabel_load(path)
            np.asanyarray(img.dataobj)
        except Exception:  # noqa: BLE001 - any exception is nibabel refusing
            pass
        else:
            raise AssertionError(f"nibabel reads {name}")
        result = nprec("info", path, work / "out", expect=1)
        assert str(path) in result.stderr and word in result.stderr, result.stderr
        assert "Traceback" not in result.stderr and "Fatal error" not in result.stderr, result.stderr


def truncated():
    work = workdir("minc-truncated")
    _, big = place("minc2_large_chunked.mnc")
    nprec("info", big, work / "t", expect=4)  # 4: float64 values, float32 chosen
    nprec("scales", work / "t" / "info_fullres.json", work / "t")
    blob = big.read_bytes()
    cut = work / "cut.mnc"
    cut.write_bytes(blob[: len(blob) * 2 // 3])
    result = nprec("convert", cut, work / "t", expect=1)
    assert "cut.mnc" in result.stderr and "Fatal error" not in result.stderr, result.stderr


def checks():
    for name in FILES:
        yield f"minc info {name}", lambda n=name: compare_info(n)
    storages = [[], ["--flat", "--no-gzip"], ["--compresslevel", "1"]]
    for index, name in enumerate(FILES):
        # float64 is no precomputed type; uint16 exercises the rounding cast of real values.
        for data_type in ("float32", "uint16"):
            storage = storages[index % len(storages)]
            label = f"minc convert {name} -> {data_type} {' '.join(storage)}".strip()
            yield label, lambda n=name, d=data_type, s=storage: compare_convert(n, d, s)
    for name in FILES:
        yield f"minc convert {name} --ignore-scaling (reference ignores it: against nibabel)", \
            lambda n=name: compare_stored(n)
    yield "minc files nibabel refuses", refused
    yield "minc truncated file", truncated
