import Foundation
import Precomputed
import Testing

@testable import Encoding

/// Label chunks for the tests, made from a fixed seed.
enum Labels {
    /// Segmentation-like labels: boxes of 5x7x3 voxels (not aligned with any block), each with a
    /// random label from `palette`, and a noisy slab of 3 labels so wider blocks need more bits.
    static func segmentation(size: [Int], channels: Int, seed: UInt64, palette: [UInt64]) -> [UInt64] {
        var random = SplitMix64(seed: seed)
        let cells = (0..<4096).map { _ in palette[random.below(palette.count)] }
        var values = [UInt64]()
        values.reserveCapacity(size.reduce(1, *) * channels)
        for c in 0..<channels {
            for z in 0..<size[2] {
                for y in 0..<size[1] {
                    for x in 0..<size[0] {
                        if y % 16 == 3 {
                            values.append(palette[random.below(3)])
                        } else {
                            let cell = (x / 5 + 31 * (y / 7) + 97 * (z / 3) + 7 * c) % cells.count
                            values.append(cells[cell])
                        }
                    }
                }
            }
        }
        return values
    }

    static func palette(_ dataType: DataType, count: Int = 40) -> [UInt64] {
        (0..<UInt64(count)).map { dataType == .uint64 ? ($0 * 0x1_0000_0001) ^ ($0 << 60) : $0 * 2_654_435 }
    }

    /// Values in host order, as the codec takes them.
    static func bytes(_ values: [UInt64], _ dataType: DataType) -> [UInt8] {
        switch dataType {
        case .uint32: return values.map { UInt32(truncatingIfNeeded: $0) }.withUnsafeBytes { Array($0) }
        default: return values.withUnsafeBytes { Array($0) }
        }
    }

    static func values(_ bytes: [UInt8], _ dataType: DataType) -> [UInt64] {
        bytes.withUnsafeBytes { raw in
            dataType == .uint32
                ? raw.bindMemory(to: UInt32.self).map(UInt64.init) : Array(raw.bindMemory(to: UInt64.self))
        }
    }

    static func words(_ bytes: [UInt8]) -> [UInt32] {
        bytes.withUnsafeBytes { Array($0.bindMemory(to: UInt32.self)) }
    }

    static func bytes(words: [UInt32]) -> [UInt8] { words.withUnsafeBytes { Array($0) } }
}

struct RoundTripCase: CustomTestStringConvertible, Sendable {
    var dataType: DataType
    var channels: Int
    var blockSize: [Int]
    var size: [Int]
    var testDescription: String {
        "\(dataType.rawValue) x\(channels) block \(blockSize) chunk \(size)"
    }

    static let all: [RoundTripCase] = {
        var cases = [RoundTripCase]()
        for dataType in [DataType.uint32, .uint64] {
            for channels in [1, 3] {
                for blockSize in [[8, 8, 8], [4, 4, 16], [16, 4, 2], [1, 1, 1], [3, 5, 7]] {
                    for size in [[64, 64, 64], [37, 64, 5], [1, 1, 1], [9, 17, 33]] {
                        cases.append(
                            RoundTripCase(dataType: dataType, channels: channels, blockSize: blockSize, size: size))
                    }
                }
            }
        }
        return cases
    }()
}

/// The parts of an encoded channel, read back for checks.
struct EncodedChannel {
    var words: [UInt32]
    var start: Int

    func bits(block: Int) -> Int { Int(words[start + 2 * block] >> 24) }
    func tableOffset(block: Int) -> Int { Int(words[start + 2 * block] & 0xFF_FFFF) }
    func valuesOffset(block: Int) -> Int { Int(words[start + 2 * block + 1]) }
}

@Suite struct CompressedSegmentationTests {
    func encode(_ values: [UInt64], size: [Int], channels: Int = 1, _ dataType: DataType, block: [Int]) throws
        -> [UInt8]
    {
        try CompressedSegmentation.encode(
            Labels.bytes(values, dataType), size: size, channels: channels, dataType: dataType, blockSize: block)
    }

    func decode(_ bytes: [UInt8], size: [Int], channels: Int = 1, _ dataType: DataType, block: [Int]) throws -> [UInt64]
    {
        Labels.values(
            try CompressedSegmentation.decode(
                bytes, size: size, channels: channels, dataType: dataType, blockSize: block, path: "s0/chunk"),
            dataType)
    }

    // MARK: The spec's test vector and the reference's layout

    @Test func specTestVectorDecodes() throws {
        let words: [UInt32] = [1, 0x0100_0003, 2, 0x0000_0006, 5, 7]
        #expect(try decode(Labels.bytes(words: words), size: [2, 2, 1], .uint32, block: [2, 2, 1]) == [5, 7, 7, 5])
    }

    /// The spec's vector stores the indices before the table (Neuroglancer's and TensorStore's
    /// order); neuroglancer-scripts, which nprec matches byte for byte, stores the table first.
    /// Same table, same bits, same index word.
    @Test func specTestVectorEncodesInTheReferenceOrder() throws {
        let encoded = try encode([5, 7, 7, 5], size: [2, 2, 1], .uint32, block: [2, 2, 1])
        #expect(encoded.count == 24)
        #expect(Labels.words(encoded) == [1, 0x0100_0002, 4, 5, 7, 0x0000_0006])
    }

    /// The reference pads an edge block with its most frequent value (the smallest on a tie),
    /// so padding positions hold that value's index.
    @Test func edgeBlocksArePaddedWithTheMostFrequentValue() throws {
        // [9, 3, 3] in a 4x4x4 block: 3 is most frequent, index 0; voxel 0 is 9, index 1.
        #expect(
            Labels.words(try encode([9, 3, 3], size: [3, 1, 1], .uint32, block: [4, 4, 4])) == [
                1, 0x0100_0002, 4, 3, 9, 1, 0,
            ])
        // A tie between 3 and 9: 3 (the smaller) pads.
        let tie = Labels.words(try encode([9, 3, 9, 3], size: [4, 1, 1], .uint32, block: [8, 8, 8]))
        #expect(Array(tie.prefix(6)) == [1, 0x0100_0002, 4, 3, 9, 5])
        #expect(tie.count == 6 + 15 && tie.dropFirst(6).allSatisfy { $0 == 0 })
        // 7 is most frequent (index 2 of [1, 2, 7]).
        let seven = Labels.words(try encode([7, 1, 7, 2, 7], size: [5, 1, 1], .uint32, block: [8, 1, 1]))
        #expect(seven == [1, 0x0200_0002, 5, 1, 2, 7, 0b10_10_10_10_01_10_00_10])
    }

    // MARK: Round trips

    @Test(arguments: RoundTripCase.all)
    func roundTrip(_ c: RoundTripCase) throws {
        let values = Labels.segmentation(
            size: c.size, channels: c.channels, seed: UInt64(c.size.reduce(1, *)), palette: Labels.palette(c.dataType))
        let encoded = try encode(values, size: c.size, channels: c.channels, c.dataType, block: c.blockSize)
        #expect(encoded.count % 4 == 0)
        let words = Labels.words(encoded)
        #expect(words[0] == UInt32(c.channels))
        let decoded = try decode(encoded, size: c.size, channels: c.channels, c.dataType, block: c.blockSize)
        #expect(decoded == values)
        try checkStructure(words, c)
    }

    /// Channels are back to back; in each, every table is sorted, fits its blocks' bit width and
    /// is stored once; nothing lies between the headers, tables and values.
    func checkStructure(_ words: [UInt32], _ c: RoundTripCase) throws {
        let grid = (0..<3).map { (c.size[$0] + c.blockSize[$0] - 1) / c.blockSize[$0] }
        let blocks = grid.reduce(1, *)
        let blockVoxels = c.blockSize.reduce(1, *)
        let labelWords = c.dataType.size / 4
        for channel in 0..<c.channels {
            let start = Int(words[channel])
            let end = channel + 1 < c.channels ? Int(words[channel + 1]) : words.count
            let encoded = EncodedChannel(words: words, start: start)
            // A stored table is followed directly by the values of the block that stored it.
            var tableLengths = [Int: Int]()
            for block in 0..<blocks {
                let offset = encoded.tableOffset(block: block)
                let length = (encoded.valuesOffset(block: block) - offset) / labelWords
                tableLengths[offset] = min(tableLengths[offset] ?? .max, length)
            }
            var tables = Set<[UInt64]>()
            for (offset, length) in tableLengths {
                let table = (0..<length).map { i -> UInt64 in
                    let low = UInt64(words[start + offset + i * labelWords])
                    return labelWords == 2 ? low | UInt64(words[start + offset + i * 2 + 1]) << 32 : low
                }
                #expect(length >= 1 && zip(table, table.dropFirst()).allSatisfy { $0 < $1 }, "sorted \(table)")
                #expect(tables.insert(table).inserted, "channel \(channel) stores \(table) twice")
            }
            var valueWords = 0
            for block in 0..<blocks {
                let bits = encoded.bits(block: block)
                #expect(
                    bits
                        == CompressedSegmentation.encodedBits(
                            distinct: tableLengths[encoded.tableOffset(block: block)]!))
                valueWords += CompressedSegmentation.valueWords(bits: bits, blockVoxels: blockVoxels)
            }
            let tableWords = tableLengths.values.reduce(0, +) * labelWords
            #expect(end - start == 2 * blocks + tableWords + valueWords)
        }
    }

    // MARK: Bit widths

    @Test(arguments: [(1, 0), (2, 1), (3, 2), (4, 2), (5, 4), (16, 4), (17, 8), (256, 8), (257, 16), (300, 16)])
    func bitWidth(distinct: Int, bits: Int) throws {
        for dataType in [DataType.uint32, .uint64] {
            var random = SplitMix64(seed: UInt64(distinct))
            let palette = Labels.palette(dataType, count: distinct)
            var values = palette  // each value at least once
            while values.count < 512 { values.append(palette[random.below(distinct)]) }
            for i in stride(from: 511, to: 0, by: -1) { values.swapAt(i, random.below(i + 1)) }
            let encoded = try encode(values, size: [8, 8, 8], dataType, block: [8, 8, 8])
            let words = Labels.words(encoded)
            #expect(Int(words[1] >> 24) == bits, "\(distinct) distinct \(dataType)")
            #expect(Int(words[1] & 0xFF_FFFF) == 2, "the table follows the header")
            #expect(Int(words[2]) == 2 + distinct * dataType.size / 4, "then the values")
            #expect(words.count == 3 + distinct * dataType.size / 4 + bits * 512 / 32)
            #expect(try decode(encoded, size: [8, 8, 8], dataType, block: [8, 8, 8]) == values)
        }
    }

    /// 70000 distinct values in one 64x64x32 block (a partial one: the chunk is 64x64x20).
    @Test(arguments: [DataType.uint32, .uint64])
    func thirtyTwoBitBlock(_ dataType: DataType) throws {
        let size = [64, 64, 20]
        let count = size.reduce(1, *)
        let values = (0..<UInt64(count)).map { dataType == .uint64 ? ($0 % 70_000) << 31 | 5 : $0 % 70_000 * 3 }
        let encoded = try encode(values, size: size, dataType, block: [64, 64, 32])
        let words = Labels.words(encoded)
        #expect(words[1] >> 24 == 32)
        #expect(words.count == 3 + 70_000 * dataType.size / 4 + 64 * 64 * 32)
        #expect(try decode(encoded, size: size, dataType, block: [64, 64, 32]) == values)
    }

    @Test func identicalTablesAreStoredOncePerChannel() throws {
        // 16x16x16 of one value, 8 blocks: one table, then no value words.
        let words = Labels.words(
            try encode(Array(repeating: 42, count: 4096), size: [16, 16, 16], channels: 1, .uint32, block: [8, 8, 8]))
        #expect(words.count == 1 + 16 + 1)
        for block in 0..<8 {
            #expect(words[1 + 2 * block] == 16)
            #expect(words[2 + 2 * block] == 17)
        }
        // Two channels: each stores its own table.
        let two = Labels.words(
            try encode(Array(repeating: 42, count: 8192), size: [16, 16, 16], channels: 2, .uint32, block: [8, 8, 8]))
        #expect(two.count == 2 + 2 * 17)
        #expect(two[0] == 2 && two[1] == 19)
        #expect(two[2 + 16] == 42 && two[19 + 16] == 42)
    }

    @Test func offsetLimit() {
        #expect(CompressedSegmentation.fitsOffsetLimit(size: [64, 64, 64], dataType: .uint64, blockSize: [8, 8, 8]))
        #expect(CompressedSegmentation.fitsOffsetLimit(size: [64, 64, 64], dataType: .uint64, blockSize: [1, 1, 1]))
        #expect(
            !CompressedSegmentation.fitsOffsetLimit(size: [256, 256, 256], dataType: .uint64, blockSize: [8, 8, 8]))
    }

    // MARK: Golden files from neuroglancer-scripts 1.2.0

    struct GoldenCase: Decodable {
        var size: [Int]
        var channels: Int
        var data_type: String
        var block_size: [Int]
        var encoder: String
    }

    static let goldenRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/golden/cseg")

    static let golden: [String: GoldenCase] = {
        guard let data = try? Data(contentsOf: goldenRoot.appendingPathComponent("cases.json")) else { return [:] }
        return (try? JSONDecoder().decode([String: GoldenCase].self, from: data)) ?? [:]
    }()

    static func goldenFile(_ name: String, _ ext: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: goldenRoot.appendingPathComponent("\(name).\(ext)")))
    }

    @Test func thereAreGoldenCases() {
        #expect(Self.golden.count >= 10)
    }

    @Test(arguments: golden.keys.sorted())
    func encodesLikeTheReference(name: String) throws {
        let c = try #require(Self.golden[name])
        let dataType = try #require(DataType(name: c.data_type))
        let ours = try CompressedSegmentation.encode(
            try Self.goldenFile(name, "raw"), size: c.size, channels: c.channels, dataType: dataType,
            blockSize: c.block_size)
        let reference = try Self.goldenFile(name, "cseg")
        let same = ours == reference
        #expect(same, "\(name) differs from \(c.encoder)")
        if !same, let at = (0..<min(ours.count, reference.count)).first(where: { ours[$0] != reference[$0] }) {
            Issue.record("first difference at byte \(at) of \(ours.count) / \(reference.count)")
        }
    }

    @Test(arguments: golden.keys.sorted())
    func decodesTheReference(name: String) throws {
        let c = try #require(Self.golden[name])
        let dataType = try #require(DataType(name: c.data_type))
        let decoded = try CompressedSegmentation.decode(
            try Self.goldenFile(name, "cseg"), size: c.size, channels: c.channels, dataType: dataType,
            blockSize: c.block_size, path: name)
        #expect(decoded == (try Self.goldenFile(name, "raw")))
    }

    // MARK: Corrupt chunks

    static let sample: (values: [UInt64], encoded: [UInt8]) = {
        let values = Labels.segmentation(size: [12, 9, 10], channels: 2, seed: 9, palette: Labels.palette(.uint64))
        let encoded =
            (try? CompressedSegmentation.encode(
                Labels.bytes(values, .uint64), size: [12, 9, 10], channels: 2, dataType: .uint64, blockSize: [4, 4, 4]))
            ?? []
        return (values, encoded)
    }()

    func expectBadChunk(
        _ bytes: [UInt8], _ what: String, size: [Int] = [12, 9, 10], channels: Int = 2,
        _ dataType: DataType = .uint64, block: [Int] = [4, 4, 4], mentioning: String? = nil
    ) {
        do {
            _ = try CompressedSegmentation.decode(
                bytes, size: size, channels: channels, dataType: dataType, blockSize: block,
                path: "seg/8_8_8/0-12_0-9_0-10")
            Issue.record("\(what): decoded without an error")
        } catch let PrecomputedError.badChunk(path, problem) {
            #expect(path == "seg/8_8_8/0-12_0-9_0-10", "\(what)")
            if let mentioning { #expect(problem.contains(mentioning), "\(what): \(problem)") }
        } catch {
            Issue.record("\(what): \(error)")
        }
    }

    func modified(_ body: (inout [UInt32]) -> Void) -> [UInt8] {
        var words = Labels.words(Self.sample.encoded)
        body(&words)
        return Labels.bytes(words: words)
    }

    @Test func sampleDecodes() throws {
        #expect(
            try decode(Self.sample.encoded, size: [12, 9, 10], channels: 2, .uint64, block: [4, 4, 4])
                == Self.sample.values)
    }

    @Test func everyTruncationIsRejected() {
        let encoded = Self.sample.encoded
        for length in stride(from: 0, to: encoded.count, by: 4) {
            expectBadChunk(Array(encoded.prefix(length)), "truncated to \(length) bytes")
        }
    }

    @Test func lengthMustBeWholeWords() {
        for extra in 1...3 {
            expectBadChunk(
                Self.sample.encoded + Array(repeating: 0, count: extra), "\(extra) extra bytes",
                mentioning: "32-bit words")
        }
        expectBadChunk(Array(Self.sample.encoded.dropLast(2)), "2 bytes short", mentioning: "32-bit words")
    }

    @Test func channelOffsetsAreChecked() {
        let count = UInt32(Self.sample.encoded.count / 4)
        for bad: UInt32 in [0, 1, count, count - 1, 0xFFFF_FFFF] {
            expectBadChunk(modified { $0[1] = bad }, "channel 1 at word \(bad)", mentioning: "channel 1 starts")
        }
        expectBadChunk(modified { $0[0] = 0 }, "channel 0 at word 0", mentioning: "channel 0 starts")
    }

    @Test func bitWidthsAreChecked() {
        for bits: UInt32 in [3, 5, 31, 33, 64, 255] {
            expectBadChunk(
                modified { $0[2] = $0[2] & 0xFF_FFFF | bits << 24 }, "\(bits) bits",
                mentioning: "\(bits) bits per value")
        }
    }

    @Test func blockOffsetsAreChecked() {
        let count = UInt32(Self.sample.encoded.count / 4)
        expectBadChunk(
            modified { $0[2] = $0[2] & 0xFF00_0000 | 0xFF_FFFF }, "table past the end", mentioning: "lookup table")
        expectBadChunk(
            modified { $0[2] = $0[2] & 0xFF00_0000 | (count - 3) }, "table in the last word", mentioning: "lookup table"
        )
        // Make block 0 use 8 bits, then put its values past the end.
        expectBadChunk(
            modified {
                $0[2] = $0[2] & 0xFF_FFFF | 8 << 24
                $0[3] = 0xFF_FFFF
            }, "values past the end", mentioning: "run past")
        expectBadChunk(
            modified {
                $0[2] = $0[2] & 0xFF_FFFF | 32 << 24
                $0[3] = count - 2 - 40
            }, "values running off the end", mentioning: "run past")
    }

    @Test func tableIndicesAreChecked() throws {
        // The spec's vector with its table cut to one value: index 1 is past it.
        let words: [UInt32] = [1, 0x0100_0003, 2, 0x0000_0006, 5]
        expectBadChunk(
            Labels.bytes(words: words), "short table", size: [2, 2, 1], channels: 1, .uint32, block: [2, 2, 1],
            mentioning: "table index 1")
        // A 0-bit block needs one table value.
        expectBadChunk(
            Labels.bytes(words: [1, 0x0000_0003, 3]), "empty table", size: [2, 2, 1], channels: 1, .uint32,
            block: [2, 2, 1], mentioning: "lookup table")
        // Only voxels inside the chunk are checked: padding may hold any index.
        let padded: [UInt32] = [1, 0x0200_0003, 2, 0xFFFF_FFF4, 5, 7]
        #expect(try decode(Labels.bytes(words: padded), size: [2, 1, 1], .uint32, block: [16, 1, 1]) == [5, 7])
    }

    /// Random damage either decodes or throws badChunk; it never crashes or reads out of bounds.
    @Test(arguments: [DataType.uint32, .uint64])
    func randomDamageNeverCrashes(_ dataType: DataType) throws {
        let size = [9, 7, 5]
        let values = Labels.segmentation(
            size: size, channels: 2, seed: 3, palette: Labels.palette(dataType, count: 300))
        let encoded = try encode(values, size: size, channels: 2, dataType, block: [4, 2, 3])
        var random = SplitMix64(seed: 77)
        var rejected = 0
        for trial in 0..<3000 {
            var damaged = encoded
            for _ in 0...random.below(3) {
                let at = random.below(trial % 3 == 0 ? min(80, damaged.count) : damaged.count)
                damaged[at] = UInt8(truncatingIfNeeded: random.next())
            }
            do {
                _ = try CompressedSegmentation.decode(
                    damaged, size: size, channels: 2, dataType: dataType, blockSize: [4, 2, 3], path: "p")
            } catch PrecomputedError.badChunk(let path, _) {
                #expect(path == "p")
                rejected += 1
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
        #expect(rejected > 100)
    }

    // MARK: Speed (release builds: NPREC_BENCH=1 swift test -c release --filter CompressedSegmentation)

    @Test(.enabled(if: ProcessInfo.processInfo.environment["NPREC_BENCH"] != nil))
    func speed() throws {
        for (name, dataType, values) in Self.benchmarkChunks() {
            let bytes = Labels.bytes(values, dataType)
            var encoded = [UInt8]()
            let encodeSeconds = try Self.best(of: 15) {
                encoded = try CompressedSegmentation.encode(
                    bytes, size: [64, 64, 64], channels: 1, dataType: dataType, blockSize: [8, 8, 8])
            }
            var decoded = [UInt8]()
            let decodeSeconds = try Self.best(of: 15) {
                decoded = try CompressedSegmentation.decode(
                    encoded, size: [64, 64, 64], channels: 1, dataType: dataType, blockSize: [8, 8, 8], path: "bench")
            }
            #expect(decoded == bytes)
            let voxels = Double(64 * 64 * 64)
            print(
                "cseg \(name) \(dataType.rawValue) 64^3 / 8^3: \(encoded.count) bytes; encode"
                    + " \(Int(voxels / encodeSeconds / 1e6)) Mvox/s, decode \(Int(voxels / decodeSeconds / 1e6)) Mvox/s"
            )
        }
    }

    /// Segmentation-like chunks: Voronoi cells of 150 random seeds (mostly 1-4 labels per block),
    /// the test's box pattern, and uniform noise of 5 labels (4 bits per block) and of 300 labels
    /// (16 bits per block; no run of equal values to skip).
    static func benchmarkChunks() -> [(String, DataType, [UInt64])] {
        var random = SplitMix64(seed: 1)
        let seeds = (0..<150).map { _ in (random.below(64), random.below(64), random.below(64)) }
        var voronoi = [UInt64]()
        for z in 0..<64 {
            for y in 0..<64 {
                for x in 0..<64 {
                    var best = 0
                    var bestDistance = Int.max
                    for (i, s) in seeds.enumerated() {
                        let d = (x - s.0) * (x - s.0) + (y - s.1) * (y - s.1) + (z - s.2) * (z - s.2)
                        if d < bestDistance { (best, bestDistance) = (i, d) }
                    }
                    voronoi.append(UInt64(best) * 1_000_003 + 1)
                }
            }
        }
        let boxes = Labels.segmentation(
            size: [64, 64, 64], channels: 1, seed: 5, palette: Labels.palette(.uint32, count: 200))
        let noise5 = (0..<(64 * 64 * 64)).map { _ in UInt64(random.below(5)) * 77 }
        let noise300 = (0..<(64 * 64 * 64)).map { _ in UInt64(random.below(300)) }
        return [
            ("voronoi", .uint32, voronoi), ("voronoi", .uint64, voronoi.map { $0 << 20 }), ("boxes", .uint32, boxes),
            ("noise5", .uint32, noise5), ("noise300", .uint32, noise300),
        ]
    }

    static func best(of runs: Int, _ body: () throws -> Void) rethrows -> Double {
        var best = Double.infinity
        for _ in 0..<runs {
            let start = ContinuousClock.now
            try body()
            let elapsed = ContinuousClock.now - start
            best = min(best, Double(elapsed.components.attoseconds) * 1e-18 + Double(elapsed.components.seconds))
        }
        return best
    }
}

extension SplitMix64 {
    /// A number in 0..<n (modulo: the small bias does not matter for test data).
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}
