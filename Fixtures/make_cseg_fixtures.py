"""Records neuroglancer-scripts 1.2.0's compressed_segmentation encoding of a few small label
chunks into Fixtures/golden/cseg/: per case NAME.raw (the values: little-endian uint32 or uint64,
x fastest, then y, z, channel) and NAME.cseg (the reference's encoded chunk), plus cases.json
(size, channels, data type, block size and which encoder made each file).

The reference pads edge blocks with the axes in the wrong order, so it fails whenever the block's
x and z sizes differ. For those cases the script calls the reference with only that fault mended
(its pad_block given the block size in the block array's (z, y, x) order) and says so in
cases.json; it checks that the mend changes nothing where the reference works. Every file is
checked to decode to its values with TensorStore, and with the reference's decoder where that
works (it too fails on some blocks when x and z sizes differ).

Run with the reference venv: .venv-reference/bin/python Fixtures/make_cseg_fixtures.py"""
import json
import pathlib
import shutil
import tempfile

import numpy as np
import tensorstore as ts
from neuroglancer_scripts import _compressed_segmentation as cseg
from neuroglancer_scripts.chunk_encoding import CompressedSegmentationEncoder

HERE = pathlib.Path(__file__).resolve().parent
OUT = HERE / "golden" / "cseg"
REFERENCE = "neuroglancer-scripts 1.2.0"
MENDED = REFERENCE + " with pad_block given the block size in (z, y, x) order"

_reference_pad_block = cseg.pad_block


def _mended_pad_block(block, block_size):
    return _reference_pad_block(block, tuple(reversed(tuple(block_size))))


def reference_encode(chunk, block_size, mended):
    """The reference's encoding of a (C, Z, Y, X) chunk."""
    cseg.pad_block = _mended_pad_block if mended else _reference_pad_block
    try:
        encoder = CompressedSegmentationEncoder(chunk.dtype.name, chunk.shape[0], list(block_size))
        return bytes(encoder.encode(chunk))
    finally:
        cseg.pad_block = _reference_pad_block


def tensorstore_decode(encoded, size, channels, dtype, block_size):
    """A chunk decoded by TensorStore's neuroglancer_precomputed driver, as (C, Z, Y, X)."""
    with tempfile.TemporaryDirectory() as root:
        root = pathlib.Path(root)
        scale = {"key": "s0", "size": list(size), "resolution": [1, 1, 1], "voxel_offset": [0, 0, 0],
                 "chunk_sizes": [list(size)], "encoding": "compressed_segmentation",
                 "compressed_segmentation_block_size": list(block_size)}
        info = {"@type": "neuroglancer_multiscale_volume", "type": "segmentation",
                "data_type": np.dtype(dtype).name, "num_channels": channels, "scales": [scale]}
        (root / "info").write_text(json.dumps(info))
        (root / "s0").mkdir()
        (root / "s0" / "_".join(f"0-{n}" for n in size)).write_bytes(encoded)
        store = ts.open({"driver": "neuroglancer_precomputed",
                         "kvstore": {"driver": "file", "path": str(root)}}).result()
        return np.asarray(store.read().result()).transpose(3, 2, 1, 0)


def voronoi(shape_zyx, seeds, labels, rng):
    """Labels of the nearest of `seeds` random points: segmentation-like regions."""
    points = np.stack([rng.uniform(0, s, seeds) for s in shape_zyx], axis=1)
    grid = np.stack(np.meshgrid(*[np.arange(s) + 0.5 for s in shape_zyx], indexing="ij"), axis=-1)
    nearest = np.argmin(((grid[..., None, :] - points) ** 2).sum(-1), axis=-1)
    return np.asarray(labels, dtype=np.uint64)[nearest]


def bit_widths_chunk(dtype, distincts=(300, 17, 5)):
    """(8 * len(distincts))x8x9 with 8x8x8 blocks: full blocks of `distincts` distinct values,
    then a one-slice layer of edge blocks with 1, 2 and 3 distinct values."""
    rng = np.random.default_rng(7)
    chunk = np.zeros((1, 9, 8, 8 * len(distincts)), dtype)
    for bx, distinct in enumerate(distincts):
        values = np.concatenate([np.arange(distinct), rng.integers(0, distinct, 512 - distinct)])
        chunk[0, :8, :, 8 * bx : 8 * bx + 8] = rng.permutation(values).reshape(8, 8, 8) * 1000 + 3
    for bx, distinct in enumerate((1, 2, 3)[:len(distincts)]):
        chunk[0, 8, :, 8 * bx : 8 * bx + 8] = rng.integers(0, distinct, (8, 8)) + 40 * bx
    return chunk


def cases():
    rng = np.random.default_rng(2024)
    big = [2**32 + 5, 2**33 + 5, 5, 2**63 + 1, 2**64 - 1, 2**40, 17, 2**32, 9, 2**50 + 3]

    def labels(zyx, seeds, values, dtype):
        return voronoi(zyx, seeds, values, rng).astype(dtype)[None]

    yield "u32_b888_12x11x9", labels((9, 11, 12), 10, rng.integers(0, 2**32, 10), "<u4"), (8, 8, 8)
    yield "u64_b888_9x9x9", labels((9, 9, 9), 10, big, "<u8"), (8, 8, 8)
    channels = np.stack([
        labels((5, 6, 9), 6, [1, 2, 3, 4, 5, 6], "<u4")[0],
        np.full((5, 6, 9), 77, "<u4"),
        rng.integers(0, 3, (5, 6, 9)).astype("<u4"),
    ])
    yield "u32_c3_b444_9x6x5", channels, (4, 4, 4)
    yield "u32_b848_13x9x11", labels((11, 9, 13), 8, np.arange(8) * 3, "<u4"), (8, 4, 8)
    yield "u32_widths_b888_24x8x9", bit_widths_chunk("<u4"), (8, 8, 8)
    yield "u64_widths_b888_16x8x9", bit_widths_chunk("<u8", (300, 5)) * (2**33 + 1), (8, 8, 8)
    yield "u32_b111_3x2x2", rng.integers(0, 4, (1, 2, 2, 3)).astype("<u4"), (1, 1, 1)
    yield "u64_b888_1x1x1", np.array([[[[2**60 + 12345]]]], "<u8"), (8, 8, 8)
    # The reference fails on these without the mend.
    yield "u32_b4416_9x6x20", labels((20, 6, 9), 7, np.arange(7) + 100, "<u4"), (4, 4, 16)
    yield "u64_b1642_17x9x5", labels((5, 9, 17), 9, big[:9], "<u8"), (16, 4, 2)
    yield "u32_b357_7x11x15", labels((15, 11, 7), 12, np.arange(12) * 7919, "<u4"), (3, 5, 7)
    yield "u32_spec_b221_2x2x1", np.array([5, 7, 7, 5], "<u4").reshape(1, 1, 2, 2), (2, 2, 1)


def main():
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    manifest = {}
    for name, chunk, block_size in cases():
        c, z, y, x = chunk.shape
        mended = block_size[0] != block_size[2]
        if mended:
            try:
                reference_encode(chunk, block_size, mended=False)
            except ValueError:
                pass
            else:
                raise AssertionError(f"{name}: the reference no longer fails on block size {block_size}")
        encoded = reference_encode(chunk, block_size, mended)
        if not mended:
            assert encoded == reference_encode(chunk, block_size, mended=True), name
        assert np.array_equal(tensorstore_decode(encoded, (x, y, z), c, chunk.dtype, block_size), chunk), name
        if not mended:
            decoder = CompressedSegmentationEncoder(chunk.dtype.name, c, list(block_size))
            assert np.array_equal(decoder.decode(encoded, (x, y, z)), chunk), name
        (OUT / f"{name}.raw").write_bytes(chunk.tobytes())
        (OUT / f"{name}.cseg").write_bytes(encoded)
        manifest[name] = {
            "size": [x, y, z], "channels": c, "data_type": chunk.dtype.name,
            "block_size": list(block_size), "encoder": MENDED if mended else REFERENCE,
        }
        print(f"recorded {name}: {chunk.nbytes} bytes of values, {len(encoded)} encoded")
    lines = [f" {json.dumps(name)}: {json.dumps(case, sort_keys=True)}" for name, case in sorted(manifest.items())]
    (OUT / "cases.json").write_text("{\n" + ",\n".join(lines) + "\n}\n")


if __name__ == "__main__":
    main()
