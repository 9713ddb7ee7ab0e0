"""3-D TIFF files (multi-page stacks, ImageJ hyperstacks, OME-TIFF) given to `nprec info`,
`convert` and `pyramid` as one file: the pages are the slices of the slice pipeline. The reference
has no 3-D TIFF input, so the chunks are compared with `tifffile.imread`'s array, re-oriented as
check_slices.py re-orients slice stacks (pages as slices, ImageJ/OME channels as channels), and
info's resolution with the metadata's voxel size."""
import numpy as np
import tifffile
from check_slices import reorient
from harness import load_json, nprec, read_raw_scales, workdir

RNG = np.random.default_rng(303)
SHAPE = (19, 37, 45)  # pages, rows, columns


def values(dtype, shape):
    if np.dtype(dtype).kind == "f":
        return RNG.normal(0, 1000, shape).astype(dtype)
    return RNG.integers(0, np.iinfo(dtype).max, shape, endpoint=True).astype(dtype)


def plain(path):
    tifffile.imwrite(path, values("uint8", SHAPE), metadata=None, rowsperstrip=5)
    return tifffile.imread(path), None


def imagej_uint16(path):
    tifffile.imwrite(path, values("uint16", SHAPE), imagej=True, resolution=(1 / 0.5, 1 / 0.5),
                     metadata={"spacing": 2.0, "unit": "um", "axes": "ZYX"}, compression="zlib")
    return tifffile.imread(path), [500, 500, 2000]


def imagej_channels(path):
    tifffile.imwrite(path, values("uint16", (SHAPE[0], 2) + SHAPE[1:]), imagej=True,
                     resolution=(1 / 0.3, 1 / 0.3), metadata={"spacing": 1.5, "unit": "micron", "axes": "ZCYX"})
    data = tifffile.imread(path)  # (Z, C, Y, X)
    return np.moveaxis(data, 1, -1), [300, 300, 1500]


def ome_float32(path):
    tifffile.imwrite(path, values("float32", SHAPE), tile=(16, 16), compression="zlib",
                     metadata={"axes": "ZYX", "PhysicalSizeX": 0.25, "PhysicalSizeY": 0.25, "PhysicalSizeZ": 1.0})
    return tifffile.imread(path), [250, 250, 1000]


def ome_channels(path):
    tifffile.imwrite(path, values("uint8", (3,) + SHAPE),
                     metadata={"axes": "CZYX", "PhysicalSizeX": 120, "PhysicalSizeXUnit": "nm",
                               "PhysicalSizeY": 120, "PhysicalSizeYUnit": "nm", "PhysicalSizeZ": 0.5})
    data = tifffile.imread(path)  # (C, Z, Y, X)
    return np.moveaxis(data, 0, -1), [120, 120, 500]


def ome_rgb(path):
    tifffile.imwrite(path, values("uint8", SHAPE + (3,)), photometric="rgb",
                     metadata={"axes": "ZYXS", "PhysicalSizeX": 1, "PhysicalSizeY": 1, "PhysicalSizeZ": 2})
    return tifffile.imread(path), [1000, 1000, 2000]


STACKS = {
    "plain_uint8": ("stack.tif", plain),
    "imagej_uint16": ("stack.tif", imagej_uint16),
    "imagej_channels": ("stack.tif", imagej_channels),
    "ome_float32_tiled": ("stack.ome.tif", ome_float32),
    "ome_channels": ("stack.ome.tiff", ome_channels),
    "ome_rgb": ("stack.ome.tif", ome_rgb),
}


def convert(name, code):
    work = workdir(f"tiff3d-{name}-{code}")
    file_name, make = STACKS[name]
    path = work / file_name
    pixels, voxel = make(path)
    ours = work / "ours"
    options = ["--input-orientation", code]
    if voxel is None:
        nprec("info", path, ours, *options, expect=2)  # no voxel size in a plain stack
        options += ["--resolution", "700,800,900"]
    result = nprec("info", path, ours, *options)
    info = load_json(ours / "info_fullres.json")
    if voxel is not None:
        assert "nm (column, row, page)" in result.stderr, result.stderr
        letters = {"R": 0, "L": 0, "A": 1, "P": 1, "S": 2, "I": 2}
        expected = [0.0] * 3
        for i, letter in enumerate(code):
            expected[letters[letter]] = voxel[i]
        assert np.allclose(info["scales"][0]["resolution"], expected, rtol=1e-9), info["scales"][0]["resolution"]
    nprec("scales", ours / "info_fullres.json", ours, "--target-chunk-size", "8")
    nprec("convert", path, ours, "--input-orientation", code, "-j", "2", "--flat", "--no-gzip")
    got = next(iter(read_raw_scales(ours, 1).values()))
    expected = reorient(pixels, code)
    assert got.shape == expected.shape, (got.shape, expected.shape)
    if not np.array_equal(got, expected):
        raise AssertionError(f"{np.count_nonzero(got != expected)} voxels differ from tifffile's, re-oriented")


def pyramid_and_tasks():
    """`pyramid` from a 3-D TIFF, and `convert --task` in two shares giving the same chunks."""
    work = workdir("tiff3d-pyramid")
    path = work / "stack.tif"
    pixels, _ = imagej_uint16(path)
    nprec("pyramid", path, work / "whole", "--input-orientation", "RIA", "--target-chunk-size", "8", "--flat",
          "--no-gzip")
    scales = read_raw_scales(work / "whole")
    assert len(scales) >= 2 and np.array_equal(next(iter(scales.values())), reorient(pixels, "RIA"))
    split = work / "split"
    nprec("info", path, split, "--input-orientation", "RIA")
    nprec("scales", split / "info_fullres.json", split, "--target-chunk-size", "8")
    for task in ("0/2", "1/2"):
        nprec("convert", path, split, "--input-orientation", "RIA", "--task", task, "--flat", "--no-gzip")
    assert np.array_equal(next(iter(read_raw_scales(split, 1).values())), reorient(pixels, "RIA"))


def refusals():
    work = workdir("tiff3d-bad")
    frames = work / "frames.tif"
    tifffile.imwrite(frames, values("uint8", (3, 4, 10, 12)), imagej=True, metadata={"axes": "TZYX"})
    result = nprec("info", frames, work / "out", "--resolution", "1,1,1", expect=1)
    assert "frames=3" in result.stderr and "frames.tif" in result.stderr, result.stderr
    ome = work / "t.ome.tif"
    tifffile.imwrite(ome, values("uint8", (2, 4, 10, 12)), metadata={"axes": "TZYX"})
    result = nprec("info", ome, work / "out", "--resolution", "1,1,1", expect=1)
    assert "SizeT=2" in result.stderr, result.stderr
    # Pages of different sizes fail naming the page.
    mixed = work / "mixed.tif"
    with tifffile.TiffWriter(mixed) as tif:
        tif.write(values("uint8", (10, 12)), metadata=None)
        tif.write(values("uint8", (10, 12)), metadata=None)
        tif.write(values("uint8", (11, 12)), metadata=None)
    nprec("info", mixed, work / "m", "--resolution", "1,1,1")
    nprec("scales", work / "m" / "info_fullres.json", work / "m")
    result = nprec("convert", mixed, work / "m", expect=1)
    assert "page 2" in result.stderr, result.stderr


def checks():
    for name in STACKS:
        yield f"tiff3d {name} RAS = tifffile", lambda n=name: convert(n, "RAS")
    for name, code in [("plain_uint8", "LPI"), ("imagej_channels", "RIA"), ("ome_float32_tiled", "SLP")]:
        yield f"tiff3d {name} {code} = tifffile re-oriented", lambda n=name, c=code: convert(n, c)
    yield "tiff3d pyramid and --task", pyramid_and_tasks
    yield "tiff3d refusals (frames, SizeT, mixed pages)", refusals
