"""The jpeg and png chunk encodings. nprec's chunks are the golden datasets of
Fixtures/golden/images/datasets, which the Swift tests (ImageChunkTests) encode and check against
what the current encoder writes (re-recorded with NPREC_RECORD=1). Here:
- tensorstore reads every dataset back to the test volume (png exactly, jpeg within loss);
- neuroglancer-scripts reads the jpeg datasets as tensorstore does;
- each jpeg chunk is within 0.5 dB PSNR and 10 % size of what the reference's encoder writes for
  the same values (JpegChunkEncoder: PIL, quality 95, optimize, progressive, 4:4:4), in the same
  plane (told by the image's shape)."""
import io
import pathlib

import numpy as np
import PIL.Image

from harness import load_json
from make_image_fixtures import chunk_values, psnr

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATASETS = ROOT / "Fixtures" / "golden" / "images" / "datasets"


def dataset_names():
    return sorted(p.name for p in DATASETS.iterdir() if (p / "info").exists()) if DATASETS.exists() else []


def chunks(info):
    scale = info["scales"][0]
    (sx, sy, sz), (cx, cy, cz) = scale["size"], scale["chunk_sizes"][0]
    for z in range(0, sz, cz):
        for y in range(0, sy, cy):
            for x in range(0, sx, cx):
                yield (x, min(x + cx, sx), y, min(y + cy, sy), z, min(z + cz, sz))


def expected(info, box=None):
    """The test volume (C, Z, Y, X), or the part of it in `box` (x0, x1, y0, y1, z0, z1)."""
    size = info["scales"][0]["size"]
    if box is None:
        box = (0, size[0], 0, size[1], 0, size[2])
    values = chunk_values([box[1] - box[0], box[3] - box[2], box[5] - box[4]], info["num_channels"],
                          origin=(box[0], box[2], box[4]), volume_size=size)
    if info["data_type"] == "uint16":
        values = values * 251
    return values.astype(info["data_type"])


def read_tensorstore(root):
    import tensorstore as ts
    store = ts.open({"driver": "neuroglancer_precomputed",
                     "kvstore": {"driver": "file", "path": str(root) + "/"}}).result()
    return np.transpose(np.asarray(store.read().result()), (3, 2, 1, 0))  # (X, Y, Z, C) to (C, Z, Y, X)


def read_reference(root, info):
    from neuroglancer_scripts import accessor, precomputed_io
    io_ = precomputed_io.get_IO_for_existing_dataset(accessor.get_accessor_for_url(str(root)))
    size = info["scales"][0]["size"]
    out = np.zeros((info["num_channels"], size[2], size[1], size[0]), dtype=info["data_type"])
    for c in chunks(info):
        out[:, c[4]:c[5], c[2]:c[3], c[0]:c[1]] = io_.read_chunk(info["scales"][0]["key"], c)
    return out


# Datasets tensorstore 0.1.69 refuses, and a word of its message. Neuroglancer reads 16-bit PNG
# with 2-4 channels since 2024-12; tensorstore allows only one channel for 16-bit PNG.
TENSORSTORE_REFUSES = {"png_uint16_2": "only supports 1 channel"}


def tensorstore_reads(name):
    root = DATASETS / name
    info = load_json(root / "info")
    if name in TENSORSTORE_REFUSES:
        try:
            read_tensorstore(root)
        except ValueError as error:
            assert TENSORSTORE_REFUSES[name] in str(error), str(error)[:300]
            return
        raise AssertionError(f"tensorstore now reads {name}: check its values and drop it from TENSORSTORE_REFUSES")
    ours, want = read_tensorstore(root), expected(info)
    assert ours.shape == want.shape and ours.dtype == want.dtype, (ours.shape, ours.dtype)
    if info["scales"][0]["encoding"] == "png":
        assert np.array_equal(ours, want), f"{name}: tensorstore reads other values"
    else:
        quality = psnr(ours, want)
        assert quality > 35, f"{name}: tensorstore reads {quality:.2f} dB"


def reference_reads(name):
    root = DATASETS / name
    info = load_json(root / "info")
    ref, ts_values = read_reference(root, info), read_tensorstore(root)
    difference = np.abs(ref.astype(int) - ts_values.astype(int)).max()
    assert difference <= 1, f"{name}: neuroglancer-scripts and tensorstore differ by {difference}"


def jpeg_like_the_reference(name):
    from neuroglancer_scripts.chunk_encoding import JpegChunkEncoder
    root = DATASETS / name
    info = load_json(root / "info")
    key, channels = info["scales"][0]["key"], info["num_channels"]
    ours_bytes = ref_bytes = 0
    ours_all, ref_all, want_all = [], [], []
    for c in chunks(info):
        size = (c[1] - c[0], c[3] - c[2], c[5] - c[4])
        data = (root / key / f"{c[0]}-{c[1]}_{c[2]}-{c[3]}_{c[4]}-{c[5]}").read_bytes()
        width, height = PIL.Image.open(io.BytesIO(data)).size
        plane = "xy" if (width, height) == (size[0], size[1] * size[2]) else "xz"
        assert (width, height) == ((size[0], size[1] * size[2]) if plane == "xy" else (size[0] * size[1], size[2]))
        encoder = JpegChunkEncoder("uint8", channels, jpeg_quality=95, jpeg_plane=plane)
        want = expected(info, c)
        ref_data = encoder.encode(want)
        ours_bytes += len(data)
        ref_bytes += len(ref_data)
        ours_all.append(encoder.decode(data, size).reshape(-1))
        ref_all.append(encoder.decode(ref_data, size).reshape(-1))
        want_all.append(want.reshape(-1))
    want_all = np.concatenate(want_all)
    ours_db, ref_db = psnr(np.concatenate(ours_all), want_all), psnr(np.concatenate(ref_all), want_all)
    assert ours_db >= ref_db - 0.5, f"{name}: {ours_db:.2f} dB, reference {ref_db:.2f} dB"
    assert abs(ours_bytes - ref_bytes) <= 0.1 * ref_bytes, f"{name}: {ours_bytes} bytes, reference {ref_bytes}"


def datasets_present():
    names = dataset_names()
    assert len(names) >= 8, f"only {names} in {DATASETS}: run the Swift tests with NPREC_RECORD=1"


def checks():
    yield "images golden datasets present", datasets_present
    for name in dataset_names():
        yield f"images {name} read by tensorstore" + (" (refused)" if name in TENSORSTORE_REFUSES else ""), lambda n=name: tensorstore_reads(n)
        if name.startswith("jpeg"):
            yield f"images {name} read by neuroglancer-scripts", lambda n=name: reference_reads(n)
            yield f"images {name} size and PSNR as the reference's encoder", lambda n=name: jpeg_like_the_reference(n)
