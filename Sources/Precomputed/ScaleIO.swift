import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Reads the chunks of one scale, unsharded (either layout, plain or gzipped) or sharded
/// (random access through the shard and minishard indexes).
public struct ScaleReader: Sendable {
    public let dataset: Dataset
    public let scale: ScaleInfo
    public let grid: ChunkGrid
    public let layout: ShardingLayout?

    public init(dataset: Dataset, scale: ScaleInfo) {
        self.dataset = dataset
        self.scale = scale
        grid = ChunkGrid(scale: scale)
        layout = scale.sharding.map { ShardingLayout(spec: $0, gridSize: ChunkGrid(scale: scale).gridSize) }
    }

    public var key: String { scale.key ?? "" }

    /// The name of a chunk in messages: its flat path, or its shard and id.
    public func describe(_ box: ChunkBox) -> String {
        guard let layout, let cell = grid.cell(of: box) else { return dataset.path("\(key)/\(box)") }
        let id = layout.chunkID(cell)
        return dataset.path("\(key)/\(layout.fileName(shard: layout.shard(of: id)))") + " (chunk \(box), id \(id))"
    }

    /// The encoded bytes of one chunk (gzip and the shard's data encoding undone).
    public func read(_ box: ChunkBox) throws -> [UInt8] {
        guard let layout else { return try dataset.readChunk(key: key, box: box) }
        guard let cell = grid.cell(of: box) else {
            throw PrecomputedError.unsupported("\(box) is not a chunk of scale \(key)")
        }
        let id = layout.chunkID(cell)
        let path = dataset.path("\(key)/\(layout.fileName(shard: layout.shard(of: id)))")
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { throw PrecomputedError.missing(path: describe(box), hint: "the shard file is absent") }
            throw FileIO.ioError(path)
        }
        defer { close(fd) }
        let data = try ShardFile.chunk(id: id, layout: layout, path: path) { offset, count in
            var bytes = [UInt8](repeating: 0, count: count)
            var done = 0
            while done < count {
                let got = bytes.withUnsafeMutableBytes {
                    pread(fd, $0.baseAddress! + done, count - done, off_t(offset + done))
                }
                if got < 0 {
                    if errno == EINTR { continue }
                    throw FileIO.ioError(path)
                }
                if got == 0 { break }
                done += got
            }
            return done == 0 && count > 0 ? nil : Array(bytes[0..<done])
        }
        guard let data else { throw PrecomputedError.missing(path: describe(box), hint: "the shard does not hold it") }
        return data
    }
}

/// Writes the chunks of one scale. Unsharded chunks are written at once; sharded chunks are
/// collected per shard, and each shard is written whole (to a temporary name, renamed) as soon
/// as its last chunk arrives. `finish` writes shards that lack chunks (skipped ones).
public final class ScaleWriter: @unchecked Sendable {
    public let dataset: Dataset
    public let scale: ScaleInfo
    public let encoding: ChunkEncoding
    public let grid: ChunkGrid
    public let layout: ShardingLayout?
    private let lock = NSLock()
    private var pending: [UInt64: [(id: UInt64, data: [UInt8])]] = [:]
    private var expected: [UInt64: Int] = [:]

    public init(dataset: Dataset, scale: ScaleInfo, encoding: ChunkEncoding) {
        self.dataset = dataset
        self.scale = scale
        self.encoding = encoding
        grid = ChunkGrid(scale: scale)
        layout = scale.sharding.map { ShardingLayout(spec: $0, gridSize: ChunkGrid(scale: scale).gridSize) }
        if let layout {
            let size = grid.gridSize
            for z in 0..<size[2] {
                for y in 0..<size[1] {
                    for x in 0..<size[0] { expected[layout.shard(of: layout.chunkID([x, y, z])), default: 0] += 1 }
                }
            }
        }
    }

    public var key: String { scale.key ?? "" }
    public var isSharded: Bool { layout != nil }

    /// The chunks of the scale in the order that completes shards soonest: by shard, then id
    /// (unsharded: x fastest, then y, z).
    public var boxesInWriteOrder: [ChunkBox] {
        guard let layout else { return grid.boxes }
        return grid.boxes.map { box -> (UInt64, UInt64, ChunkBox) in
            let id = layout.chunkID(grid.cell(of: box)!)
            return (layout.shard(of: id), id, box)
        }.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map(\.2)
    }

    /// Writes (or collects) one encoded chunk.
    public func write(_ bytes: [UInt8], box: ChunkBox) throws {
        guard let layout else {
            try dataset.writeChunk(bytes, key: key, box: box, encoding: encoding)
            return
        }
        guard let cell = grid.cell(of: box) else {
            throw PrecomputedError.unsupported("\(box) is not a chunk of scale \(key)")
        }
        let id = layout.chunkID(cell)
        let shard = layout.shard(of: id)
        let complete: [(id: UInt64, data: [UInt8])]? = lock.withLock {
            pending[shard, default: []].append((id, bytes))
            guard pending[shard]!.count == expected[shard] else { return nil }
            return pending.removeValue(forKey: shard)
        }
        if let complete { try writeShard(shard, complete) }
    }

    /// Writes the shards still waiting for chunks.
    public func finish() throws {
        let rest = lock.withLock { () -> [UInt64: [(id: UInt64, data: [UInt8])]] in
            defer { pending = [:] }
            return pending
        }
        for (shard, chunks) in rest.sorted(by: { $0.key < $1.key }) { try writeShard(shard, chunks) }
    }

    private func writeShard(_ shard: UInt64, _ chunks: [(id: UInt64, data: [UInt8])]) throws {
        guard let layout else { return }
        let bytes = try ShardFile.build(chunks, layout: layout)
        try FileIO.writeAtomically(bytes, to: dataset.path("\(key)/\(layout.fileName(shard: shard))"))
    }
}
