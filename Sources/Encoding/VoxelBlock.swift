import Precomputed

/// A block of voxels: `size` = [x, y, z], values x fastest, then y, z, channel.
public struct VoxelBlock: Sendable, Equatable {
    public var size: [Int]
    public var channels: Int
    public var dataType: DataType
    public var values: [UInt8]

    public init(size: [Int], channels: Int, dataType: DataType, values: [UInt8]) {
        precondition(values.count == size.reduce(1, *) * channels * dataType.size)
        self.size = size
        self.channels = channels
        self.dataType = dataType
        self.values = values
    }
}

extension ScaleReader {
    /// Reads and decodes the chunks of `grid` that overlap [lower, upper) and copies the
    /// overlap into one block.
    /// Throws `unsupported` for a region that is empty or not inside the grid.
    public func readRegion(format: ChunkFormat, lower: [Int], upper: [Int]) throws -> VoxelBlock {
        guard lower.count == 3, upper.count == 3, (0..<3).allSatisfy({ 0 <= lower[$0] && lower[$0] < upper[$0] }),
            (0..<3).allSatisfy({ upper[$0] <= grid.size[$0] })
        else {
            throw PrecomputedError.unsupported(
                "region \(lower)..<\(upper) is not inside scale \(key) (size \(grid.size))")
        }
        let size = (0..<3).map { upper[$0] - lower[$0] }
        let element = format.dataType.size
        var values = [UInt8](repeating: 0, count: size.reduce(1, *) * format.channels * element)
        try forEachChunk(format: format, lower: lower, upper: upper) { box, decoded, chunkLower, from, to in
            let run = (to[0] - from[0]) * element
            decoded.withUnsafeBytes { chunk in
                values.withUnsafeMutableBytes { target in
                    for c in 0..<format.channels {
                        for z in from[2]..<to[2] {
                            for y in from[1]..<to[1] {
                                let s =
                                    (((c * box.size[2] + z - chunkLower[2]) * box.size[1] + y - chunkLower[1])
                                        * box.size[0] + from[0] - chunkLower[0]) * element
                                let t =
                                    (((c * size[2] + z - lower[2]) * size[1] + y - lower[1]) * size[0]
                                        + from[0] - lower[0]) * element
                                target.baseAddress!.advanced(by: t).copyMemory(
                                    from: chunk.baseAddress!.advanced(by: s), byteCount: run)
                            }
                        }
                    }
                }
            }
        }
        return VoxelBlock(size: size, channels: format.channels, dataType: format.dataType, values: values)
    }
}

extension ScaleReader {
    /// Reads and decodes, in grid order, each chunk that overlaps [lower, upper) (inside the
    /// grid) and hands `body` the chunk's box, its decoded values, its lower corner and the
    /// overlap [from, to) in voxels of the scale. With `skipMissing`, absent chunks are skipped.
    public func forEachChunk(
        format: ChunkFormat, lower: [Int], upper: [Int], skipMissing: Bool = false,
        _ body: (ChunkBox, [UInt8], [Int], [Int], [Int]) throws -> Void
    ) throws {
        let first = (0..<3).map { lower[$0] / grid.chunkSize[$0] }
        let last = (0..<3).map { (upper[$0] - 1) / grid.chunkSize[$0] }
        for gz in first[2]...last[2] {
            for gy in first[1]...last[1] {
                for gx in first[0]...last[0] {
                    let box = grid.box(gx, gy, gz)
                    let bytes: [UInt8]
                    do {
                        bytes = try read(box)
                    } catch PrecomputedError.missing where skipMissing {
                        continue
                    }
                    let decoded = try format.decode(bytes, size: box.size, path: describe(box))
                    guard decoded.count == format.valueByteCount(size: box.size) else {
                        throw PrecomputedError.badChunk(
                            path: describe(box), problem: "decodes to \(decoded.count) bytes, not the chunk's")
                    }
                    let chunkLower = [gx * grid.chunkSize[0], gy * grid.chunkSize[1], gz * grid.chunkSize[2]]
                    let from = (0..<3).map { max(lower[$0], chunkLower[$0]) }
                    let to = (0..<3).map { min(upper[$0], chunkLower[$0] + box.size[$0]) }
                    try body(box, decoded, chunkLower, from, to)
                }
            }
        }
    }
}
