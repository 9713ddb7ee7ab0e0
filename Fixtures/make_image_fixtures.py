"""Makes the image-codec fixtures. Run with the reference venv's Python (make fixtures).

- Fixtures/golden/images/jpeg_reference.json: for each case of JPEG_CASES, the size and PSNR of
  the chunk that neuroglancer-scripts 1.2.0 writes (JpegChunkEncoder, i.e. PIL with quality,
  optimize, progressive, subsampling=0). The Swift tests (ImageChunkTests) hold nprec's JPEG
  chunks of the same values to within 0.5 dB and 10 % of these.
- Fixtures/images/png/*.png and expected.json: small PNGs of every colour type and bit depth,
  plain and Adam7-interlaced, with palettes, tRNS and gAMA, written by the small PNG writer below
  (zlib only, independent of libpng), with the samples a decoder without gamma, alpha or colour
  conversion must return (palette expanded to RGB or RGBA, 1/2/4-bit grey scaled to 8-bit).
- Fixtures/images/jpeg/*.jpg and expected.json: small JPEGs written by PIL (baseline greyscale,
  4:2:0 colour, progressive 4:4:4 colour, CMYK) with PIL's decoded pixels.

chunk_values() is the deterministic test volume the Swift tests and Tests/conformance/check_images.py
compute too (integer arithmetic only, so every language gets the same values)."""
import io
import json
import pathlib
import struct
import zlib

import numpy as np
import PIL.Image

from neuroglancer_scripts.chunk_encoding import JpegChunkEncoder

HERE = pathlib.Path(__file__).resolve().parent
GOLDEN = HERE / "golden" / "images"
PNG_DIR = HERE / "images" / "png"
JPEG_DIR = HERE / "images" / "jpeg"

# name: (chunk size [x, y, z], channels, plane, quality)
JPEG_CASES = {
    "grey_xy": ([64, 64, 16], 1, "xy", 95),
    "grey_xz": ([64, 64, 16], 1, "xz", 95),
    "grey_xy_q75": ([64, 64, 16], 1, "xy", 75),
    "grey_odd_xy": ([37, 23, 5], 1, "xy", 95),
    "rgb_xy": ([32, 32, 8], 3, "xy", 95),
    "rgb_xz": ([32, 32, 8], 3, "xz", 95),
}


def chunk_values(size, channels, origin=(0, 0, 0), volume_size=None):
    """Values of the box at `origin` of `size` ([x, y, z]) in a volume of `volume_size` (default:
    the box), as a (C, Z, Y, X) int64 array in 20...246: a ramp across the volume, a triangle-wave
    texture and a little hashed noise. uint16 tests multiply them by 251."""
    volume_size = volume_size or size
    c, z, y, x = np.meshgrid(np.arange(channels), *[np.arange(o, o + n) for o, n in
                                                      zip(origin[::-1], size[::-1])], indexing="ij")
    sx, sy, sz = volume_size
    ramp = 120 * (x + y + 2 * z) // (sx + sy + 2 * sz)
    texture = 3 * np.abs(x % 24 - 12) + 2 * np.abs(y % 20 - 10) + 2 * np.abs(z % 6 - 3)
    h = (x * 73856093 ^ y * 19349663 ^ z * 83492791 ^ c * 2654435761) & 0xFFFFFFFF
    return 20 + ramp + texture + (h >> 13) % 5 + 20 * c


def psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)


def reference_jpeg(size, channels, plane, quality):
    """The reference's chunk for the test values, its size and PSNR."""
    values = chunk_values(size, channels).astype(np.uint8)
    encoder = JpegChunkEncoder("uint8", channels, jpeg_quality=quality, jpeg_plane=plane)
    buf = encoder.encode(values)
    decoded = encoder.decode(buf, size)
    return buf, psnr(values, decoded)


def make_jpeg_reference():
    table = {}
    for name, (size, channels, plane, quality) in sorted(JPEG_CASES.items()):
        buf, quality_db = reference_jpeg(size, channels, plane, quality)
        table[name] = {"size": size, "channels": channels, "plane": plane, "quality": quality,
                       "bytes": len(buf), "psnr": round(quality_db, 3)}
    GOLDEN.mkdir(parents=True, exist_ok=True)
    (GOLDEN / "jpeg_reference.json").write_text(json.dumps(table, indent=1, sort_keys=True) + "\n")


# ---- a small PNG writer, independent of libpng ----

ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def pack_row(samples, depth):
    if depth == 16:
        return b"".join(struct.pack(">H", s) for s in samples)
    if depth == 8:
        return bytes(samples)
    per_byte = 8 // depth
    out = bytearray()
    for i in range(0, len(samples), per_byte):
        byte = 0
        for j, s in enumerate(samples[i:i + per_byte]):
            byte |= s << (8 - depth * (j + 1))
        out.append(byte)
    return bytes(out)


def write_png(pixels, color_type, depth, interlace=False, palette=None, trns=None, gamma=None):
    """pixels: array (height, width, channels) of file samples (palette indices for type 3)."""
    height, width, channels = pixels.shape
    assert channels == CHANNELS[color_type]
    ihdr = struct.pack(">IIBBBBB", width, height, depth, color_type, 0, 0, 1 if interlace else 0)
    passes = ADAM7 if interlace else [(0, 0, 1, 1)]
    raw = bytearray()
    for x0, y0, dx, dy in passes:
        sub = pixels[y0::dy, x0::dx]
        if sub.shape[0] == 0 or sub.shape[1] == 0:
            continue
        for row in sub:
            raw.append(0)
            raw += pack_row([int(v) for v in row.reshape(-1)], depth)
    out = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr)
    if gamma is not None:
        out += png_chunk(b"gAMA", struct.pack(">I", gamma))
    if palette is not None:
        out += png_chunk(b"PLTE", bytes(np.asarray(palette, dtype=np.uint8).reshape(-1)))
    if trns is not None:
        out += png_chunk(b"tRNS", trns)
    out += png_chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + png_chunk(b"IEND", b"")
    return out


def pattern(height, width, channels, maximum, seed):
    """Deterministic samples that use the whole range 0...maximum."""
    y, x, c = np.meshgrid(np.arange(height), np.arange(width), np.arange(channels), indexing="ij")
    return (x * 7 + y * 13 + c * 5 + seed + (x * y) % 3) % (maximum + 1)


def png_cases():
    """name: (file bytes, expected samples (height, width, channels), bit depth)."""
    cases = {}

    def plain(name, color_type, depth, height, width, interlace=False, trns=None, gamma=None):
        channels = CHANNELS[color_type]
        pixels = pattern(height, width, channels, (1 << depth) - 1, len(cases))
        data = write_png(pixels, color_type, depth, interlace, trns=trns, gamma=gamma)
        scale = 255 // ((1 << depth) - 1) if depth < 8 else 1
        cases[name] = (data, pixels * scale, max(depth, 8))

    def paletted(name, depth, height, width, alphas=None, interlace=False):
        entries = 1 << depth
        palette = np.array([[(i * 37) % 256, (i * 91 + 17) % 256, (255 - i * 13) % 256] for i in range(entries)])
        indices = pattern(height, width, 1, entries - 1, len(cases))
        trns = None if alphas is None else bytes(alphas)
        data = write_png(indices, 3, depth, interlace, palette=palette, trns=trns)
        rgb = palette[indices[:, :, 0]]
        if alphas is not None:
            alpha = np.array([alphas[i] if i < len(alphas) else 255 for i in range(entries)])
            rgb = np.concatenate([rgb, alpha[indices[:, :, 0]][:, :, None]], axis=2)
        cases[name] = (data, rgb, 8)

    plain("grey1", 0, 1, 5, 13)
    plain("grey2", 0, 2, 3, 9)
    plain("grey4", 0, 4, 4, 5)
    plain("grey8", 0, 8, 6, 7)
    plain("grey16", 0, 16, 5, 3)
    plain("grey8_trns_gama", 0, 8, 4, 4, trns=struct.pack(">H", 3), gamma=45455)
    plain("greyalpha8", 4, 8, 3, 4)
    plain("greyalpha16", 4, 16, 3, 5)
    plain("rgb8", 2, 8, 4, 3)
    plain("rgb8_trns", 2, 8, 3, 3, trns=struct.pack(">HHH", 1, 2, 3))
    plain("rgb16", 2, 16, 3, 2)
    plain("rgba8", 6, 8, 2, 5)
    plain("rgba16", 6, 16, 4, 3)
    plain("grey8_interlaced", 0, 8, 11, 13, interlace=True)
    plain("grey1_interlaced", 0, 1, 9, 10, interlace=True)
    plain("rgba16_interlaced", 6, 16, 10, 9, interlace=True)
    paletted("palette8", 8, 4, 6)
    paletted("palette4_trns", 4, 3, 5, alphas=[0, 128, 255, 7])
    paletted("palette2_interlaced", 2, 7, 10, interlace=True)
    paletted("palette1", 1, 2, 11)
    return cases


def check_with_pil(name, data, expected, depth):
    """Cross-checks the writer: PIL must read what the expectation says, where its modes allow
    (it narrows 16-bit colour to 8 bits and does not scale 2/4-bit grey)."""
    if (depth == 16 and not name.startswith("grey16")) or name.startswith(("grey2", "grey4")):
        return
    image = PIL.Image.open(io.BytesIO(data))
    if image.mode == "P":
        image = image.convert("RGBA" if "trns" in name else "RGB")
    array = np.asarray(image).astype(np.int64)
    if image.mode == "1":
        array = array * 255
    if array.ndim == 2:
        array = array[:, :, None]
    assert np.array_equal(array, expected), name


def make_pngs():
    PNG_DIR.mkdir(parents=True, exist_ok=True)
    for old in PNG_DIR.glob("*.png"):
        old.unlink()
    table = {}
    for name, (data, expected, depth) in sorted(png_cases().items()):
        check_with_pil(name, data, expected, depth)
        (PNG_DIR / f"{name}.png").write_bytes(data)
        height, width, channels = expected.shape
        table[name] = {"width": width, "height": height, "channels": channels, "bitDepth": depth,
                       "samples": [int(v) for v in expected.reshape(-1)]}
    (PNG_DIR / "expected.json").write_text(json.dumps(table, sort_keys=True) + "\n")


def make_jpegs():
    JPEG_DIR.mkdir(parents=True, exist_ok=True)
    for old in JPEG_DIR.glob("*.jpg"):
        old.unlink()
    table = {}
    grey = pattern(12, 16, 1, 255, 0)[:, :, 0].astype(np.uint8)
    rgb = (pattern(12, 16, 3, 255, 0) // 2 + 40).astype(np.uint8)
    cases = {
        "grey_baseline": (PIL.Image.fromarray(grey), {"quality": 90}),
        "rgb_420": (PIL.Image.fromarray(rgb), {"quality": 90, "subsampling": 2}),
        "rgb_444_progressive": (PIL.Image.fromarray(rgb), {"quality": 95, "subsampling": 0,
                                                           "progressive": True, "optimize": True}),
        "cmyk": (PIL.Image.fromarray(rgb).convert("CMYK"), {"quality": 90}),
    }
    for name, (image, options) in sorted(cases.items()):
        buf = io.BytesIO()
        image.save(buf, format="jpeg", **options)
        (JPEG_DIR / f"{name}.jpg").write_bytes(buf.getvalue())
        decoded = np.asarray(PIL.Image.open(io.BytesIO(buf.getvalue())))
        if decoded.ndim == 2:
            decoded = decoded[:, :, None]
        height, width, components = decoded.shape
        table[name] = {"width": width, "height": height, "components": components,
                       "pixels": [int(v) for v in decoded.reshape(-1)]}
    (JPEG_DIR / "expected.json").write_text(json.dumps(table, sort_keys=True) + "\n")


def main():
    make_jpeg_reference()
    make_pngs()
    make_jpegs()
    print(f"wrote {GOLDEN / 'jpeg_reference.json'}, {PNG_DIR}, {JPEG_DIR}")


if __name__ == "__main__":
    main()
