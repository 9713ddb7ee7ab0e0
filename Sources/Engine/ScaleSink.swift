import Encoding
import Foundation
import Precomputed

/// Encodes chunks and writes them where the scale keeps them: one file per chunk (unsharded;
/// written at once under a temporary name, then renamed), or appended to the spool of its shard,
/// which becomes the shard file when its last chunk arrives. Only offsets stay in memory, so a
/// sharded scale costs no more memory than an unsharded one, whatever the order chunks come in.
public final class ScaleSink: @unchecked Sendable {
    // Invariant: `spools` and `received` are read and changed only under `lock`; a spool is
    // thread-safe itself.
    public let dataset: Dataset
    public let plan: ScalePlan
    public let format: ChunkFormat
    private let lock = NSLock()
    private var spools: [Int: ShardSpool] = [:]
    private var received: [Int: Int] = [:]

    public init(dataset: Dataset, plan: ScalePlan, format: ChunkFormat) {
        self.dataset = dataset
        self.plan = plan
        self.format = format
    }

    /// Encodes the values of `box` (x fastest, then y, z, channel) and writes them.
    public func write(_ values: [UInt8], box: ChunkBox) throws {
        let encoded = try format.encode(values, size: box.size)
        guard plan.isSharded else {
            try dataset.writeChunk(encoded, key: plan.key, box: box, encoding: format.encoding)
            return
        }
        guard let cell = plan.cell(of: box) else {
            throw PrecomputedError.unsupported("\(box) is not a chunk of scale \(plan.key)")
        }
        let unit = plan.unit(ofCell: cell)
        let spool = try lock.withLock { () throws -> ShardSpool in
            if let spool = spools[unit] { return spool }
            let spool = try ShardSpool(
                finalPath: dataset.path(plan.shardFile(unit)), layout: plan.layout!,
                compressionLevel: dataset.options.compressionLevel)
            spools[unit] = spool
            return spool
        }
        try spool.append(id: plan.chunkID(ofCell: cell), data: encoded)
        let complete = lock.withLock { () -> ShardSpool? in
            received[unit, default: 0] += 1
            guard received[unit] == plan.chunkCount(of: unit) else { return nil }
            received[unit] = nil
            return spools.removeValue(forKey: unit)
        }
        try complete?.finish()
    }

    /// Runs `body`, which writes chunks, then `finish`; on error, removes the unfinished shards.
    public func writing(_ body: () throws -> Void) throws {
        do {
            try body()
            try finish()
        } catch {
            discard()
            throw error
        }
    }

    /// Writes the shards that lack chunks (skipped as missing), in shard order.
    public func finish() throws {
        let rest = lock.withLock { () -> [(Int, ShardSpool)] in
            defer {
                spools = [:]
                received = [:]
            }
            return spools.sorted { $0.key < $1.key }
        }
        for (_, spool) in rest { try spool.finish() }
    }

    /// Removes the spools of unfinished shards (after an error).
    public func discard() {
        let rest = lock.withLock { () -> [ShardSpool] in
            defer {
                spools = [:]
                received = [:]
            }
            return Array(spools.values)
        }
        for spool in rest { spool.discard() }
    }
}
