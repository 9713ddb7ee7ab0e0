import Codecs

/// MurmurHash3_x86_128 with seed 0 over the 8 little-endian bytes of a uint64; the result is
/// the low 64 bits of the digest (`h1 | h2 << 32`), as Neuroglancer's sharded format uses it.
public enum MurmurHash3 {
    public static func x86_128(_ key: UInt64) -> UInt64 {
        let c1: UInt32 = 0x239b_961b
        let c2: UInt32 = 0xab0e_9789
        let c3: UInt32 = 0x38b3_4ae5
        var h1: UInt32 = 0
        var h2: UInt32 = 0
        var h3: UInt32 = 0
        var h4: UInt32 = 0
        // 8 bytes: no full 16-byte block; the tail holds k1 (bytes 0-3) and k2 (bytes 4-7).
        var k2 = UInt32(truncatingIfNeeded: key >> 32)
        k2 &*= c2
        k2 = k2.rotatedLeft(16)
        k2 &*= c3
        h2 ^= k2
        var k1 = UInt32(truncatingIfNeeded: key)
        k1 &*= c1
        k1 = k1.rotatedLeft(15)
        k1 &*= c2
        h1 ^= k1
        let length: UInt32 = 8
        h1 ^= length
        h2 ^= length
        h3 ^= length
        h4 ^= length
        h1 &+= h2
        h1 &+= h3
        h1 &+= h4
        h2 &+= h1
        h3 &+= h1
        h4 &+= h1
        h1 = fmix(h1)
        h2 = fmix(h2)
        h3 = fmix(h3)
        h4 = fmix(h4)
        h1 &+= h2
        h1 &+= h3
        h1 &+= h4
        h2 &+= h1
        return UInt64(h1) | UInt64(h2) << 32
    }

    @inline(__always) static func fmix(_ value: UInt32) -> UInt32 {
        var h = value
        h ^= h >> 16
        h &*= 0x85eb_ca6b
        h ^= h >> 13
        h &*= 0xc2b2_ae35
        h ^= h >> 16
        return h
    }
}

extension UInt32 {
    @inline(__always) func rotatedLeft(_ count: UInt32) -> UInt32 { (self << count) | (self >> (32 - count)) }
}

/// Where the chunks of a sharded scale go: chunk ids (compressed Morton codes of the grid
/// cell), shard and minishard numbers, shard file names.
public struct ShardingLayout: Sendable {
    public let spec: ShardingSpec
    public let gridSize: [Int]
    /// Bits of the Morton code per axis: the bit length of (grid size - 1).
    public let bits: [Int]
    /// The spec's strings, decided once (the spec is validated before a layout is made).
    public let murmurHash: Bool
    public let gzipData: Bool
    public let gzipIndex: Bool

    public init(spec: ShardingSpec, gridSize: [Int]) {
        self.spec = spec
        self.gridSize = gridSize
        bits = gridSize.map { $0 <= 1 ? 0 : (Int.bitWidth - ($0 - 1).leadingZeroBitCount) }
        murmurHash = spec.hash == "murmurhash3_x86_128"
        gzipData = spec.dataEncoding == "gzip"
        gzipIndex = spec.minishardIndexEncoding == "gzip"
    }

    /// The compressed Morton code of grid cell `cell`: bits interleaved x, y, z, skipping
    /// axes whose bits are used up.
    public func chunkID(_ cell: [Int]) -> UInt64 {
        var out: UInt64 = 0
        var j: UInt64 = 0
        for i in 0..<(bits.max() ?? 0) {
            for d in 0..<3 where i < bits[d] {
                out |= UInt64((cell[d] >> i) & 1) << j
                j += 1
            }
        }
        return out
    }

    /// The inverse of `chunkID`.
    public func cell(of id: UInt64) -> [Int] {
        var cell = [0, 0, 0]
        var j: UInt64 = 0
        for i in 0..<(bits.max() ?? 0) {
            for d in 0..<3 where i < bits[d] {
                cell[d] |= Int((id >> j) & 1) << i
                j += 1
            }
        }
        return cell
    }

    /// The hashed key of an id: `hash(id >> preshift_bits)`.
    public func hashed(_ id: UInt64) -> UInt64 {
        let shifted = spec.preshiftBits >= 64 ? 0 : id >> UInt64(spec.preshiftBits)
        return murmurHash ? MurmurHash3.x86_128(shifted) : shifted
    }

    static func mask(_ bits: Int) -> UInt64 { bits >= 64 ? UInt64.max : (UInt64(1) << UInt64(bits)) - 1 }

    public func minishard(of id: UInt64) -> UInt64 { hashed(id) & Self.mask(spec.minishardBits) }

    public func shard(of id: UInt64) -> UInt64 {
        let h = hashed(id)
        let shifted = spec.minishardBits >= 64 ? 0 : h >> UInt64(spec.minishardBits)
        return shifted & Self.mask(spec.shardBits)
    }

    /// `<shard in lowercase hex, zero-padded to ceil(shard_bits / 4) digits>.shard`.
    public func fileName(shard: UInt64) -> String {
        let digits = (spec.shardBits + 3) / 4
        var hex = String(shard, radix: 16)
        if hex.count < digits { hex = String(repeating: "0", count: digits - hex.count) + hex }
        return hex + ".shard"
    }

    /// Bytes of the shard index: two uint64 per minishard.
    public var indexSize: Int { 16 << spec.minishardBits }
}

/// The arrangement of one shard file, the single definition that `ShardFile.build` and
/// `ShardSpool` share: the shard index, then per minishard in ascending order its chunk blobs
/// in ascending id order, back to back, and its minishard index. An empty minishard gets the
/// range `[o, o)`, `o` being where the next piece starts.
struct ShardAssembly {
    enum Piece {
        /// The bytes stored right before entry `index`'s blob (a mesh's fragments), outside the index.
        case prefix(Int)
        /// The stored blob of entry `index` of the entries given to `init`.
        case chunk(Int)
        /// An encoded minishard index.
        case bytes([UInt8])
    }

    /// The shard index: a start and an end (uint64 LE) per minishard.
    let header: [UInt8]
    /// What follows the header, in file order.
    let pieces: [Piece]
    /// The size of the file.
    let size: UInt64

    /// `entries` are the chunk ids and stored (data-encoded) sizes, in any order. Throws when
    /// an id is there twice or the ids are not all in one shard; `name` names the shard in
    /// errors.
    init(
        entries: [(id: UInt64, size: Int)], prefixSizes: [Int]? = nil, layout: ShardingLayout, compressionLevel: Int,
        name: String
    ) throws {
        let spec = layout.spec
        // 2^26 minishards make a 1 GiB shard index; Neuroglancer fetches it whole.
        guard (0...26).contains(spec.minishardBits) else {
            throw PrecomputedError.unsupported("\(name): minishard_bits \(spec.minishardBits) is more than 26")
        }
        let minishardCount = 1 << spec.minishardBits
        var order: [(minishard: Int, id: UInt64, index: Int)] = []
        order.reserveCapacity(entries.count)
        let shard = entries.first.map { layout.shard(of: $0.id) }
        for (index, entry) in entries.enumerated() {
            guard layout.shard(of: entry.id) == shard else {
                throw PrecomputedError.unsupported(
                    "\(name): chunk \(entry.id) belongs to shard \(layout.shard(of: entry.id)), not \(shard!)")
            }
            order.append((Int(layout.minishard(of: entry.id)), entry.id, index))
        }
        order.sort { ($0.minishard, $0.id) < ($1.minishard, $1.id) }
        var index = [UInt64](repeating: 0, count: 2 * minishardCount)
        var pieces: [Piece] = []
        pieces.reserveCapacity(entries.count + minishardCount)
        let gzipIndex = layout.gzipIndex
        // Offsets relative to the end of the shard index.
        var offset: UInt64 = 0
        var next = 0
        for minishard in 0..<minishardCount {
            var ids: [UInt64] = []
            var starts: [UInt64] = []
            var sizes: [UInt64] = []
            var previousID: UInt64 = 0
            // The first start is relative to the end of the shard index, the next ones to the
            // end of the chunk before.
            var previousEnd: UInt64 = 0
            while next < order.count && order[next].minishard == minishard {
                let (_, id, entryIndex) = order[next]
                if next > 0 && order[next - 1].id == id {
                    throw PrecomputedError.unsupported("\(name): chunk \(id) is there twice")
                }
                let size = UInt64(entries[entryIndex].size)
                if let prefixSizes, prefixSizes[entryIndex] > 0 {
                    pieces.append(.prefix(entryIndex))
                    offset += UInt64(prefixSizes[entryIndex])
                }
                ids.append(id &- previousID)
                previousID = id
                starts.append(offset - previousEnd)
                sizes.append(size)
                pieces.append(.chunk(entryIndex))
                offset += size
                previousEnd = offset
                next += 1
            }
            guard !ids.isEmpty else {
                index[2 * minishard] = offset
                index[2 * minishard + 1] = offset
                continue
            }
            var minishardIndex = [UInt8]()
            minishardIndex.reserveCapacity(24 * ids.count)
            for column in [ids, starts, sizes] {
                for value in column { withUnsafeBytes(of: value.littleEndian) { minishardIndex += $0 } }
            }
            if gzipIndex { minishardIndex = try Gzip.compress(minishardIndex, level: compressionLevel) }
            index[2 * minishard] = offset
            offset += UInt64(minishardIndex.count)
            index[2 * minishard + 1] = offset
            pieces.append(.bytes(minishardIndex))
        }
        var header = [UInt8]()
        header.reserveCapacity(layout.indexSize)
        for value in index { withUnsafeBytes(of: value.littleEndian) { header += $0 } }
        self.header = header
        self.pieces = pieces
        size = UInt64(layout.indexSize) + offset
    }

    /// A chunk's stored blob: `data` compressed on its own with the spec's data_encoding.
    static func storedBlob(_ data: [UInt8], layout: ShardingLayout, compressionLevel: Int) throws -> [UInt8] {
        layout.gzipData ? try Gzip.compress(data, level: compressionLevel) : data
    }
}

/// Building and reading shard files.
public enum ShardFile {
    /// A shard holding `chunks` (id and data already encoded in the chunk's encoding; each blob
    /// is compressed here with the spec's data_encoding, and a gzip minishard index too, at
    /// `compressionLevel`), laid out as `ShardAssembly` says: the same bytes as a `ShardSpool`
    /// given the same chunks in any order. Throws when an id is there twice or the chunks are
    /// not all in one shard.
    public static func build(
        _ chunks: [(id: UInt64, data: [UInt8])], layout: ShardingLayout, compressionLevel: Int = 6
    ) throws -> [UInt8] {
        let blobs = try chunks.map {
            try ShardAssembly.storedBlob($0.data, layout: layout, compressionLevel: compressionLevel)
        }
        let assembly = try ShardAssembly(
            entries: zip(chunks, blobs).map { ($0.id, $1.count) }, layout: layout,
            compressionLevel: compressionLevel, name: "shard")
        var file = assembly.header
        file.reserveCapacity(Int(assembly.size))
        for piece in assembly.pieces {
            switch piece {
            case .prefix: break
            case .chunk(let index): file += blobs[index]
            case .bytes(let bytes): file += bytes
            }
        }
        return file
    }

    /// A shard as `build` makes it, each entry's `prefix` stored as it is right before its
    /// blob and outside the index: the multi-resolution mesh layout, whose fragments precede the
    /// manifest that the index points to.
    public static func build(
        prefixed entries: [(id: UInt64, prefix: [UInt8], data: [UInt8])], layout: ShardingLayout,
        compressionLevel: Int = 6
    ) throws -> [UInt8] {
        let blobs = try entries.map {
            try ShardAssembly.storedBlob($0.data, layout: layout, compressionLevel: compressionLevel)
        }
        let assembly = try ShardAssembly(
            entries: zip(entries, blobs).map { ($0.id, $1.count) }, prefixSizes: entries.map(\.prefix.count),
            layout: layout, compressionLevel: compressionLevel, name: "shard")
        var file = assembly.header
        file.reserveCapacity(Int(assembly.size))
        for piece in assembly.pieces {
            switch piece {
            case .prefix(let index): file += entries[index].prefix
            case .chunk(let index): file += blobs[index]
            case .bytes(let bytes): file += bytes
            }
        }
        return file
    }

    /// The index of `minishard` (its shard-index `entry`: start and end, uint64 LE), read,
    /// checked and, with a gzip index, decompressed to at most `maxSize` bytes; nil when empty.
    static func minishardIndex(
        _ minishard: Int, entry: [UInt8], layout: ShardingLayout, maxSize: Int, path: String,
        read: (Int, Int) throws -> [UInt8]?
    ) throws -> [UInt8]? {
        func corrupt(_ problem: String) -> PrecomputedError { .badChunk(path: path, problem: problem) }
        let start = uint64(entry, 0)
        let end = uint64(entry, 8)
        if start == end { return nil }
        let base = UInt64(layout.indexSize)
        guard start < end, end - start < 1 << 40, start <= UInt64(Int.max) - base else {
            throw corrupt("minishard \(minishard) has an invalid index range \(start)..<\(end)")
        }
        guard var bytes = try read(Int(base + start), Int(end - start)), bytes.count == Int(end - start) else {
            throw corrupt("minishard \(minishard) index lies past the end of the file")
        }
        if layout.gzipIndex {
            do {
                bytes = try Gzip.decompress(bytes, maxSize: maxSize)
            } catch {
                throw corrupt("minishard index: \(error)")
            }
        }
        guard bytes.count % 24 == 0 else { throw corrupt("invalid minishard index length \(bytes.count)") }
        return bytes
    }

    /// A little-endian uint64 at `offset`.
    static func uint64(_ bytes: [UInt8], _ offset: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in 0..<8 { value |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
        return value
    }

    /// The ids a shard file holds, in minishard order, from its shard and minishard indexes
    /// (read whole or through `read`, as `chunk` reads them); `path` names it in errors.
    public static func ids(layout: ShardingLayout, path: String, read: (Int, Int) throws -> [UInt8]?) throws
        -> [UInt64]
    {
        try entries(layout: layout, path: path, read: read).map(\.id)
    }

    /// What a minishard index says of one chunk: its id, the minishard, and the file bytes
    /// `start..<start + size` of its stored blob, computed as `chunk` computes them (mod 2^64:
    /// the caller checks them against the file).
    public struct Entry: Sendable, Equatable {
        public var id: UInt64
        public var minishard: Int
        public var start: UInt64
        public var size: UInt64
    }

    /// The entries of every minishard index of a shard file, in minishard order, read as `ids`
    /// reads them.
    public static func entries(layout: ShardingLayout, path: String, read: (Int, Int) throws -> [UInt8]?) throws
        -> [Entry]
    {
        func corrupt(_ problem: String) -> PrecomputedError { .badChunk(path: path, problem: problem) }
        guard let index = try read(0, layout.indexSize), index.count == layout.indexSize else {
            throw corrupt("shard index is truncated")
        }
        let base = UInt64(layout.indexSize)
        var entries: [Entry] = []
        for minishard in 0..<(layout.indexSize / 16) {
            let entry = Array(index[(16 * minishard)..<(16 * minishard + 16)])
            guard
                let bytes = try minishardIndex(
                    minishard, entry: entry, layout: layout, maxSize: 1 << 32, path: path, read: read)
            else { continue }
            let n = bytes.count / 24
            var id: UInt64 = 0
            var end = base
            for i in 0..<n {
                id &+= uint64(bytes, 8 * i)
                let start = end &+ uint64(bytes, 8 * (n + i))
                let size = uint64(bytes, 8 * (2 * n + i))
                end = start &+ size
                entries.append(Entry(id: id, minishard: minishard, start: start, size: size))
            }
        }
        return entries
    }

    /// The chunk with `id` from a shard file's bytes (read whole or through `read`), or nil
    /// when absent. `read(offset, count)` returns bytes of the file; `path` names it in errors.
    public static func chunk(
        id: UInt64, layout: ShardingLayout, path: String, read: (Int, Int) throws -> [UInt8]?
    ) throws -> [UInt8]? {
        func corrupt(_ problem: String) -> PrecomputedError { .badChunk(path: path, problem: problem) }
        let minishard = Int(layout.minishard(of: id))
        guard let entry = try read(16 * minishard, 16) else { return nil }
        guard entry.count == 16 else { throw corrupt("shard index is truncated") }
        let base = UInt64(layout.indexSize)
        // 24 bytes per chunk, every chunk of the scale in this minishard at the most.
        guard
            let indexBytes = try minishardIndex(
                minishard, entry: entry, layout: layout, maxSize: 24 * layout.gridSize.reduce(1, *), path: path,
                read: read)
        else { return nil }
        let n = indexBytes.count / 24
        var currentID: UInt64 = 0
        var currentEnd: UInt64 = 0
        for i in 0..<n {
            currentID &+= uint64(indexBytes, 8 * i)
            let dataStart = (i == 0 ? base : currentEnd) &+ uint64(indexBytes, 8 * (n + i))
            let size = uint64(indexBytes, 8 * (2 * n + i))
            currentEnd = dataStart &+ size
            guard currentID == id else { continue }
            guard size < 1 << 40, dataStart <= UInt64(Int.max) else {
                throw corrupt("chunk \(id) has an invalid byte range")
            }
            guard let data = try read(Int(dataStart), Int(size)), data.count == Int(size) else {
                throw corrupt("chunk \(id) lies past the end of the file")
            }
            if layout.gzipData {
                do {
                    return try Gzip.decompress(data, maxSize: Dataset.maxEncodedChunkBytes)
                } catch {
                    throw corrupt("chunk \(id): \(error)")
                }
            }
            return data
        }
        return nil
    }
}

extension ShardingSpec {
    /// Bits chosen for one scale (`--sharding auto`): a shard holds up to 2^c chunks, c as large
    /// as keeps a shard's raw size within 1 GiB (well under the 2 GB limit) and at most 2^12
    /// chunks; 64 minishards (a 1 KiB shard index, under the 8 KiB rule), each holding a run of
    /// 2^preshift Morton-adjacent chunks; the remaining bits of the chunk ids select the shard.
    public static func automatic(gridSize: [Int], chunkBytes: Int, gzip: Bool) -> ShardingSpec {
        let layout = ShardingLayout(
            spec: ShardingSpec(preshiftBits: 0, minishardBits: 0, shardBits: 0), gridSize: gridSize)
        let idBits = layout.bits.reduce(0, +)
        var perShard = 0
        while perShard < 12 && (chunkBytes << (perShard + 1)) <= 1 << 30 { perShard += 1 }
        perShard = min(perShard, idBits)
        let minishard = min(perShard, 6)
        let encoding = gzip ? "gzip" : "raw"
        return ShardingSpec(
            preshiftBits: perShard - minishard, hash: "identity", minishardBits: minishard,
            shardBits: idBits - perShard,
            minishardIndexEncoding: encoding, dataEncoding: encoding)
    }
}
