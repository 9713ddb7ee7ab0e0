"""C++ anchors for make bench, in their own venv (tinybrain, compressed-segmentation need
NumPy 2): same data shapes as nprec-bench, one core. One JSON object per line."""
import json
import time
import zlib

import numpy as np


def best(body, repeats=5):
    body()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        body()
        times.append(time.perf_counter() - start)
    return min(times)


def emit(stage, name, unit, value):
    print(json.dumps({"stage": stage, "name": name, "unit": unit, "value": value}))


rng = np.random.default_rng(42)
side = 128
image = rng.integers(0, 256, (side,) * 3, dtype=np.uint8)
x, y, z = np.meshgrid(*[np.arange(side)] * 3, indexing="ij")
labels = ((x // 9 + (y // 7) * 3 + (z // 11) * 5) % 23 + (rng.random((side,) * 3) < 0.2)).astype(np.uint32)

try:
    import tinybrain
    seconds = best(lambda: tinybrain.downsample_with_averaging(np.asfortranarray(image), (2, 2, 2)))
    emit("average uint8 2x2x2", "tinybrain", "MVx/s", image.size / seconds / 1e6)
    seconds = best(lambda: tinybrain.downsample_segmentation(np.asfortranarray(labels), (2, 2, 2)))
    emit("majority uint32 2x2x2", "tinybrain mode", "MVx/s", labels.size / seconds / 1e6)
    for dtype in (np.uint8, np.uint16, np.uint64):
        typed = np.asfortranarray(labels.astype(dtype))
        seconds = best(lambda: tinybrain.downsample_segmentation(typed, (2, 2, 2)))
        emit(f"majority {np.dtype(dtype).name} 2x2x2", "tinybrain mode", "MVx/s", labels.size / seconds / 1e6)
except ImportError:
    pass
try:
    import compressed_segmentation as cseg
    chunk = np.asfortranarray(labels[:64, :64, :64])
    seconds = best(lambda: cseg.compress(chunk, block_size=(8, 8, 8), order="F"))
    emit("compressed_segmentation encode uint32", "seung-lab compressed-segmentation", "MVx/s", chunk.size / seconds / 1e6)
    encoded = cseg.compress(chunk, block_size=(8, 8, 8), order="F")
    seconds = best(lambda: cseg.decompress(encoded, (64, 64, 64), np.uint32, block_size=(8, 8, 8), order="F"))
    emit("compressed_segmentation decode uint32", "seung-lab compressed-segmentation", "MVx/s", chunk.size / seconds / 1e6)
except ImportError:
    pass
smooth = ((x[:64, :64, :64] * 3 + y[:64, :64, :64] * 2 + z[:64, :64, :64] + rng.integers(0, 7, (64,) * 3)) // 3)
smooth = smooth.astype(np.uint8).tobytes(order="F")
seconds = best(lambda: zlib.compress(smooth, 6))
emit("gzip -6 compress (uint8 image chunk)", "Python zlib", "MB/s", len(smooth) / seconds / 1e6)
compressed = zlib.compress(smooth, 6)
seconds = best(lambda: zlib.decompress(compressed))
emit("gzip decompress", "Python zlib", "MB/s", len(smooth) / seconds / 1e6)
