// nprec-bench: single-core throughput of each stage of nprec (make bench prints it beside the
// reference and C++ anchors). Prints one JSON object per line: stage, unit, value.
import Codecs
import Encoding
import Foundation
import Precomputed
import Pyramid
import Volumes

/// Seconds per run of `body`, best of `repeats` after one warm-up.
func measure(repeats: Int = 5, _ body: () throws -> Void) rethrows -> Double {
    try body()
    var best = Double.infinity
    for _ in 0..<repeats {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return best
}

func report(_ stage: String, _ unit: String, _ value: Double) {
    print("{\"stage\":\"\(stage)\",\"unit\":\"\(unit)\",\"value\":\(String(format: "%.1f", value))}")
}

var generator = SplitMix64(seed: 42)
let side = 128
let voxels = side * side * side

// Images: random uint8 (as the tinybrain anchor) and a smooth one (as brains compress).
let randomU8 = (0..<voxels).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
let smoothU8 = (0..<voxels).map { i -> UInt8 in
    let (x, y, z) = (i % side, i / side % side, i / (side * side))
    return UInt8(truncatingIfNeeded: (x * 3 + y * 2 + z + Int(generator.next() % 7)) / 3)
}
// Labels: a few per 2x2x2 block, uint32.
let labels = (0..<voxels).map { i -> UInt32 in
    let (x, y, z) = (i % side, i / side % side, i / (side * side))
    return UInt32((x / 9 + y / 7 * 3 + z / 11 * 5) % 23 + UInt64(generator.next() % 4 == 0 ? 1 : 0).hashValue % 1)
        + UInt32(generator.next() % 5 == 0 ? 1 : 0)
}
let labelBytes = labels.withUnsafeBytes { Array($0) }

func block(_ bytes: [UInt8], _ type: DataType) -> VoxelBlock {
    VoxelBlock(size: [side, side, side], channels: 1, dataType: type, values: bytes)
}

// Downscaling kernels (input voxels per second).
for (name, bytes, type, method) in [
    ("average uint8 2x2x2", randomU8, DataType.uint8, DownscalingMethod.average),
    ("majority uint32 2x2x2", labelBytes, DataType.uint32, DownscalingMethod.majority),
    ("majority uint8 2x2x2", labels.map { UInt8(truncatingIfNeeded: $0) }, DataType.uint8, .majority),
    (
        "majority uint16 2x2x2", labels.map { UInt16(truncatingIfNeeded: $0) }.withUnsafeBytes { Array($0) },
        DataType.uint16, .majority
    ),
    (
        "majority uint64 2x2x2", labels.map { UInt64($0) << 33 | 5 }.withUnsafeBytes { Array($0) }, DataType.uint64,
        .majority
    ),
    ("stride uint32 2x2x2", labelBytes, DataType.uint32, DownscalingMethod.stride),
] {
    let input = block(bytes, type)
    let seconds = measure { _ = Downscaler.downscale(input, factors: [2, 2, 2], method: method) }
    report(name, "MVx/s", Double(voxels) / seconds / 1e6)
}
let floats = randomU8.map { Float($0) * 0.37 }.withUnsafeBytes { Array($0) }
let floatBlock = block(floats, .float32)
report(
    "average float32 2x2x2", "MVx/s",
    Double(voxels) / measure { _ = Downscaler.downscale(floatBlock, factors: [2, 2, 2], method: .average) } / 1e6)

// Codecs on 64^3 chunks.
let chunk = [64, 64, 64]
let chunkVoxels = 64 * 64 * 64
let smoothChunk = Array(smoothU8[0..<chunkVoxels])
let labelChunk = Array(labelBytes[0..<(chunkVoxels * 4)])
let gz = try Gzip.compress(smoothChunk, level: 6)
report(
    "gzip -6 compress (uint8 image chunk)", "MB/s",
    Double(chunkVoxels) / (try measure { _ = try Gzip.compress(smoothChunk, level: 6) }) / 1e6)
report("gzip decompress", "MB/s", Double(chunkVoxels) / (try measure { _ = try Gzip.decompress(gz) }) / 1e6)
let cseg = try CompressedSegmentation.encode(
    labelChunk, size: chunk, channels: 1, dataType: .uint32, blockSize: [8, 8, 8])
report(
    "compressed_segmentation encode uint32", "MVx/s",
    Double(chunkVoxels)
        / (try measure {
            _ = try CompressedSegmentation.encode(
                labelChunk, size: chunk, channels: 1, dataType: .uint32, blockSize: [8, 8, 8])
        }) / 1e6)
report(
    "compressed_segmentation decode uint32", "MVx/s",
    Double(chunkVoxels)
        / (try measure {
            _ = try CompressedSegmentation.decode(
                cseg, size: chunk, channels: 1, dataType: .uint32, blockSize: [8, 8, 8], path: "bench")
        }) / 1e6)
let jpeg = try JPEGChunk.encode(smoothChunk, size: chunk, channels: 1, quality: 95, plane: "xy")
report(
    "jpeg encode (q95, progressive)", "MVx/s",
    Double(chunkVoxels)
        / (try measure { _ = try JPEGChunk.encode(smoothChunk, size: chunk, channels: 1, quality: 95, plane: "xy") })
        / 1e6)
report(
    "jpeg decode", "MVx/s",
    Double(chunkVoxels) / (try measure { _ = try JPEGChunk.decode(jpeg, size: chunk, channels: 1, path: "bench") })
        / 1e6)
let png = try PNGChunk.encode(smoothChunk, size: chunk, channels: 1, dataType: .uint8, compressionLevel: 6)
report(
    "png encode", "MVx/s",
    Double(chunkVoxels)
        / (try measure {
            _ = try PNGChunk.encode(smoothChunk, size: chunk, channels: 1, dataType: .uint8, compressionLevel: 6)
        })
        / 1e6)
report(
    "png decode", "MVx/s",
    Double(chunkVoxels)
        / (try measure { _ = try PNGChunk.decode(png, size: chunk, channels: 1, dataType: .uint8, path: "bench") })
        / 1e6)
let mapping = ValueMapping(input: .float32, output: .uint8, scaling: (0.5, 3))
report(
    "value mapping float32 -> uint8 (scaled)", "MVx/s", Double(voxels) / measure { _ = mapping.convert(floats) } / 1e6)

// NIfTI reading, from files made by make bench (arguments: .nii and .nii.gz paths).
for path in CommandLine.arguments.dropFirst() {
    let volume = try NIfTIVolume(path: path)
    let size = volume.size
    let bytes = Double(size.reduce(1, *) * volume.channels * volume.header.dataType.bytesPerVoxel)
    let seconds = try measure(repeats: 2) {
        let reader = try NIfTIVolume(path: path)
        var z = 0
        while z < size[2] {
            _ = try reader.readSlab(z..<min(z + 64, size[2]))
            z += 64
        }
    }
    report("NIfTI read \((path as NSString).lastPathComponent)", "MB/s", bytes / seconds / 1e6)
}
