import Foundation

/// A byte count with an IEC prefix and at least two significant digits, as the reference's
/// `readable_count` (`512 `, `9.3 Gi`); append the unit.
public func readableCount(_ count: Double) -> String {
    let whole = String(format: "%.0f", count)
    if whole.count <= 3 { return whole + " " }
    let prefixes: [(Double, String)] = [
        (0x1p10, "ki"), (0x1p20, "Mi"), (0x1p30, "Gi"), (0x1p40, "Ti"), (0x1p50, "Pi"), (0x1p60, "Ei"),
    ]
    for (factor, prefix) in prefixes {
        let text = String(format: count > 10 * factor ? "%.0f" : "%.1f", count / factor)
        if text.count <= 3 { return text + " " + prefix }
    }
    let value = Int((count / 0x1p60).rounded(.toNearestOrEven))
    return groupThousands(value) + " Ei"
}

/// `1234567` as `1,234,567`.
public func groupThousands(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var result = ""
    for (index, character) in digits.enumerated() {
        if index > 0 && (digits.count - index) % 3 == 0 { result.append(",") }
        result.append(character)
    }
    return (value < 0 ? "-" : "") + result
}

/// What `nprec stats` reports for one scale and chunk size.
public struct ScaleStats: Sendable, Equatable {
    public var key: String
    public var chunkSize: [Int]
    public var chunkCount: Int
    public var directoryCount: Int
    public var rawBytes: Int
    public var sharding: ShardingSpec?
    /// Shard files the scale has: those that hold at least one chunk.
    public var shardCount: Int?
    /// The most chunks one shard holds.
    public var chunksPerShard: Int?
}

public enum DatasetStats {
    /// The reference's numbers: chunks, directories (`gx * (1 + gy)`, or `2^shard_bits + 1`
    /// when sharded) and the raw size of every scale. The info is validated first (`file`
    /// names it in errors), so every count fits its type.
    public static func compute(_ info: VolumeInfo, file: String = "info") throws -> [ScaleStats] {
        let spec = try info.validate(file: file)
        var result: [ScaleStats] = []
        for scale in spec.scales {
            for chunkSize in scale.info.chunkSizes ?? [] {
                let grid = ChunkGrid(size: scale.size, chunkSize: chunkSize)
                let gridSize = grid.gridSize
                var directories = gridSize[0] * (1 + gridSize[1])
                var shardCount: Int? = nil
                var chunksPerShard: Int? = nil
                if let sharding = scale.sharding {
                    directories = (1 << min(sharding.shardBits, 62)) + 1
                    let counts = shardSizes(layout: ShardingLayout(spec: sharding, gridSize: gridSize))
                    shardCount = counts.count
                    chunksPerShard = counts.max() ?? 0
                }
                result.append(
                    ScaleStats(
                        key: scale.key, chunkSize: chunkSize, chunkCount: grid.chunkCount,
                        directoryCount: directories,
                        rawBytes: scale.size.reduce(spec.voxelBytes, *),
                        sharding: scale.sharding, shardCount: shardCount, chunksPerShard: chunksPerShard))
            }
        }
        return result
    }

    /// The chunk counts of the shards that hold at least one chunk.
    static func shardSizes(layout: ShardingLayout) -> [Int] {
        let gridSize = layout.gridSize
        // An array of counts when the shard numbers are few, else a dictionary.
        let shardNumbers = layout.spec.shardBits <= 20 ? 1 << layout.spec.shardBits : 0
        var dense = [Int](repeating: 0, count: shardNumbers)
        var sparse: [UInt64: Int] = [:]
        for z in 0..<gridSize[2] {
            for y in 0..<gridSize[1] {
                for x in 0..<gridSize[0] {
                    let shard = layout.shard(of: layout.chunkID([x, y, z]))
                    if shardNumbers > 0 { dense[Int(shard)] += 1 } else { sparse[shard, default: 0] += 1 }
                }
            }
        }
        return shardNumbers > 0 ? dense.filter { $0 > 0 } : Array(sparse.values)
    }

    /// The report as `scale-stats` prints it.
    public static func report(_ stats: [ScaleStats]) -> String {
        var lines: [String] = []
        for scale in stats {
            let shardText = scale.sharding.map { "Sharded: \($0.shardBits)bits" } ?? "Unsharded"
            let chunk = "[" + scale.chunkSize.map(String.init).joined(separator: ", ") + "]"
            lines.append(
                "Scale \(scale.key), \(shardText), chunk size \(chunk): \(groupThousands(scale.chunkCount)) chunks, "
                    + "\(groupThousands(scale.directoryCount)) directories, raw uncompressed size "
                    + "\(readableCount(Double(scale.rawBytes)))B")
            if let shards = scale.shardCount, let perShard = scale.chunksPerShard, let spec = scale.sharding {
                lines.append(
                    "  \(groupThousands(shards)) shard files of up to \(groupThousands(perShard)) chunks "
                        + "(\(spec.hash), minishard bits \(spec.minishardBits), preshift bits \(spec.preshiftBits))")
            }
        }
        lines.append("---")
        // Each count fits an Int (validate checks), their sums may not: 2^62 directories of
        // two sharded scales, or raw sizes near 2^63.
        func total(_ count: (ScaleStats) -> Int) -> String {
            var sum = 0
            for scale in stats {
                let (next, overflow) = sum.addingReportingOverflow(count(scale))
                if overflow { return "more than \(groupThousands(Int.max))" }
                sum = next
            }
            return groupThousands(sum)
        }
        let bytes = stats.reduce(0.0) { $0 + Double($1.rawBytes) }
        lines.append(
            "Total: \(total(\.chunkCount)) chunks, \(total(\.directoryCount)) directories, "
                + "raw uncompressed size \(readableCount(bytes))B")
        return lines.joined(separator: "\n") + "\n"
    }
}
