import Dispatch
import Foundation
import Testing

@testable import Precomputed

/// A sharding spec to test with.
struct SpoolCase: CustomTestStringConvertible, Sendable {
    var hash: String
    var indexEncoding: String
    var dataEncoding: String
    var minishardBits: Int
    var shardBits: Int
    var preshiftBits: Int

    var spec: ShardingSpec {
        ShardingSpec(
            preshiftBits: preshiftBits, hash: hash, minishardBits: minishardBits, shardBits: shardBits,
            minishardIndexEncoding: indexEncoding, dataEncoding: dataEncoding)
    }

    var testDescription: String {
        "\(hash) index \(indexEncoding) data \(dataEncoding) m\(minishardBits) s\(shardBits) p\(preshiftBits)"
    }
}

@Suite struct ShardSpoolTests {
    static let cases: [SpoolCase] = {
        var cases: [SpoolCase] = []
        for hash in ["identity", "murmurhash3_x86_128"] {
            for encoding in ["gzip", "raw"] {
                for minishardBits in 0...3 {
                    for preshiftBits in [0, 2] {
                        cases.append(
                            SpoolCase(
                                hash: hash, indexEncoding: encoding, dataEncoding: encoding,
                                minishardBits: minishardBits, shardBits: 1 + minishardBits % 2,
                                preshiftBits: preshiftBits))
                    }
                }
            }
        }
        cases.append(
            SpoolCase(
                hash: "identity", indexEncoding: "gzip", dataEncoding: "raw", minishardBits: 2, shardBits: 0,
                preshiftBits: 1))
        cases.append(
            SpoolCase(
                hash: "murmurhash3_x86_128", indexEncoding: "raw", dataEncoding: "gzip", minishardBits: 3, shardBits: 1,
                preshiftBits: 0))
        return cases
    }()

    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "nprec-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func files(in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    }

    /// Encoded chunks of a grid by shard: sizes 0 to 1.5 kB, partly compressible.
    static func chunksByShard(_ layout: ShardingLayout, seed: UInt64 = 1) -> [UInt64: [(id: UInt64, data: [UInt8])]] {
        var generator = SplitMix64(seed: seed)
        var byShard: [UInt64: [(id: UInt64, data: [UInt8])]] = [:]
        for z in 0..<layout.gridSize[2] {
            for y in 0..<layout.gridSize[1] {
                for x in 0..<layout.gridSize[0] {
                    let id = layout.chunkID([x, y, z])
                    let size = Int(generator.next() % 1500)
                    let data = (0..<size).map { i in
                        i % 3 == 0 ? UInt8(truncatingIfNeeded: generator.next()) : UInt8(truncatingIfNeeded: i / 7 + x)
                    }
                    byShard[layout.shard(of: id), default: []].append((id, data))
                }
            }
        }
        return byShard
    }

    static func readBack(_ file: [UInt8], id: UInt64, layout: ShardingLayout) throws -> [UInt8]? {
        try ShardFile.chunk(id: id, layout: layout, path: "s") { offset, count in
            offset + count <= file.count ? Array(file[offset..<(offset + count)]) : nil
        }
    }

    @Test(arguments: cases)
    func spoolEqualsBuildForAnyArrivalOrder(spoolCase: SpoolCase) throws {
        let root = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let layout = ShardingLayout(spec: spoolCase.spec, gridSize: [6, 5, 4])
        var generator = SplitMix64(seed: 42)
        for (shard, chunks) in Self.chunksByShard(layout) {
            let path = root + "/" + layout.fileName(shard: shard)
            // A level other than build's default, so that a level not passed on would show.
            let expected = try ShardFile.build(chunks, layout: layout, compressionLevel: 3)
            let orders = [
                chunks.sorted { $0.id < $1.id }, chunks.sorted { $0.id > $1.id }, chunks.shuffled(using: &generator),
                chunks.shuffled(using: &generator),
            ]
            for order in orders {
                let spool = try ShardSpool(finalPath: path, layout: layout, compressionLevel: 3)
                for chunk in order { try spool.append(id: chunk.id, data: chunk.data) }
                #expect(spool.count == chunks.count)
                try spool.finish()
                let file = try #require(try FileIO.read(path))
                #expect(file == expected, "shard \(shard)")
                for chunk in chunks {
                    #expect(try Self.readBack(file, id: chunk.id, layout: layout) == chunk.data)
                }
            }
        }
        // Only the shards are left.
        #expect(try Self.files(in: root).allSatisfy { $0.hasSuffix(".shard") && !$0.hasPrefix(".") })
    }

    @Test(arguments: [cases[2], cases[13], cases[21], cases[30]])
    func concurrentAppendsGiveTheSameBytes(spoolCase: SpoolCase) throws {
        let root = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var spec = spoolCase.spec
        spec.shardBits = 0
        let layout = ShardingLayout(spec: spec, gridSize: [16, 16, 8])
        let chunks = try #require(Self.chunksByShard(layout, seed: 7)[0])
        #expect(chunks.count == 2048)
        let expected = try ShardFile.build(chunks, layout: layout, compressionLevel: 1)
        for round in 0..<2 {
            let path = root + "/0.shard"
            let spool = try ShardSpool(finalPath: path, layout: layout, compressionLevel: 1)
            let threads = 16
            let failures = Counter()
            DispatchQueue.concurrentPerform(iterations: threads) { thread in
                // Round 0: interleaved; round 1: each thread a contiguous run, last run first.
                let indices =
                    round == 0
                    ? Array(stride(from: thread, to: chunks.count, by: threads))
                    : Array(
                        ((threads - 1 - thread) * chunks.count / threads)..<((threads - thread) * chunks.count / threads)
                    )
                for index in indices {
                    do { try spool.append(id: chunks[index].id, data: chunks[index].data) } catch { failures.add() }
                }
            }
            #expect(failures.value == 0)
            #expect(spool.count == chunks.count)
            try spool.finish()
            #expect(try FileIO.read(path) == expected)
            #expect(try Self.files(in: root) == ["0.shard"])
        }
    }

    @Test func duplicateIDsThrowOnceEach() throws {
        let root = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let layout = ShardingLayout(spec: Self.cases[5].spec, gridSize: [4, 4, 4])
        let chunks = Self.chunksByShard(layout).sorted { $0.key < $1.key }[0].value
        let path = root + "/" + layout.fileName(shard: layout.shard(of: chunks[0].id))
        let spool = try ShardSpool(finalPath: path, layout: layout, compressionLevel: 6)
        try spool.append(id: chunks[0].id, data: chunks[0].data)
        #expect(throws: PrecomputedError.self) { try spool.append(id: chunks[0].id, data: [1, 2, 3]) }
        // Eight threads append every chunk: each id is taken once, the other seven throw.
        let failures = Counter()
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for chunk in chunks.dropFirst() {
                do { try spool.append(id: chunk.id, data: chunk.data) } catch { failures.add() }
            }
        }
        #expect(failures.value == 7 * (chunks.count - 1))
        #expect(spool.count == chunks.count)
        try spool.finish()
        #expect(try FileIO.read(path) == ShardFile.build(chunks, layout: layout))
        #expect(throws: PrecomputedError.self) { try ShardFile.build(chunks + [chunks[1]], layout: layout) }
    }

    @Test func chunksOfAnotherShardThrow() throws {
        let root = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let layout = ShardingLayout(spec: Self.cases[0].spec, gridSize: [4, 4, 4])
        let byShard = Self.chunksByShard(layout)
        #expect(byShard.count == 2)
        let first = byShard[0]![0]
        let other = byShard[1]![0]
        let spool = try ShardSpool(finalPath: root + "/0.shard", layout: layout, compressionLevel: 6)
        try spool.append(id: first.id, data: first.data)
        #expect(throws: PrecomputedError.self) { try spool.append(id: other.id, data: other.data) }
        #expect(spool.count == 1)
        spool.discard()
        #expect(throws: PrecomputedError.self) { try ShardFile.build([first, other], layout: layout) }
    }

    @Test func emptySpoolWritesNothing() throws {
        let root = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let layout = ShardingLayout(spec: Self.cases[0].spec, gridSize: [4, 4, 4])
        let spool = try ShardSpool(finalPath: root + "/s/0.shard", layout: layout, compressionLevel: 6)
        #expect(try Self.files(in: root + "/s").count == 1)
        try spool.finish()
        #expect(try Self.files(in: root + "/s").isEmpty)
        #expect(throws: PrecomputedError.self) { try spool.finish() }
    }

    @Test func discardLeavesNoFile() throws {
        let root = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let layout = ShardingLayout(spec: Self.cases[3].spec, gridSize: [4, 4, 4])
        let (shard, chunks) = Self.chunksByShard(layout).sorted { $0.key < $1.key }[0]
        let name = layout.fileName(shard: shard)
        let spool = try ShardSpool(finalPath: root + "/" + name, layout: layout, compressionLevel: 6)
        for chunk in chunks { try spool.append(id: chunk.id, data: chunk.data) }
        // The spool file is registered and named for the shard.
        let spoolFiles = try Self.files(in: root)
        #expect(spoolFiles.count == 1)
        #expect(spoolFiles.map(TempFiles.isTemporaryName) == [name])
        #expect(TempFileRegistry.shared.isRegistered(root + "/" + spoolFiles[0]))
        spool.discard()
        #expect(try Self.files(in: root).isEmpty)
        #expect(!TempFileRegistry.shared.isRegistered(root + "/" + spoolFiles[0]))
        #expect(throws: PrecomputedError.self) { try spool.append(id: chunks[0].id, data: chunks[0].data) }
        #expect(throws: PrecomputedError.self) { try spool.finish() }
        spool.discard()
        #expect(try Self.files(in: root).isEmpty)

        // A spool dropped unfinished removes its file too; discard after finish keeps the shard.
        do {
            let dropped = try ShardSpool(finalPath: root + "/" + name, layout: layout, compressionLevel: 6)
            try dropped.append(id: chunks[0].id, data: chunks[0].data)
            #expect(try Self.files(in: root).count == 1)
        }
        #expect(try Self.files(in: root).isEmpty)
        let finished = try ShardSpool(finalPath: root + "/" + name, layout: layout, compressionLevel: 6)
        try finished.append(id: chunks[0].id, data: chunks[0].data)
        try finished.finish()
        finished.discard()
        #expect(try Self.files(in: root) == [name])
    }

    @Test func cancelledRegistryStopsTheSpool() throws {
        let root = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let layout = ShardingLayout(spec: Self.cases[0].spec, gridSize: [4, 4, 4])
        let chunks = try #require(Self.chunksByShard(layout)[0])
        let registry = TempFileRegistry()
        let spool = try ShardSpool(
            finalPath: root + "/0.shard", layout: layout, compressionLevel: 6, registry: registry)
        try spool.append(id: chunks[0].id, data: chunks[0].data)
        #expect(registry.registered.count == 1)
        // What the signal handler does: the spool file goes, and the shard is never written.
        #expect(registry.cancelAndRemoveAll() == 1)
        #expect(try Self.files(in: root).isEmpty)
        try spool.append(id: chunks[1].id, data: chunks[1].data)
        #expect { try spool.finish() } throws: { "\($0)".contains("stopping") }
        #expect(try Self.files(in: root).isEmpty)
        #expect(throws: PrecomputedError.self) {
            try ShardSpool(finalPath: root + "/0.shard", layout: layout, compressionLevel: 6, registry: registry)
        }
    }

    @Test func spoolInAnUnwritableDirectoryFailsInInit() throws {
        let root = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileIO.writeAtomically([1], to: root + "/file")
        let layout = ShardingLayout(spec: Self.cases[0].spec, gridSize: [4, 4, 4])
        #expect { try ShardSpool(finalPath: root + "/file/0.shard", layout: layout, compressionLevel: 6) } throws: {
            "\($0)".contains(root + "/file")
        }
    }

    @Test func chunksLargerThanTheCopyBuffer() throws {
        let root = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        // 2^16 minishards: a 1 MiB shard index, the size of the copy buffer.
        for minishardBits in [1, 16] {
            let spec = ShardingSpec(
                preshiftBits: 0, hash: "identity", minishardBits: minishardBits, shardBits: 0,
                minishardIndexEncoding: "gzip", dataEncoding: "raw")
            let layout = ShardingLayout(spec: spec, gridSize: [4, 1, 1])
            var generator = SplitMix64(seed: 3)
            // Sizes that are not multiples of the buffer, so the copies cross its boundaries.
            let chunks: [(id: UInt64, data: [UInt8])] = (0..<3).map { id in
                let words = (0..<(131_073 + id * 25_001)).map { _ in generator.next() }
                return (UInt64(id), words.withUnsafeBytes { Array($0) })
            }
            let spool = try ShardSpool(finalPath: root + "/0.shard", layout: layout, compressionLevel: 6)
            for chunk in chunks.reversed() { try spool.append(id: chunk.id, data: chunk.data) }
            try spool.finish()
            let file = try #require(try FileIO.read(root + "/0.shard"))
            #expect(file == (try ShardFile.build(chunks, layout: layout)))
            for chunk in chunks { #expect(try Self.readBack(file, id: chunk.id, layout: layout) == chunk.data) }
        }
    }
}

/// A thread-safe count of failures.
private final class Counter: @unchecked Sendable {
    // @unchecked Sendable: `count` is only touched under `lock`.
    private let lock = NSLock()
    private var count = 0
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
