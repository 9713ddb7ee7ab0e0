import Precomputed

/// The `compressed_segmentation` chunk encoding for uint32 and uint64 labels (spec §4;
/// Neuroglancer's `src/sliceview/compressed_segmentation/README.md`).
///
/// A chunk is a stream of little-endian 32-bit words: one offset per channel (in words from the
/// start of the file), then per channel the block headers (2 words per block, x-fastest block
/// order) followed by each block's lookup table of distinct values and its packed table indices
/// (0, 1, 2, 4, 8, 16 or 32 bits each, over the full block size even for edge blocks).
///
/// The encoder writes what neuroglancer-scripts 1.2.0 writes, byte for byte:
/// - per block, its lookup table (sorted ascending) comes first, then its packed indices;
/// - a table identical to one already stored in the channel is not stored again;
/// - the positions of an edge block beyond the chunk hold the index of the block's most frequent
///   value (the smallest such value on a tie): the reference pads edge blocks with that value.
///   Readers ignore these positions; Neuroglancer's and TensorStore's encoders put index 0 there.
/// Unlike the reference, it handles any block size (the reference pads with its axes in the
/// wrong order and fails whenever the block's x and z sizes differ).
public enum CompressedSegmentation {
    /// Encodes chunk values: `values` holds uint32 or uint64 values in host (little-endian) order,
    /// x fastest, then y, z, channel; `size` = [x, y, z] (the truncated chunk size); any
    /// `blockSize` [bx, by, bz].
    ///
    /// Table and index offsets must fit in 24 bits (64 MiB per channel); `fitsOffsetLimit` says
    /// whether every chunk of a size does. Throws `unsupported` for a chunk that does not fit, a
    /// block size outside `InfoLimits`, another data type, or values that do not match `size`.
    public static func encode(
        _ values: [UInt8], size: [Int], channels: Int, dataType: DataType, blockSize: [Int]
    ) throws -> [UInt8] {
        let layout = try BlockLayout(size: size, blockSize: blockSize, channels: channels)
        guard values.count == layout.voxels * channels * dataType.size else {
            throw PrecomputedError.unsupported(
                "compressed_segmentation: \(values.count) bytes of values for \(layout.voxels) voxels x \(channels)")
        }
        let words: [UInt8]?
        switch dataType {
        case .uint32:
            let encoder = ChunkEncoder<UInt32>(layout)
            words = values.withUnsafeBytes { encoder.encode($0) }
        case .uint64:
            let encoder = ChunkEncoder<UInt64>(layout)
            words = values.withUnsafeBytes { encoder.encode($0) }
        default:
            throw PrecomputedError.unsupported(
                "compressed_segmentation holds uint32 or uint64 values, not \(dataType.rawValue)")
        }
        guard let words else {
            throw PrecomputedError.unsupported(
                "compressed_segmentation: a channel of a \(size.map(String.init).joined(separator: "x")) chunk passes "
                    + "the format's 64 MiB offset limit; use smaller chunks")
        }
        return words
    }

    /// Decodes, validating every offset, length and bit width: a corrupt chunk throws
    /// PrecomputedError.badChunk(path: path, problem: ...) — never a crash or out-of-bounds read.
    ///
    /// Like Neuroglancer and TensorStore, the reader takes each channel to run to the end of the
    /// file, masks both header offsets to 24 bits, and checks only the table indices of voxels
    /// inside the chunk (edge-block padding may hold anything).
    public static func decode(
        _ bytes: [UInt8], size: [Int], channels: Int, dataType: DataType, blockSize: [Int], path: String
    ) throws -> [UInt8] {
        let layout = try BlockLayout(size: size, blockSize: blockSize, channels: channels)
        switch dataType {
        case .uint32: return try decode(bytes, layout, UInt32.self, path: path)
        case .uint64: return try decode(bytes, layout, UInt64.self, path: path)
        default:
            throw PrecomputedError.unsupported(
                "compressed_segmentation holds uint32 or uint64 values, not \(dataType.rawValue)")
        }
    }

    /// Whether every chunk of `size` encodes within the format's 24-bit offsets, whatever its
    /// values (the worst case: as many distinct values per block as the block has voxels); false
    /// for sizes `BlockLayout` refuses.
    public static func fitsOffsetLimit(size: [Int], dataType: DataType, blockSize: [Int]) -> Bool {
        guard let layout = try? BlockLayout(size: size, blockSize: blockSize, channels: 1) else { return false }
        let distinct = min(layout.blockVoxels, layout.maxVoxelsInBlock)
        let bits = encodedBits(distinct: distinct)
        let perBlock = valueWords(bits: bits, blockVoxels: layout.blockVoxels) + distinct * dataType.size / 4
        let words = layout.blocks * 2 + layout.blocks * perBlock
        return words <= offsetLimit
    }

    /// Offsets are stored in 24 bits.
    static let offsetLimit = 0xFF_FFFF

    /// The bits per table index for a block of `distinct` values: 0 for one value, otherwise
    /// the smallest of 1, 2, 4, 8, 16, 32 with 2^bits >= distinct.
    static func encodedBits(distinct: Int) -> Int {
        switch distinct {
        case ...1: return 0
        case 2: return 1
        case 3...4: return 2
        case 5...16: return 4
        case 17...256: return 8
        case 257...65_536: return 16
        default: return 32
        }
    }

    /// 32-bit words holding `blockVoxels` indices of `bits` bits.
    static func valueWords(bits: Int, blockVoxels: Int) -> Int {
        (bits * blockVoxels + 31) / 32
    }
}

/// A chunk's block grid.
struct BlockLayout {
    let sx: Int, sy: Int, sz: Int
    let bx: Int, by: Int, bz: Int
    let gx: Int, gy: Int, gz: Int
    let channels: Int

    /// Throws `unsupported` unless the sizes are positive, a chunk's values (all channels, 8
    /// bytes a value at the least) fit `InfoLimits.maxChunkBytes` and a block `InfoLimits.maxBlockVoxels`, which
    /// keeps every `bits * blockVoxels`, table index and offset within 32 bits.
    init(size: [Int], blockSize: [Int], channels: Int) throws {
        func refuse(_ problem: String) -> PrecomputedError { .unsupported("compressed_segmentation: " + problem) }
        guard size.count == 3, size.allSatisfy({ $0 > 0 }) else {
            throw refuse("chunk size must be 3 positive numbers, not \(size)")
        }
        guard blockSize.count == 3, blockSize.allSatisfy({ $0 > 0 }) else {
            throw refuse("block size must be 3 positive numbers, not \(blockSize)")
        }
        guard channels > 0 else { throw refuse("a chunk has at least one channel, not \(channels)") }
        var bytes = 4 * channels
        var blockVoxels = 1
        for axis in 0..<3 {
            let (chunk, chunkOverflow) = bytes.multipliedReportingOverflow(by: size[axis])
            let (block, blockOverflow) = blockVoxels.multipliedReportingOverflow(by: blockSize[axis])
            guard !chunkOverflow, chunk <= InfoLimits.maxChunkBytes else {
                throw refuse("a chunk of \(size) voxels x \(channels) channels is too large")
            }
            guard !blockOverflow, block <= InfoLimits.maxBlockVoxels else {
                throw refuse("a block of \(blockSize) voxels is more than \(InfoLimits.maxBlockVoxels)")
            }
            (bytes, blockVoxels) = (chunk, block)
        }
        (sx, sy, sz) = (size[0], size[1], size[2])
        (bx, by, bz) = (blockSize[0], blockSize[1], blockSize[2])
        (gx, gy, gz) = ((sx - 1) / bx + 1, (sy - 1) / by + 1, (sz - 1) / bz + 1)
        self.channels = channels
    }

    var voxels: Int { sx * sy * sz }
    var blockVoxels: Int { bx * by * bz }
    var blocks: Int { gx * gy * gz }
    /// The most voxels of the chunk that one block covers.
    var maxVoxelsInBlock: Int { min(bx, sx) * min(by, sy) * min(bz, sz) }
}

// MARK: - Encoding

/// Encodes the chunks of one layout and label type. Holds every scratch buffer, allocated once
/// per chunk: nothing is allocated per block or per voxel.
private final class ChunkEncoder<Label: FixedWidthInteger & UnsignedInteger> {
    let layout: BlockLayout
    let blockVoxels: Int
    let labelWords = MemoryLayout<Label>.size / 4

    // The output words, grown by doubling.
    var words: UnsafeMutablePointer<UInt32>
    var count = 0
    var capacity: Int

    /// Per block position: the id (first-seen order) of its value.
    let ids: UnsafeMutablePointer<UInt32>
    /// Per id: the value, its slot in `slotIds`, its table index.
    let distinct: UnsafeMutablePointer<Label>
    let slotOf: UnsafeMutablePointer<Int>
    let rank: UnsafeMutablePointer<UInt32>
    /// The block's lookup table: its distinct values, sorted; `spare` and `digits` serve the sort.
    let table: UnsafeMutablePointer<Label>
    let spare: UnsafeMutablePointer<Label>
    let digits: UnsafeMutablePointer<Int>
    /// Open-addressing table of the block's values: `slotIds` holds id + 1, 0 when empty.
    let slotKeys: UnsafeMutablePointer<Label>
    let slotIds: UnsafeMutablePointer<UInt32>
    let slotMask: Int
    let slotShift: UInt64
    /// Lookup tables stored in the current channel, by hash.
    var tables: UnsafeMutablePointer<StoredTable>
    var tableCapacity = 64
    var tableCount = 0

    struct StoredTable {
        var hash: UInt64
        var offset: UInt32  // in words from the channel start
        var length: UInt32  // entries; 0 marks an empty slot
    }

    init(_ layout: BlockLayout) {
        self.layout = layout
        blockVoxels = layout.blockVoxels
        let maxDistinct = min(blockVoxels, layout.maxVoxelsInBlock)
        ids = .allocate(capacity: blockVoxels)
        distinct = .allocate(capacity: maxDistinct)
        slotOf = .allocate(capacity: maxDistinct)
        rank = .allocate(capacity: maxDistinct)
        table = .allocate(capacity: maxDistinct)
        spare = .allocate(capacity: maxDistinct)
        digits = .allocate(capacity: 256)
        var slots = 16
        var slotBits: UInt64 = 4
        while slots < 2 * maxDistinct {
            slots <<= 1
            slotBits += 1
        }
        slotKeys = .allocate(capacity: slots)
        slotIds = .allocate(capacity: slots)
        slotIds.initialize(repeating: 0, count: slots)
        slotMask = slots - 1
        slotShift = 64 - slotBits
        tables = .allocate(capacity: tableCapacity)
        // A guess that fits most segmentation chunks: headers plus a few words per block.
        capacity = layout.channels * (layout.blocks * 8 + 1) + 64
        words = .allocate(capacity: capacity)
    }

    deinit {
        words.deallocate()
        ids.deallocate()
        distinct.deallocate()
        slotOf.deallocate()
        rank.deallocate()
        table.deallocate()
        spare.deallocate()
        digits.deallocate()
        slotKeys.deallocate()
        slotIds.deallocate()
        tables.deallocate()
    }

    /// Appends `n` zero words and returns where they start.
    @inline(__always)
    func appendZeros(_ n: Int) -> Int {
        let start = count
        if count + n > capacity {
            var newCapacity = capacity * 2
            while newCapacity < count + n { newCapacity *= 2 }
            let grown = UnsafeMutablePointer<UInt32>.allocate(capacity: newCapacity)
            grown.moveInitialize(from: words, count: count)
            words.deallocate()
            words = grown
            capacity = newCapacity
        }
        (words + start).initialize(repeating: 0, count: n)
        count += n
        return start
    }

    /// The encoded chunk, or nil when a channel passes the 24-bit offset limit.
    func encode(_ input: UnsafeRawBufferPointer) -> [UInt8]? {
        guard let base = input.baseAddress else { return nil }
        _ = appendZeros(layout.channels)
        for channel in 0..<layout.channels {
            words[channel] = UInt32(count).littleEndian
            guard encodeChannel(base + channel * layout.voxels * MemoryLayout<Label>.size) else { return nil }
        }
        return [UInt8](UnsafeRawBufferPointer(start: words, count: count * 4))
    }

    /// False when the channel passes the 24-bit offset limit.
    func encodeChannel(_ input: UnsafeRawPointer) -> Bool {
        let l = layout
        let channelStart = appendZeros(2 * l.blocks)
        tables.initialize(repeating: StoredTable(hash: 0, offset: 0, length: 0), count: tableCapacity)
        tableCount = 0
        for z in 0..<l.gz {
            for y in 0..<l.gy {
                for x in 0..<l.gx {
                    let header = channelStart + 2 * (x + l.gx * (y + l.gy * z))
                    guard encodeBlock(input, x0: x * l.bx, y0: y * l.by, z0: z * l.bz, channelStart, header) else {
                        return false
                    }
                }
            }
        }
        return true
    }

    /// The id of `value` in the current block, adding it if new.
    @inline(__always)
    func id(of value: Label, _ n: inout Int) -> UInt32 {
        var slot = Int(truncatingIfNeeded: (UInt64(truncatingIfNeeded: value) &* 0x9E37_79B9_7F4A_7C15) &>> slotShift)
        while true {
            let stored = slotIds[slot]
            if stored == 0 {
                let id = UInt32(truncatingIfNeeded: n)
                slotIds[slot] = id &+ 1
                slotKeys[slot] = value
                distinct[n] = value
                slotOf[n] = slot
                n &+= 1
                return id
            }
            if slotKeys[slot] == value { return stored &- 1 }
            slot = (slot &+ 1) & slotMask
        }
    }

    /// False when the block's values pass the 24-bit offset limit.
    func encodeBlock(_ input: UnsafeRawPointer, x0: Int, y0: Int, z0: Int, _ channelStart: Int, _ header: Int)
        -> Bool
    {
        let l = layout
        let (ax, ay, az) = (min(l.bx, l.sx - x0), min(l.by, l.sy - y0), min(l.bz, l.sz - z0))
        let stride = MemoryLayout<Label>.size

        // The distinct values, and each position's id; runs of one value skip the hash table.
        var n = 0
        var previous = input.loadUnaligned(fromByteOffset: (x0 + l.sx * (y0 + l.sy * z0)) * stride, as: Label.self)
        var previousId = id(of: previous, &n)
        for z in 0..<az {
            for y in 0..<ay {
                let row = input + (x0 + l.sx * ((y0 + y) + l.sy * (z0 + z))) * stride
                let out = ids + l.bx * (y + l.by * z)
                for x in 0..<ax {
                    let value = row.loadUnaligned(fromByteOffset: x &* stride, as: Label.self)
                    if value != previous {
                        previous = value
                        previousId = id(of: value, &n)
                    }
                    out[x] = previousId
                }
            }
        }
        let bits = CompressedSegmentation.encodedBits(distinct: n)
        if bits > 0 && (ax < l.bx || ay < l.by || az < l.bz) {
            padEdgeBlock(n: n, ax: ax, ay: ay, az: az)
        }

        // The sorted lookup table, and each id's index in it (found through the hash table,
        // which is then emptied for the next block).
        table.update(from: distinct, count: n)
        if n > 1 {
            sortTable(n)
            for i in 0..<n {
                var ignored = n
                rank[Int(id(of: table[i], &ignored))] = UInt32(truncatingIfNeeded: i)
            }
        }
        for i in 0..<n { slotIds[slotOf[i]] = 0 }
        var hash = UInt64(truncatingIfNeeded: n) &* 0x9E37_79B9_7F4A_7C15
        for i in 0..<n {
            hash = (hash ^ UInt64(truncatingIfNeeded: table[i])) &* 0x0000_0100_0000_01B3
            hash ^= hash &>> 29
        }

        // The table: reuse an identical one of this channel, or store it.
        let tableOffset: Int
        if let stored = findTable(hash: hash, n: n, channelStart) {
            tableOffset = stored
        } else {
            let start = appendZeros(n * labelWords)
            for i in 0..<n {
                let value = table[i]
                words[start + i * labelWords] = UInt32(truncatingIfNeeded: value).littleEndian
                if labelWords == 2 {
                    words[start + i * 2 + 1] = UInt32(truncatingIfNeeded: UInt64(value) &>> 32).littleEndian
                }
            }
            tableOffset = start - channelStart
            storeTable(hash: hash, offset: tableOffset, n: n)
        }

        // The packed indices.
        let valuesStart = appendZeros(CompressedSegmentation.valueWords(bits: bits, blockVoxels: blockVoxels))
        let valuesOffset = valuesStart - channelStart
        guard valuesOffset <= CompressedSegmentation.offsetLimit else { return false }
        let target = words + valuesStart
        switch bits {
        case 1: pack(1, target)
        case 2: pack(2, target)
        case 4: pack(4, target)
        case 8: pack(8, target)
        case 16: pack(16, target)
        case 32: pack(32, target)
        default: break
        }
        words[header] = UInt32(truncatingIfNeeded: tableOffset | bits << 24).littleEndian
        words[header + 1] = UInt32(truncatingIfNeeded: valuesOffset).littleEndian
        return true
    }

    /// Sorts `table[0..<n]`: insertion sort for short tables, else a radix sort by bytes (linear
    /// time whatever the values; bytes all values share are skipped).
    func sortTable(_ n: Int) {
        if n <= 48 {
            for i in 1..<n {
                let moving = table[i]
                var j = i
                while j > 0 && table[j - 1] > moving {
                    table[j] = table[j - 1]
                    j -= 1
                }
                table[j] = moving
            }
            return
        }
        var source = table
        var target = spare
        for shift in stride(from: 0, to: Label.bitWidth, by: 8) {
            digits.update(repeating: 0, count: 256)
            for i in 0..<n { digits[Int(truncatingIfNeeded: source[i] &>> shift) & 255] &+= 1 }
            if digits[Int(truncatingIfNeeded: source[0] &>> shift) & 255] == n { continue }
            var total = 0
            for d in 0..<256 {
                let count = digits[d]
                digits[d] = total
                total &+= count
            }
            for i in 0..<n {
                let value = source[i]
                let d = Int(truncatingIfNeeded: value &>> shift) & 255
                target[digits[d]] = value
                digits[d] &+= 1
            }
            swap(&source, &target)
        }
        if source != table { table.update(from: source, count: n) }
    }

    /// Gives the positions of an edge block beyond the chunk the id of the block's most frequent
    /// value, the smallest one on a tie (what the reference's padding amounts to).
    func padEdgeBlock(n: Int, ax: Int, ay: Int, az: Int) {
        let l = layout
        let counts = rank  // free until the table is sorted
        counts.initialize(repeating: 0, count: n)
        for z in 0..<az {
            for y in 0..<ay {
                let row = ids + l.bx * (y + l.by * z)
                for x in 0..<ax { counts[Int(row[x])] &+= 1 }
            }
        }
        var best = 0
        for i in 1..<n where counts[i] > counts[best] || (counts[i] == counts[best] && distinct[i] < distinct[best]) {
            best = i
        }
        let pad = UInt32(truncatingIfNeeded: best)
        for z in 0..<l.bz {
            for y in 0..<l.by {
                let row = ids + l.bx * (y + l.by * z)
                let from = z < az && y < ay ? ax : 0
                if from < l.bx { (row + from).update(repeating: pad, count: l.bx - from) }
            }
        }
    }

    /// Packs the table index of every block position, `bits` each, low bits first.
    @inline(__always)
    func pack(_ bits: Int, _ target: UnsafeMutablePointer<UInt32>) {
        let perWord = 32 / bits
        let fullWords = blockVoxels / perWord
        var position = 0
        for w in 0..<fullWords {
            var word: UInt32 = 0
            for j in 0..<perWord {
                word |= rank[Int(ids[position &+ j])] &<< UInt32(truncatingIfNeeded: j &* bits)
            }
            position &+= perWord
            target[w] = word.littleEndian
        }
        if position < blockVoxels {
            var word: UInt32 = 0
            for j in 0..<(blockVoxels - position) {
                word |= rank[Int(ids[position &+ j])] &<< UInt32(truncatingIfNeeded: j &* bits)
            }
            target[fullWords] = word.littleEndian
        }
    }

    /// The offset of a stored table equal to the current block's sorted table, if any.
    func findTable(hash: UInt64, n: Int, _ channelStart: Int) -> Int? {
        let mask = tableCapacity - 1
        var slot = Int(truncatingIfNeeded: hash &>> 20) & mask
        while true {
            let entry = tables[slot]
            if entry.length == 0 { return nil }
            if entry.hash == hash && Int(entry.length) == n && sameTable(at: channelStart + Int(entry.offset), n: n) {
                return Int(entry.offset)
            }
            slot = (slot + 1) & mask
        }
    }

    func sameTable(at start: Int, n: Int) -> Bool {
        for i in 0..<n {
            let value = table[i]
            if UInt32(littleEndian: words[start + i * labelWords]) != UInt32(truncatingIfNeeded: value) { return false }
            if labelWords == 2
                && UInt32(littleEndian: words[start + i * 2 + 1]) != UInt32(truncatingIfNeeded: UInt64(value) &>> 32)
            {
                return false
            }
        }
        return true
    }

    func storeTable(hash: UInt64, offset: Int, n: Int) {
        if 2 * (tableCount + 1) > tableCapacity {
            let old = tables
            let oldCapacity = tableCapacity
            tableCapacity *= 2
            tables = .allocate(capacity: tableCapacity)
            tables.initialize(repeating: StoredTable(hash: 0, offset: 0, length: 0), count: tableCapacity)
            tableCount = 0
            for i in 0..<oldCapacity where old[i].length != 0 { insert(old[i]) }
            old.deallocate()
        }
        insert(StoredTable(hash: hash, offset: UInt32(truncatingIfNeeded: offset), length: UInt32(n)))
    }

    func insert(_ entry: StoredTable) {
        let mask = tableCapacity - 1
        var slot = Int(truncatingIfNeeded: entry.hash &>> 20) & mask
        while tables[slot].length != 0 { slot = (slot + 1) & mask }
        tables[slot] = entry
        tableCount += 1
    }
}

// MARK: - Decoding

extension CompressedSegmentation {
    static func decode<Label: FixedWidthInteger & UnsignedInteger>(
        _ bytes: [UInt8], _ layout: BlockLayout, _: Label.Type, path: String
    ) throws -> [UInt8] {
        func bad(_ problem: String) -> PrecomputedError {
            .badChunk(path: path, problem: "compressed_segmentation: " + problem)
        }
        guard bytes.count % 4 == 0 else {
            throw bad("\(bytes.count) bytes is not a whole number of 32-bit words")
        }
        let totalWords = bytes.count / 4
        let headerWords = 2 * layout.blocks
        guard totalWords >= layout.channels + headerWords else {
            throw bad(
                "\(bytes.count) bytes is too short for \(layout.channels) channel offset(s) and"
                    + " \(layout.blocks) block header(s)")
        }
        let labelSize = MemoryLayout<Label>.size
        let outputCount = layout.voxels * layout.channels * labelSize
        return try bytes.withUnsafeBytes { raw in
            // Not empty: the checks above leave at least three words.
            guard let input = raw.baseAddress else { throw bad("empty chunk") }
            return try [UInt8](unsafeUninitializedCapacity: outputCount) { output, initialized in
                guard let out = output.baseAddress.map(UnsafeMutableRawPointer.init) else { return }
                for channel in 0..<layout.channels {
                    let offset = Int(
                        UInt32(littleEndian: input.loadUnaligned(fromByteOffset: 4 * channel, as: UInt32.self)))
                    guard offset >= layout.channels && offset <= totalWords - headerWords else {
                        throw bad(
                            "channel \(channel) starts at word \(offset), outside words \(layout.channels)"
                                + "...\(totalWords - headerWords) of a \(totalWords)-word chunk")
                    }
                    let decoder = ChannelDecoder<Label>(
                        layout: layout, words: input + 4 * offset, wordCount: totalWords - offset,
                        output: out + channel * layout.voxels * labelSize)
                    if let problem = decoder.decode() {
                        throw bad("channel \(channel): " + problem)
                    }
                }
                initialized = outputCount
            }
        }
    }
}

/// Decodes one channel: reads only within `wordCount` words of `words`.
private struct ChannelDecoder<Label: FixedWidthInteger & UnsignedInteger> {
    let layout: BlockLayout
    let words: UnsafeRawPointer
    let wordCount: Int
    let output: UnsafeMutableRawPointer

    @inline(__always)
    func word(_ i: Int) -> UInt32 {
        UInt32(littleEndian: words.loadUnaligned(fromByteOffset: i &* 4, as: UInt32.self))
    }

    /// Decodes every block; returns the first problem found.
    func decode() -> String? {
        let l = layout
        let labelWords = MemoryLayout<Label>.size / 4
        for z in 0..<l.gz {
            for y in 0..<l.gy {
                for x in 0..<l.gx {
                    let header = 2 * (x + l.gx * (y + l.gy * z))
                    let word0 = word(header)
                    let tableOffset = Int(word0 & 0xFF_FFFF)
                    let bits = Int(word0 >> 24)
                    let valuesOffset = Int(word(header + 1) & 0xFF_FFFF)
                    func problem(_ text: String) -> String { "block (\(x), \(y), \(z)): " + text }
                    guard bits <= 32 && bits & (bits - 1) == 0 else {
                        return problem("\(bits) bits per value (must be 0, 1, 2, 4, 8, 16 or 32)")
                    }
                    guard tableOffset < wordCount else {
                        return problem("lookup table at word \(tableOffset), past the channel's \(wordCount) words")
                    }
                    let tableLength = (wordCount - tableOffset) / labelWords
                    guard tableLength > 0 else {
                        return problem("lookup table at word \(tableOffset) has no room for a value")
                    }
                    let valueWords = CompressedSegmentation.valueWords(bits: bits, blockVoxels: l.blockVoxels)
                    // A 0-bit block reads no values; its values offset is not checked.
                    guard bits == 0 || (valuesOffset <= wordCount && valueWords <= wordCount - valuesOffset) else {
                        return problem(
                            "\(valueWords) words of \(bits)-bit values at word \(valuesOffset) run past the"
                                + " channel's \(wordCount) words")
                    }
                    let x0 = x * l.bx
                    let y0 = y * l.by
                    let z0 = z * l.bz
                    let block = Block(
                        ax: min(l.bx, l.sx - x0), ay: min(l.by, l.sy - y0), az: min(l.bz, l.sz - z0),
                        start: x0 + l.sx * (y0 + l.sy * z0), table: tableOffset, values: valuesOffset,
                        tableLength: tableLength)
                    let largest: Int
                    switch bits {
                    case 0:
                        fill(block)
                        largest = 0
                    case 1: largest = unpack(block, bits: 1)
                    case 2: largest = unpack(block, bits: 2)
                    case 4: largest = unpack(block, bits: 4)
                    case 8: largest = unpack(block, bits: 8)
                    case 16: largest = unpack(block, bits: 16)
                    default: largest = unpack(block, bits: 32)
                    }
                    if largest >= tableLength {
                        return problem(
                            "table index \(largest) is past the end of the lookup table at word \(tableOffset)"
                                + " (room for \(tableLength) value(s))")
                    }
                }
            }
        }
        return nil
    }

    struct Block {
        var ax: Int, ay: Int, az: Int
        /// The block's first voxel in the channel.
        var start: Int
        var table: Int
        var values: Int
        var tableLength: Int
    }

    @inline(__always)
    func label(table: Int, _ index: Int) -> Label {
        Label(
            littleEndian: words.loadUnaligned(
                fromByteOffset: table &* 4 &+ index &* MemoryLayout<Label>.size, as: Label.self))
    }

    func fill(_ b: Block) {
        let value = label(table: b.table, 0)
        for z in 0..<b.az {
            for y in 0..<b.ay {
                let row = output + (b.start + layout.sx * (y + layout.sy * z)) * MemoryLayout<Label>.size
                for x in 0..<b.ax {
                    row.storeBytes(of: value, toByteOffset: x &* MemoryLayout<Label>.size, as: Label.self)
                }
            }
        }
    }

    /// Writes the block's voxels inside the chunk and returns the largest table index they use.
    /// An index past the table reads entry 0 instead, so nothing is read out of bounds; the
    /// caller then rejects the chunk.
    @inline(__always)
    func unpack(_ b: Block, bits: Int) -> Int {
        let mask = UInt32(truncatingIfNeeded: (UInt64(1) << bits) - 1)
        let mustCheck = bits == 32 || b.tableLength < 1 << bits
        let stride = MemoryLayout<Label>.size
        var largest: UInt32 = 0
        if layout.bx == 8 && bits <= 8 && !mustCheck {
            // The usual 8-wide blocks with at most 256 labels: a row's 8 indices (8 to 64 bits,
            // aligned to their size) are read at once, as one word or, for 8-bit indices, one
            // 64-bit load (inside the block's values: row r ends at byte 8r + 8 <= 8 * 64).
            let mask64 = UInt64(mask)
            for z in 0..<b.az {
                for y in 0..<b.ay {
                    let row = output + (b.start + layout.sx * (y + layout.sy * z)) * stride
                    let bit = 8 &* (y &+ layout.by &* z) &* bits
                    let packed =
                        bits == 8
                        ? UInt64(
                            littleEndian: words.loadUnaligned(
                                fromByteOffset: b.values &* 4 &+ (bit &>> 3), as: UInt64.self))
                        : UInt64(word(b.values &+ (bit &>> 5)) &>> UInt32(truncatingIfNeeded: bit & 31))
                    if b.ax == 8 {
                        for x in 0..<8 {
                            let index = Int((packed &>> UInt64(truncatingIfNeeded: x &* bits)) & mask64)
                            row.storeBytes(of: label(table: b.table, index), toByteOffset: x &* stride, as: Label.self)
                        }
                    } else {
                        for x in 0..<b.ax {
                            let index = Int((packed &>> UInt64(truncatingIfNeeded: x &* bits)) & mask64)
                            row.storeBytes(of: label(table: b.table, index), toByteOffset: x &* stride, as: Label.self)
                        }
                    }
                }
            }
            return 0
        }
        for z in 0..<b.az {
            for y in 0..<b.ay {
                let row = output + (b.start + layout.sx * (y + layout.sy * z)) * stride
                var bit = layout.bx * (y + layout.by * z) * bits
                for x in 0..<b.ax {
                    let index = (word(b.values &+ (bit &>> 5)) &>> UInt32(truncatingIfNeeded: bit & 31)) & mask
                    bit &+= bits
                    var safe = Int(index)
                    if mustCheck {
                        largest = max(largest, index)
                        safe = safe < b.tableLength ? safe : 0
                    }
                    row.storeBytes(of: label(table: b.table, safe), toByteOffset: x &* stride, as: Label.self)
                }
            }
        }
        return Int(largest)
    }
}
