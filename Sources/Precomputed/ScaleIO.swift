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
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw FileIO.ioError(path) }
        let fileSize = Int(status.st_size)
        // Reads stop at the end of the file: a corrupt index cannot size a larger buffer.
        let data = try ShardFile.chunk(id: id, layout: layout, path: path) { offset, wanted in
            guard offset >= 0, wanted >= 0 else { return nil }
            let count = min(wanted, max(0, fileSize - offset))
            var bytes = [UInt8](repeating: 0, count: count)
            var done = 0
            while done < count {
                let got = bytes.withUnsafeMutableBytes {
                    pread(fd, $0.baseAddress.map { $0 + done }, count - done, off_t(offset + done))
                }
                if got < 0 {
                    if errno == EINTR { continue }
                    throw FileIO.ioError(path)
                }
                if got == 0 { break }
                done += got
            }
            return done == 0 && wanted > 0 ? nil : Array(bytes[0..<done])
        }
        guard let data else { throw PrecomputedError.missing(path: describe(box), hint: "the shard does not hold it") }
        return data
    }
}
