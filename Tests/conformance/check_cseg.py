"""compressed_segmentation: the reference encoder and decoder (neuroglancer-scripts 1.2.0) and
TensorStore's neuroglancer_precomputed driver as an independent reader, on random label chunks
and on the golden files of Fixtures/golden/cseg that nprec's unit tests match byte for byte.

nprec's Swift codec is not called here (it has no command of its own yet); its unit tests
compare it with the golden files, and these checks keep the golden files honest."""
import json
import pathlib
import sys

import numpy as np

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "Fixtures"
sys.path.insert(0, str(FIXTURES))

from make_cseg_fixtures import OUT as GOLDEN  # noqa: E402
from make_cseg_fixtures import MENDED, REFERENCE, reference_encode, tensorstore_decode, voronoi  # noqa: E402
from neuroglancer_scripts.chunk_encoding import CompressedSegmentationEncoder  # noqa: E402

# name: (data type, channels, [x, y, z], block size, labels: "voronoi" | "noise<N>" | "distinct")
RANDOM_CASES = {
    "u32 64x64x64 b8": ("uint32", 1, [64, 64, 64], [8, 8, 8], "voronoi"),
    "u64 37x64x5 b8": ("uint64", 1, [37, 64, 5], [8, 8, 8], "voronoi"),
    "u32 3ch 9x17x33 b4": ("uint32", 3, [9, 17, 33], [4, 4, 4], "voronoi"),
    "u64 2ch 20x20x20 b848": ("uint64", 2, [20, 20, 20], [8, 4, 8], "voronoi"),
    "u32 1x1x1 b8": ("uint32", 1, [1, 1, 1], [8, 8, 8], "voronoi"),
    "u32 4x3x2 b1": ("uint32", 1, [4, 3, 2], [1, 1, 1], "noise5"),
    "u64 16x16x16 b8 16-bit": ("uint64", 1, [16, 16, 16], [8, 8, 8], "noise300"),
    "u32 48x48x32 b48 32-bit": ("uint32", 1, [48, 48, 32], [48, 48, 48], "distinct"),
}


def random_chunk(data_type, channels, size, labels, seed):
    rng = np.random.default_rng(seed)
    x, y, z = size
    dtype = np.dtype(data_type).newbyteorder("<")
    top = np.iinfo(dtype).max
    if labels == "voronoi":
        values = rng.integers(0, top, 12, dtype=dtype, endpoint=True)
        chunk = np.stack([voronoi((z, y, x), 12, values, rng) for _ in range(channels)])
    elif labels.startswith("noise"):
        palette = rng.integers(0, top, int(labels[5:]), dtype=dtype, endpoint=True)
        chunk = palette[rng.integers(0, len(palette), (channels, z, y, x))]
    else:
        chunk = rng.permutation(channels * x * y * z).reshape(channels, z, y, x) * 3 + 1
    return chunk.astype(dtype)


def reference_round_trip(name, case, seed):
    data_type, channels, size, block_size, labels = case
    chunk = random_chunk(data_type, channels, size, labels, seed)
    encoded = reference_encode(chunk, block_size, mended=False)
    assert len(encoded) % 4 == 0, f"{name}: {len(encoded)} bytes"
    codec = CompressedSegmentationEncoder(data_type, channels, block_size)
    assert np.array_equal(codec.decode(encoded, size), chunk), f"{name}: the reference's decoder disagrees"
    if labels == "distinct":
        # 32-bit blocks: TensorStore 0.1.69 reads every voxel as table entry 0 (its index mask
        # is 0 for 32 bits; Neuroglancer's JS decoder computes `(1 << 32) - 1` = 0 too). They
        # need over 65536 labels in one block, so blocks of more than 65536 voxels.
        return
    decoded = tensorstore_decode(encoded, size, channels, data_type, block_size)
    assert np.array_equal(decoded, chunk), f"{name}: TensorStore decodes other values"


def golden_cases():
    return json.loads((GOLDEN / "cases.json").read_text())


def golden_chunk(name, case):
    dtype = np.dtype(case["data_type"]).newbyteorder("<")
    x, y, z = case["size"]
    values = np.frombuffer((GOLDEN / f"{name}.raw").read_bytes(), dtype)
    return values.reshape(case["channels"], z, y, x), (GOLDEN / f"{name}.cseg").read_bytes()


def golden_is_the_reference(name, case):
    chunk, encoded = golden_chunk(name, case)
    assert case["encoder"] in (REFERENCE, MENDED), case["encoder"]
    again = reference_encode(chunk, case["block_size"], mended=case["encoder"] == MENDED)
    assert again == encoded, f"{name}: the golden file is not what {case['encoder']} writes"


def tensorstore_reads_golden(name, case):
    chunk, encoded = golden_chunk(name, case)
    decoded = tensorstore_decode(encoded, case["size"], case["channels"], case["data_type"], case["block_size"])
    assert np.array_equal(decoded, chunk), f"{name}: TensorStore decodes other values"


def reference_fails_on_uneven_blocks():
    """The reference's known fault: blocks whose x and z sizes differ are padded with the axes
    swapped, so encoding fails; nprec handles these (golden files made with the fault mended)."""
    chunk = random_chunk("uint32", 1, [8, 8, 32], "voronoi", 1)
    for block_size in ([4, 4, 16], [16, 4, 2], [2, 2, 1]):
        try:
            reference_encode(chunk, block_size, mended=False)
        except ValueError:
            continue
        raise AssertionError(f"neuroglancer-scripts now encodes block size {block_size}: drop the mend")


def checks():
    for seed, (name, case) in enumerate(sorted(RANDOM_CASES.items())):
        yield f"cseg reference round trip {name}", lambda n=name, c=case, s=seed: reference_round_trip(n, c, s)
    for name, case in sorted(golden_cases().items()):
        yield f"cseg golden {name} is the reference's", lambda n=name, c=case: golden_is_the_reference(n, c)
        yield f"cseg golden {name} read by tensorstore", lambda n=name, c=case: tensorstore_reads_golden(n, c)
    yield "cseg reference still fails on uneven block sizes", reference_fails_on_uneven_blocks


if __name__ == "__main__":
    failed = 0
    for check_name, check in checks():
        try:
            check()
        except Exception as exc:  # noqa: BLE001 - report every failing check
            failed += 1
            print(f"FAIL {check_name}: {exc}")
        else:
            print(f"ok   {check_name}")
    sys.exit(1 if failed else 0)
