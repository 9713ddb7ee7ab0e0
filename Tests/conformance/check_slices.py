"""`nprec info/convert/pyramid SLICE_DIR...` against slices-to-precomputed where the reference
works, and against the slice pixels re-oriented with numpy (a transpose and flips computed
here) for every orientation, the inverted-slice ones included (the reference fails there)."""
import numpy as np
from harness import load_json, nprec, read_raw_scales, reference, workdir
from PIL import Image

RNG = np.random.default_rng(77)

# (file extension, PIL mode or None for tifffile, dtype, samples per pixel)
KINDS = {
    "png8": ("png", "L", "uint8", 1),
    "png16": ("png", "I;16", "uint16", 1),
    "png_rgb": ("png", "RGB", "uint8", 3),
    "jpeg": ("jpg", "L", "uint8", 1),
    "tif8": ("tif", None, "uint8", 1),
    "tif16_lzw": ("tif", None, "uint16", 1),
    "tif16_tiled_lzw": ("tif", None, "uint16", 1),
    "tif_f32_deflate": ("tif", None, "float32", 1),
    "tif_f32_tiled": ("tif", None, "float32", 1),
    "tif_rgb_planar": ("tif", None, "uint8", 3),
}

ORIENTATIONS = ["RAS", "RIA", "LPS", "AIL", "SLP", "IPR", "PSR", "LAI", "RIP", "ILA", "SRA", "PIL", "ASL", "LIP"]


def write_stack(directory, kind, width, height, count):
    """Writes `count` slices; returns the pixels as an array (slice, row, column[, sample])."""
    ext, mode, dtype, spp = KINDS[kind]
    directory.mkdir(parents=True)
    shape = (count, height, width) + ((spp,) if spp > 1 else ())
    if kind == "jpeg":
        # Smooth content so that JPEG stays close; the check compares with the decoded pixels.
        base = np.linspace(0, 200, width)[None, None, :] + np.linspace(0, 40, height)[None, :, None]
        pixels = (base + np.arange(count)[:, None, None]).astype(np.uint8)
    elif dtype == "float32":
        pixels = RNG.normal(0, 1000, shape).astype(np.float32)
    else:
        high = 65535 if dtype == "uint16" else 255
        pixels = RNG.integers(0, high, shape, endpoint=True).astype(dtype)
    # tifffile options of the TIFF kinds: strips of a few rows, 16 x 16 tiles (partial at the edges).
    tiff_options = {
        "tif8": {"rowsperstrip": 7},
        "tif16_lzw": {"compression": "lzw", "predictor": True, "rowsperstrip": 5},
        "tif16_tiled_lzw": {"compression": "lzw", "tile": (16, 16)},
        "tif_f32_deflate": {"compression": "zlib", "predictor": "floatingpoint", "rowsperstrip": 4},
        "tif_f32_tiled": {"compression": "zlib", "tile": (16, 16)},
        "tif_rgb_planar": {"compression": "lzw", "planarconfig": "separate", "photometric": "rgb",
                           "rowsperstrip": 6},
    }
    decoded = []
    for s in range(count):
        path = directory / f"slice_{s:04d}.{ext}"
        if mode is None:
            import tifffile  # only the TIFF kinds need it

            options = dict(tiff_options[kind])
            data = np.moveaxis(pixels[s], 2, 0) if options.get("planarconfig") == "separate" else pixels[s]
            tifffile.imwrite(path, data, metadata=None, **options)
            page = tifffile.imread(path)
            decoded.append(np.moveaxis(page, 0, 2) if options.get("planarconfig") == "separate" else page)
            continue
        if mode == "I;16":
            Image.fromarray(pixels[s].astype("<u2")).save(path)
        elif kind == "jpeg":
            Image.fromarray(pixels[s], mode=mode).save(path, quality=98)
        else:
            Image.fromarray(pixels[s], mode=mode).save(path)
        decoded.append(np.asarray(Image.open(path)))
    (directory / ".hidden").write_text("skipped")
    (directory / "notes.txt").write_text("skipped with a notice")
    return np.stack(decoded)


def reorient(pixels, code):
    """(slice, row, column[, sample]) pixels to a (C, Z, Y, X) RAS array, from the definition:
    letter i gives the RAS axis of input axis i (column, row, slice) and its direction."""
    if pixels.ndim == 3:
        pixels = pixels[..., None]
    data = np.transpose(pixels, (3, 2, 1, 0))  # (C, column, row, slice)
    axis = {"R": 0, "L": 0, "A": 1, "P": 1, "S": 2, "I": 2}
    for i, letter in enumerate(code):
        if letter in "LPI":
            data = np.flip(data, axis=1 + i)
    order = [None, None, None]
    for i, letter in enumerate(code):
        order[axis[letter]] = 1 + i
    data = np.transpose(data, [0] + order)  # (C, X, Y, Z)
    return np.transpose(data, (0, 3, 2, 1))  # (C, Z, Y, X)


def convert_stack(kind, code, width=45, height=37, count=21, chunk=8):
    work = workdir(f"slices-{kind}-{code}")
    pixels = write_stack(work / "slices", kind, width, height, count)
    ours = work / "ours"
    info = nprec("info", work / "slices", ours, "--resolution", "20000,20000,20000", "--input-orientation", code)
    assert "skipped" in info.stderr, info.stderr
    nprec("scales", ours / "info_fullres.json", ours, "--target-chunk-size", str(chunk))
    nprec("convert", work / "slices", ours, "--input-orientation", code, "-j", "2")
    got = list(read_raw_scales(ours, 1).values())[0]
    expected = reorient(pixels, code)
    assert got.shape == expected.shape, (got.shape, expected.shape)
    if not np.array_equal(got, expected):
        raise AssertionError(f"{np.count_nonzero(got != expected)} voxels differ from the re-oriented pixels")
    return work, ours


def against_reference(kind, code):
    work, ours = convert_stack(kind, code)
    # The reference reads every file of the directory, hidden and text files included.
    (work / "slices" / "notes.txt").unlink()
    (work / "slices" / ".hidden").unlink()
    ref = work / "ref"
    ref.mkdir()
    (ref / "info").write_text((ours / "info").read_text())
    reference("slices-to-precomputed", "--input-orientation", code, work / "slices", ref)
    a, b = read_raw_scales(ours, 1), read_raw_scales(ref, 1)
    for key in b:
        assert np.array_equal(a[key], b[key]), key


def two_directories_as_channels():
    work = workdir("slices-channels")
    red = write_stack(work / "red", "png8", 30, 20, 9)
    green = write_stack(work / "green", "png16", 30, 20, 9)
    del green
    ours = work / "ours"
    # Mixed sample types are refused with a message naming both.
    result = nprec("info", work / "red", work / "green", ours, "--resolution", "1,1,1", expect=1)
    assert "uint16" in result.stderr and "uint8" in result.stderr, result.stderr
    blue = write_stack(work / "blue", "png8", 30, 20, 9)
    nprec("info", work / "red", work / "blue", ours, "--resolution", "1,1,1")
    assert load_json(ours / "info_fullres.json")["num_channels"] == 2
    nprec("scales", ours / "info_fullres.json", ours, "--target-chunk-size", "8")
    nprec("convert", work / "red", work / "blue", ours)
    got = list(read_raw_scales(ours, 1).values())[0]
    assert np.array_equal(got[0], reorient(red, "RAS")[0]) and np.array_equal(got[1], reorient(blue, "RAS")[0])


def bad_stacks():
    work = workdir("slices-bad")
    write_stack(work / "a", "png8", 20, 10, 5)
    ours = work / "ours"
    nprec("info", work / "a", ours, "--resolution", "1,1,1")
    nprec("scales", ours / "info_fullres.json", ours)
    (work / "a" / "slice_0004.png").unlink()
    result = nprec("convert", work / "a", ours, expect=1)
    assert "found 4 slices in" in result.stderr and "needs 5" in result.stderr, result.stderr
    Image.fromarray(np.zeros((11, 20), np.uint8)).save(work / "a" / "slice_0004.png")
    result = nprec("convert", work / "a", ours, expect=1)
    assert "slice_0004.png" in result.stderr, result.stderr
    (work / "a" / "slice_0004.png").write_bytes(b"not a png")
    result = nprec("convert", work / "a", ours, expect=1)
    assert "slice_0004.png" in result.stderr, result.stderr
    nprec("info", work / "a", ours, expect=2)  # no --resolution
    nprec("convert", work / "a", ours, "--input-orientation", "RAR", expect=2)


def slice_pyramid():
    work = workdir("slices-pyramid")
    pixels = write_stack(work / "s", "png8", 70, 50, 40)
    nprec("pyramid", work / "s", work / "out", "--resolution", "10,10,20", "--input-orientation", "RIA",
          "--target-chunk-size", "16", "--flat", "--no-gzip")
    scales = list(read_raw_scales(work / "out").values())
    assert len(scales) >= 3 and np.array_equal(scales[0], reorient(pixels, "RIA"))


def checks():
    for code in ORIENTATIONS:
        yield f"slices png8 {code} = re-oriented pixels", lambda c=code: convert_stack("png8", c)
    for kind in KINDS:
        yield f"slices {kind} RAS = re-oriented pixels", lambda k=kind: convert_stack(k, "RAS")
    for code in ["RAS", "RIA", "LPS", "SRA", "AIR"]:
        yield f"slices png8 {code} against slices-to-precomputed", lambda c=code: against_reference("png8", c)
    yield "slices png_rgb RIA against slices-to-precomputed", lambda: against_reference("png_rgb", "RIA")
    yield "slices: two directories as channels", two_directories_as_channels
    yield "slices: bad stacks fail naming the problem", bad_stacks
    yield "slices: pyramid from slices", slice_pyramid
