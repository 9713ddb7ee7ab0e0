"""Makes the slice-reader fixtures in Fixtures/slices/. Run with the reference venv's Python:

    .venv-reference/bin/python Fixtures/make_slice_fixtures.py

- TIFF (written by tifffile): every sample type nprec reads (uint8/16/32/64, int8/16/32/64,
  float32/64), every compression of the row readers (none, LZW, Deflate and Adobe Deflate,
  PackBits, JPEG), horizontal and floating-point predictors, strips (several rows, one row, one
  strip for the whole image) and tiles with partial edge tiles, interleaved and separate planes,
  big-endian files, BigTIFF, grey, grey + alpha, RGB and RGBA, a palette image (its indices are
  the samples) and a two-page file (refused: one slice per file).
- PNG (written by PIL): grey 1/8/16-bit, grey + alpha, RGB, RGBA, palette with and without
  transparency.
- JPEG (written by PIL): grey, RGB 4:2:0 and progressive RGB 4:4:4.

expected.json maps each file to its expected samples: a raw little-endian file in expected/
(rows top to bottom, samples interleaved per pixel) with its shape [height, width, channels] and
dtype, and a tolerance (0 but for JPEG, whose decoders may round differently). Lossless files
share the raw file of the array they were written from, after checking that tifffile or PIL reads
that array back; the expectation for a JPEG is tifffile's or PIL's decode. A file that must be
refused has "error" (a part of the message) instead. Everything is deterministic: no clock, a
fixed random seed."""
import hashlib
import json
import pathlib

import numpy as np
import tifffile
from PIL import Image

HERE = pathlib.Path(__file__).resolve().parent
OUT = HERE / "slices"
HEIGHT, WIDTH = 21, 35  # odd sizes: 16 x 16 tiles leave partial tiles on both edges
RNG = np.random.default_rng(20240611)


def samples(dtype, channels=1, smooth=False):
    """A (HEIGHT, WIDTH, channels) array over most of the range of `dtype`."""
    dtype = np.dtype(dtype)
    shape = (HEIGHT, WIDTH, channels)
    if smooth:  # for JPEG: a ramp with little texture
        y, x, c = np.meshgrid(np.arange(HEIGHT), np.arange(WIDTH), np.arange(channels), indexing="ij")
        return (20 + 4 * x + 3 * y + 30 * c + (x * y) % 7).clip(0, 255).astype(dtype)
    if dtype.kind == "f":
        values = RNG.normal(0, 1000, shape)
        values.flat[:4] = [0.0, -0.0, 1e-30, -3.5e12]
        return values.astype(dtype)
    info = np.iinfo(dtype)
    # Wide types: random low bits under a few high patterns, so that the files stay small.
    low, high = (info.min, info.max) if dtype.itemsize <= 2 else (-(1 << 12) if info.min else 0, 1 << 12)
    values = RNG.integers(low, high, shape, dtype=dtype, endpoint=True)
    if dtype.itemsize > 2:
        values = values + (RNG.integers(0, 4, shape) * (info.max // 4)).astype(dtype)
    values.flat[:2] = [info.min, info.max]
    return values


class Fixtures:
    def __init__(self):
        self.table = {}
        self.raw = {}

    def expect(self, name, array, tolerance=0):
        """Records `array` (height, width, channels) as the samples of `name`."""
        array = np.ascontiguousarray(array)
        if array.ndim == 2:
            array = array[:, :, None]
        data = array.astype(array.dtype.newbyteorder("<")).tobytes()
        raw = f"{array.dtype.name}_{array.shape[2]}_{hashlib.sha256(data).hexdigest()[:12]}.bin"
        self.raw[raw] = data
        self.table[name] = {"expected": "expected/" + raw, "shape": list(array.shape), "dtype": array.dtype.name,
                            "tolerance": tolerance}

    def refuse(self, name, message):
        self.table[name] = {"error": message}

    def tiff(self, name, array, *, check=True, tolerance=0, **options):
        """Writes `array` (height, width, channels) with tifffile.imwrite(**options)."""
        path = OUT / name
        planar = options.get("planarconfig") == "separate"
        data = np.moveaxis(array, 2, 0) if planar else array
        if array.shape[2] == 1:
            data = array[:, :, 0]
        options.setdefault("metadata", None)
        options.setdefault("photometric", "minisblack" if array.shape[2] < 3 else "rgb")
        tifffile.imwrite(path, data, **options)
        with tifffile.TiffFile(path) as tiff:
            assert len(tiff.pages) == 1, name
            decoded = tiff.pages[0].asarray()
        if planar:
            decoded = np.moveaxis(decoded, 0, 2)
        decoded = decoded.reshape(array.shape)
        if check:
            assert np.array_equal(decoded, array), name
            self.expect(name, array)
        else:
            assert np.abs(decoded.astype(np.int64) - array.astype(np.int64)).max() <= 48, name
            self.expect(name, decoded, tolerance)

    def image(self, name, pil, expected=None, tolerance=0, **options):
        """Writes a PIL image; the expectation is `expected`, else what PIL reads back."""
        pil.save(OUT / name, **options)
        decoded = Image.open(OUT / name)
        if decoded.mode == "P":
            decoded = decoded.convert("RGBA" if "transparency" in decoded.info else "RGB")
        array = np.asarray(decoded)
        if decoded.mode == "1":
            array = array.astype(np.uint8) * 255
        if array.dtype.byteorder == ">" or (array.dtype.byteorder == "=" and not np.little_endian):
            array = array.astype(array.dtype.newbyteorder("<"))
        if expected is not None:
            assert np.array_equal(array.reshape(expected.shape), expected), name
        self.expect(name, array, tolerance)


def make_tiffs(f):
    u8, u16 = samples("uint8"), samples("uint16")
    strips = {"rowsperstrip": 5}
    tiles = {"tile": (16, 16)}

    # Every sample type, plain and compressed.
    for dtype in ["uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64", "float32", "float64"]:
        array = u8 if dtype == "uint8" else u16 if dtype == "uint16" else samples(dtype)
        f.tiff(f"{dtype}.tif", array, **strips)
        f.tiff(f"{dtype}_deflate_tiled.tif", array, compression="adobe_deflate", **tiles)
    # Compressions and predictors.
    f.tiff("uint8_lzw.tif", u8, compression="lzw", **strips)
    f.tiff("uint8_packbits.tif", u8, compression="packbits", rowsperstrip=1)
    f.tiff("uint8_deflate_obsolete.tif", u8, compression="deflate", **strips)  # tag 32946
    f.tiff("uint16_lzw_predictor.tif", u16, compression="lzw", predictor="horizontal", **strips)
    f.tiff("uint16_deflate_predictor_tiled.tif", u16, compression="adobe_deflate", predictor=True, **tiles)
    f.tiff("uint16_lzw_one_strip.tif", u16, compression="lzw", rowsperstrip=HEIGHT)
    f.tiff("uint16_packbits.tif", u16, compression="packbits", **strips)
    f.tiff("int16_lzw_predictor_tiled.tif", samples("int16"), compression="lzw", predictor=True, **tiles)
    float32 = samples("float32")
    f.tiff("float32_deflate_fpredictor.tif", float32, compression="adobe_deflate", predictor="floatingpoint",
           **strips)
    f.tiff("float32_lzw_fpredictor_tiled.tif", float32, compression="lzw", predictor="floatingpoint", **tiles)
    f.tiff("float64_deflate_fpredictor.tif", samples("float64"), compression="adobe_deflate",
           predictor="floatingpoint", **strips)
    # Byte order and BigTIFF.
    f.tiff("uint16_big_endian.tif", u16, byteorder=">", **strips)
    f.tiff("float32_big_endian_lzw_tiled.tif", float32, byteorder=">", compression="lzw", **tiles)
    f.tiff("uint16_bigtiff_lzw.tif", u16, bigtiff=True, compression="lzw", **strips)
    f.tiff("uint8_bigtiff_tiled.tif", u8, bigtiff=True, **tiles)
    # Several samples per pixel, interleaved and in planes.
    grey_alpha, rgb8, rgba16 = samples("uint8", 2), samples("uint8", 3), samples("uint16", 4)
    f.tiff("grey_alpha8.tif", grey_alpha, extrasamples=["unassalpha"], **strips)
    f.tiff("rgb8_lzw.tif", rgb8, compression="lzw", **strips)
    f.tiff("rgb8_planar_deflate.tif", rgb8, planarconfig="separate", compression="adobe_deflate", **strips)
    f.tiff("rgb8_planar_one_strip_lzw.tif", rgb8, planarconfig="separate", compression="lzw",
           rowsperstrip=HEIGHT)
    f.tiff("rgb8_planar_tiled_packbits.tif", rgb8, planarconfig="separate", compression="packbits", **tiles)
    f.tiff("rgba16_tiled_lzw_predictor.tif", rgba16, extrasamples=["unassalpha"], compression="lzw",
           predictor=True, **tiles)
    f.tiff("rgba16_planar.tif", rgba16, planarconfig="separate", extrasamples=["unassalpha"], **strips)
    f.tiff("float32_2ch_planar_tiled.tif", samples("float32", 2), planarconfig="separate",
           compression="adobe_deflate", **tiles)
    # Palette: the indices are the samples.
    colormap = np.stack([np.arange(256) * 257, (255 - np.arange(256)) * 257, np.full(256, 4096)]).astype("u2")
    f.tiff("palette8.tif", u8, photometric="palette", colormap=colormap, **strips)
    # JPEG: grey, RGB, YCbCr 4:2:0 decoded to RGB; strips and tiles.
    smooth_grey, smooth_rgb = samples("uint8", 1, smooth=True), samples("uint8", 3, smooth=True)
    f.tiff("grey8_jpeg.tif", smooth_grey, check=False, tolerance=2, compression="jpeg",
           compressionargs={"level": 95}, rowsperstrip=16)
    f.tiff("rgb8_jpeg_rgb.tif", smooth_rgb, check=False, tolerance=2, compression="jpeg",
           compressionargs={"level": 95, "outcolorspace": "rgb"}, subsampling=(1, 1), rowsperstrip=16)
    # tifffile stores RGB as YCbCr 4:2:0 by default.
    f.tiff("rgb8_jpeg_ycbcr_tiled.tif", smooth_rgb, check=False, tolerance=4, compression="jpeg",
           compressionargs={"level": 95}, **tiles)
    f.tiff("rgb8_jpeg_ycbcr_strips.tif", smooth_rgb, check=False, tolerance=4, compression="jpeg",
           compressionargs={"level": 95}, rowsperstrip=16)
    # Two pages: refused.
    with tifffile.TiffWriter(OUT / "two_pages.tif") as writer:
        writer.write(u8[:, :, 0], metadata=None)
        writer.write(u8[:, :, 0], metadata=None)
    f.refuse("two_pages.tif", "multi-page TIFF: one slice per file")


def make_pngs_and_jpegs(f):
    u8, u16 = samples("uint8"), samples("uint16")
    f.image("grey8.png", Image.fromarray(u8[:, :, 0]), expected=u8)
    f.image("grey16.png", Image.fromarray(u16[:, :, 0].astype("<u2")), expected=u16)
    f.image("grey1.png", Image.fromarray(u8[:, :, 0] > 127).convert("1"))
    f.image("grey_alpha8.png", Image.fromarray(samples("uint8", 2)))
    f.image("rgb8.png", Image.fromarray(samples("uint8", 3)))
    f.image("rgba8.png", Image.fromarray(samples("uint8", 4)))
    palette = Image.fromarray(samples("uint8", 3, smooth=True)).quantize(17)
    f.image("palette.png", palette)
    f.image("palette_transparency.png", palette, transparency=bytes([0, 128] + [255] * 15))
    f.image("grey.jpg", Image.fromarray(samples("uint8", 1, smooth=True)[:, :, 0]), quality=95)
    rgb = Image.fromarray(samples("uint8", 3, smooth=True))
    f.image("rgb_420.jpg", rgb, quality=95, subsampling=2)
    f.image("rgb_progressive.jpg", rgb, quality=90, subsampling=0, progressive=True)


def main():
    OUT.mkdir(exist_ok=True)
    for old in list(OUT.glob("*")) + list((OUT / "expected").glob("*")):
        if old.is_file():
            old.unlink()
    (OUT / "expected").mkdir(exist_ok=True)
    f = Fixtures()
    make_tiffs(f)
    make_pngs_and_jpegs(f)
    for raw, data in f.raw.items():
        (OUT / "expected" / raw).write_bytes(data)
    index = {"byteorder": "little", "files": f.table}
    (OUT / "expected.json").write_text(json.dumps(index, indent=1, sort_keys=True) + "\n")
    total = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    print(f"{len(f.table)} files, {len(f.raw)} expected arrays, {total} bytes in {OUT}")
    assert total < 300_000, total


if __name__ == "__main__":
    main()
