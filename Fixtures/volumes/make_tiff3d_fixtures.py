"""Makes the 3-D TIFF fixtures of Fixtures/volumes/tiff3d/ with tifffile, and expectations.json:
for each file, what `nprec info FILE DEST` (orientation RAS) must write (size, channels, data
type, resolution in nanometres or null when the metadata gives none) and the voxels of the one
raw chunk that `nprec convert --flat --no-gzip` writes: tifffile.imread's array with pages as z,
rows as y, columns as x, channels last, as (C, Z, Y, X) little-endian bytes, base64.

Run with the reference venv: .venv-reference/bin/python Fixtures/volumes/make_tiff3d_fixtures.py
"""
import base64
import json
import pathlib
import shutil

import numpy as np
import tifffile

OUT = pathlib.Path(__file__).resolve().parent / "tiff3d"
RNG = np.random.default_rng(8080)
SHAPE = (5, 6, 9)  # pages, rows, columns


def values(dtype, shape):
    if np.dtype(dtype).kind == "f":
        return RNG.normal(0, 1000, shape).astype(dtype)
    return RNG.integers(0, np.iinfo(dtype).max, shape, endpoint=True).astype(dtype)


def entry(pixels, resolution):
    """pixels: (Z, Y, X[, C])."""
    if pixels.ndim == 3:
        pixels = pixels[..., np.newaxis]
    chunk = np.ascontiguousarray(np.moveaxis(pixels, 3, 0)).astype(pixels.dtype.newbyteorder("<"))
    return {"size": [pixels.shape[2], pixels.shape[1], pixels.shape[0]], "channels": pixels.shape[3],
            "data_type": pixels.dtype.name, "resolution": resolution,
            "chunk": base64.b64encode(chunk.tobytes()).decode()}


def main():
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    expected = {}
    tifffile.imwrite(OUT / "plain_uint8.tif", values("uint8", SHAPE), metadata=None)
    expected["plain_uint8.tif"] = entry(tifffile.imread(OUT / "plain_uint8.tif"), None)
    tifffile.imwrite(OUT / "imagej_uint16.tif", values("uint16", SHAPE), imagej=True, resolution=(1 / 0.3, 1 / 0.3),
                     metadata={"spacing": 2.5, "unit": "um", "axes": "ZYX"})
    expected["imagej_uint16.tif"] = entry(tifffile.imread(OUT / "imagej_uint16.tif"), [300, 300, 2500])
    tifffile.imwrite(OUT / "imagej_channels.tif", values("uint8", (SHAPE[0], 2) + SHAPE[1:]), imagej=True,
                     resolution=(2, 2), metadata={"spacing": 1, "unit": "micron", "axes": "ZCYX"})
    expected["imagej_channels.tif"] = entry(np.moveaxis(tifffile.imread(OUT / "imagej_channels.tif"), 1, -1),
                                            [500, 500, 1000])
    tifffile.imwrite(OUT / "ome_float32.ome.tif", values("float32", (2,) + SHAPE), compression="zlib",
                     metadata={"axes": "CZYX", "PhysicalSizeX": 0.25, "PhysicalSizeY": 0.5, "PhysicalSizeZ": 4,
                               "PhysicalSizeZUnit": "nm"})
    expected["ome_float32.ome.tif"] = entry(np.moveaxis(tifffile.imread(OUT / "ome_float32.ome.tif"), 0, -1),
                                            [250, 500, 4])
    tifffile.imwrite(OUT / "frames.tif", values("uint8", (3, 2, 4, 4)), imagej=True, metadata={"axes": "TZYX"})
    (OUT / "expectations.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
