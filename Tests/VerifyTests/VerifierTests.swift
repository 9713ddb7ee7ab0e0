import Codecs
import Foundation
import Precomputed
import Testing

@testable import Verify

@Suite struct VerifierTests {
    static func verify(_ dataset: Dataset, sample: Double = 1, seed: UInt64 = 0) -> VerifyReport {
        Verifier.verify(root: dataset.root, options: VerifyOptions(sample: sample, seed: seed, jobs: 3))
    }

    static func corrupt(_ path: String, _ change: (inout [UInt8]) -> Void) throws {
        var bytes = try #require(try FileIO.read(path))
        change(&bytes)
        try FileIO.writeAtomically(bytes, to: path)
    }

    static let storages: [StorageOptions] = [
        StorageOptions(layout: .nested, gzip: true), StorageOptions(layout: .flat, gzip: false),
        StorageOptions(layout: .nested, gzip: false), StorageOptions(layout: .flat, gzip: true),
    ]

    @Test(arguments: storages)
    func cleanRawDatasetsPass(storage: StorageOptions) throws {
        let dataset = try Datasets.make(try Datasets.temporaryDirectory(), storage: storage)
        let report = Self.verify(dataset)
        #expect(report.ok, "\(report.problems)")
        #expect(
            report.scales == [
                ScaleSummary(
                    key: "1_1_1", sharded: false, chunks: 18, checked: 18, decoded: 18, missing: 0, bad: 0, shards: 0)
            ])
        #expect(report.summary.hasSuffix(": OK (1 scale, 18 chunks)"))
    }

    @Test(arguments: [
        (ChunkEncoding.compressedSegmentation, DataType.uint32, 1), (.compressedSegmentation, .uint64, 2),
        (.jpeg, .uint8, 1), (.jpeg, .uint8, 3), (.png, .uint16, 2), (.raw, .float32, 3),
    ])
    func cleanEncodingsPass(encoding: ChunkEncoding, dataType: DataType, channels: Int) throws {
        let dataset = try Datasets.make(
            try Datasets.temporaryDirectory(), encoding: encoding, dataType: dataType, channels: channels)
        let report = Self.verify(dataset)
        #expect(report.ok, "\(report.problems)")
        #expect(report.scales.first?.decoded == 18)
    }

    static let shardings: [ShardingSpec] = [
        ShardingSpec(preshiftBits: 1, minishardBits: 1, shardBits: 1),
        ShardingSpec(preshiftBits: 0, hash: "murmurhash3_x86_128", minishardBits: 2, shardBits: 2),
        ShardingSpec(
            preshiftBits: 2, minishardBits: 0, shardBits: 0, minishardIndexEncoding: nil, dataEncoding: "raw"),
    ]

    @Test(arguments: shardings)
    func cleanShardedDatasetsPass(sharding: ShardingSpec) throws {
        let dataset = try Datasets.make(try Datasets.temporaryDirectory(), sharding: sharding)
        let report = Self.verify(dataset)
        #expect(report.ok, "\(report.problems)")
        let scale = try #require(report.scales.first)
        #expect(scale.sharded && scale.chunks == 18 && scale.decoded == 18 && scale.shards > 0)
    }

    @Test func deletedChunkIsMissing() throws {
        let dataset = try Datasets.make(try Datasets.temporaryDirectory())
        let path = dataset.path("1_1_1/8-16/0-8/0-8.gz")
        try FileManager.default.removeItem(atPath: path)
        let report = Self.verify(dataset)
        #expect(report.problems == [Finding(path: path, kind: .missingChunk, problem: "missing")])
        #expect(report.scales.first?.missing == 1)
        #expect(report.text(limit: 20).contains("\(dataset.root)/1_1_1: 1 of 18 chunks missing"))
    }

    @Test func truncatedRawChunkIsBad() throws {
        let dataset = try Datasets.make(
            try Datasets.temporaryDirectory(), storage: StorageOptions(layout: .flat, gzip: false))
        let path = dataset.path("1_1_1/16-20_16-18_8-10")
        try Self.corrupt(path) { $0.removeLast(3) }
        let report = Self.verify(dataset)
        #expect(report.problems.count == 1)
        let finding = try #require(report.problems.first)
        #expect(finding.path == path && finding.kind == .badChunk)
        #expect(finding.problem == "raw chunk is 13 bytes, but 4x2x2 voxels of 1 x uint8 need 16")
    }

    @Test func wrongSizeGzippedRawChunkIsBad() throws {
        let dataset = try Datasets.make(try Datasets.temporaryDirectory())
        let path = dataset.path("1_1_1/0-8/0-8/0-8.gz")
        try FileIO.writeAtomically(try Gzip.compress([UInt8](repeating: 1, count: 513)), to: path)
        let report = Self.verify(dataset)
        #expect(report.problems.map(\.path) == [path])
        #expect(report.problems.first?.problem.contains("513 bytes") == true)
    }

    @Test func corruptGzipIsBad() throws {
        let dataset = try Datasets.make(try Datasets.temporaryDirectory())
        let path = dataset.path("1_1_1/0-8/8-16/0-8.gz")
        try Self.corrupt(path) { bytes in
            for index in 12..<bytes.count - 8 { bytes[index] ^= 0x5a }
        }
        let other = dataset.path("1_1_1/8-16/8-16/0-8.gz")
        try Self.corrupt(other) { $0 = Array($0[2...]) }
        let report = Self.verify(dataset)
        #expect(report.problems.map(\.path) == [path, other])
        #expect(report.problems.allSatisfy { $0.kind == .badChunk })
        #expect(report.problems.first?.problem.contains("gzip") == true)
        #expect(report.problems.last?.problem == "not a gzip stream (no gzip magic number)")
    }

    @Test(arguments: [ChunkEncoding.compressedSegmentation, .jpeg, .png])
    func undecodableChunksAreBad(encoding: ChunkEncoding) throws {
        let dataType: DataType = encoding == .compressedSegmentation ? .uint32 : .uint8
        let dataset = try Datasets.make(
            try Datasets.temporaryDirectory(), encoding: encoding, dataType: dataType,
            storage: StorageOptions(layout: .flat, gzip: false))
        let path = dataset.path("1_1_1/0-8_0-8_0-8")
        try Self.corrupt(path) { $0 = Array($0.prefix($0.count / 3)) }
        let report = Self.verify(dataset)
        #expect(report.problems.map(\.path) == [path])
        #expect(report.problems.first?.kind == .badChunk)
    }

    @Test func missingShardFileAndMissingChunkInAShard() throws {
        let sharding = ShardingSpec(preshiftBits: 0, minishardBits: 1, shardBits: 2)
        let dataset = try Datasets.make(try Datasets.temporaryDirectory(), sharding: sharding)
        try FileManager.default.removeItem(atPath: dataset.path("1_1_1/0.shard"))
        let report = Self.verify(dataset)
        let finding = try #require(report.problems.first)
        #expect(report.problems.count == 1)
        #expect(finding.path == dataset.path("1_1_1/0.shard") && finding.kind == .missingShard)
        #expect(finding.problem.hasPrefix("missing: it holds "))
        #expect(report.scales.first?.missing ?? 0 > 0)
    }

    /// The shard index of minishard 0 of `0.shard` (no preshift, one minishard bit).
    static func shardedDataset() throws -> (Dataset, String) {
        let sharding = ShardingSpec(
            preshiftBits: 0, minishardBits: 1, shardBits: 0, minishardIndexEncoding: "raw", dataEncoding: "gzip")
        let dataset = try Datasets.make(try Datasets.temporaryDirectory(), sharding: sharding)
        return (dataset, dataset.path("1_1_1/0.shard"))
    }

    @Test func shardIndexPointingPastTheEndIsBad() throws {
        let (dataset, path) = try Self.shardedDataset()
        try Self.corrupt(path) { bytes in
            // Minishard 1's end: far past the end of the file.
            for index in 24..<32 { bytes[index] = 0x7f }
        }
        let report = Self.verify(dataset)
        let bad = report.problems.filter { $0.kind == .badShard }
        #expect(bad.count == 1)
        #expect(bad.first?.path == path)
        #expect(bad.first?.problem.contains("minishard 1: its index") == true)
        #expect(bad.first?.problem.contains("past the end of the file") == true)
        // Its chunks are then absent from the shard: named one by one.
        #expect(report.problems.contains { $0.kind == .missingChunk && $0.problem == "missing from the shard" })
    }

    @Test func minishardIndexPointingPastTheEndIsBad() throws {
        let (dataset, path) = try Self.shardedDataset()
        var fileSize = 0
        try Self.corrupt(path) { bytes in
            fileSize = bytes.count
            // Minishard 0's index (raw): its last chunk's start delta becomes huge.
            let start = Int(littleEndian64(bytes, 0)) + 32
            let count = (Int(littleEndian64(bytes, 8)) + 32 - start) / 24
            let delta = 8 * (2 * count - 1)
            for index in 0..<8 { bytes[start + delta + index] = index == 3 ? 0x10 : 0 }
        }
        let report = Self.verify(dataset)
        let bad = report.problems.filter { $0.kind == .badShard }
        #expect(bad.count == 1)
        #expect(bad.first?.problem.contains("lies outside the file's data (32..<\(fileSize))") == true)
    }

    @Test func chunkInTheWrongMinishardIsBad() throws {
        let (dataset, path) = try Self.shardedDataset()
        try Self.corrupt(path) { bytes in
            // Minishard 0 holds even ids; make its first id odd (delta-coded: only the first changes).
            let start = Int(littleEndian64(bytes, 0)) + 32
            bytes[start] ^= 1
        }
        let report = Self.verify(dataset)
        #expect(
            report.problems.contains { $0.kind == .badShard && $0.problem.contains("belongs in 0.shard minishard 1") })
    }

    @Test func truncatedShardIndexIsBad() throws {
        let (dataset, path) = try Self.shardedDataset()
        try FileIO.writeAtomically([1, 2, 3], to: path)
        let report = Self.verify(dataset)
        #expect(
            report.problems == [
                Finding(path: path, kind: .badShard, problem: "the shard index needs 32 bytes, but the file has 3")
            ])
        #expect(report.scales.first?.missing == 18)
    }

    @Test func meshesPassAndDamageIsNamed() throws {
        let dataset = try Datasets.make(try Datasets.temporaryDirectory())
        let mesh = try Datasets.addMesh(dataset)
        var report = Self.verify(dataset)
        #expect(report.ok, "\(report.problems)")
        #expect(report.mesh?.manifests == 2 && report.mesh?.fragments == 2 && report.mesh?.parsed == 2)

        // A manifest naming a missing fragment, a fragment with an out-of-range index, a bad manifest.
        try FileIO.writeAtomically(Array(#"{"fragments":["a","gone"]}"#.utf8), to: mesh.path("3:0"))
        try Self.corrupt(mesh.path("b")) { bytes in bytes[bytes.count - 4] = 9 }
        try FileIO.writeAtomically(Array(#"{"fragment":["a"]}"#.utf8), to: mesh.path("4:0"))
        report = Self.verify(dataset)
        #expect(
            Array(report.problems.prefix(2)) == [
                Finding(path: mesh.path("4:0"), kind: .badManifest, problem: "fragments: missing or not a list"),
                Finding(
                    path: mesh.path("gone"), kind: .missingFragment, problem: "missing (named by \(mesh.path("3:0")))"),
            ])
        #expect(report.problems.count == 3)
        let bad = try #require(report.problems.last)
        #expect(bad.path == mesh.path("b") && bad.kind == .badFragment && bad.problem.contains("vertex 9"), "\(bad)")
    }

    @Test func missingMeshDirectoryIsBad() throws {
        let dataset = try Datasets.make(try Datasets.temporaryDirectory())
        _ = try Datasets.addMesh(dataset)
        try FileManager.default.removeItem(atPath: dataset.path("mesh"))
        let report = Self.verify(dataset)
        #expect(report.problems.map(\.kind) == [.mesh])
    }

    static let goodProperties = """
        {"@type":"neuroglancer_segment_properties","inline":{"ids":["1","42"],"properties":[
        {"id":"label","type":"label","values":["one","forty-two"]},
        {"id":"size","type":"number","data_type":"uint16","values":[3,65535]},
        {"id":"kind","type":"tags","tags":["a","b"],"tag_descriptions":["A","B"],"values":[[0,1],[]]}]}}
        """

    @Test(
        arguments: [
            ("", nil),
            (
                #"{"@type":"neuroglancer_segment_properties","inline":{"ids":[1],"properties":[]}}"#,
                "inline.ids[0]: not a string"
            ),
            (
                #"{"@type":"neuroglancer_segment_properties","inline":{"ids":["0x1"],"properties":[]}}"#,
                "inline.ids[0]: \"0x1\" is not a decimal uint64"
            ),
            (
                #"{"@type":"neuroglancer_segment_properties","inline":{"ids":["1"],"properties":[{"id":"l","type":"label","values":[]}]}}"#,
                "inline.properties[0].values: 0 values for 1 ids"
            ),
            (
                #"{"@type":"neuroglancer_segment_properties","inline":{"ids":["1"],"properties":[{"id":"n","type":"number","data_type":"uint64","values":[1]}]}}"#,
                "inline.properties[0].data_type: \"uint64\" is not one of uint8, int8, uint16, int16, uint32, int32, float32"
            ),
            (
                #"{"@type":"neuroglancer_segment_properties","inline":{"ids":["1"],"properties":[{"id":"n","type":"number","data_type":"uint8","values":[256]}]}}"#,
                "inline.properties[0].values[0]: 256.0 is not a uint8"
            ),
            (
                #"{"@type":"neuroglancer_segment_properties","inline":{"ids":["1"],"properties":[{"id":"t","type":"tags","tags":["a"],"values":[[1]]}]}}"#,
                "inline.properties[0].values[0]: holds something other than a tag index below 1"
            ),
            (
                #"{"@type":"neuroglancer_legacy_mesh"}"#,
                "@type: \"neuroglancer_legacy_mesh\" is not neuroglancer_segment_properties"
            ),
            ("[1]", "not a JSON object"),
        ] as [(String, String?)])
    func segmentProperties(json: String, problem: String?) throws {
        let dataset = try Datasets.make(try Datasets.temporaryDirectory())
        try Datasets.addSegmentProperties(dataset, json.isEmpty ? Self.goodProperties : json)
        let report = Self.verify(dataset)
        #expect(report.segmentProperties == [dataset.path("props/info")])
        if let problem {
            #expect(
                report.problems == [
                    Finding(path: dataset.path("props/info"), kind: .segmentProperties, problem: problem)
                ])
        } else {
            #expect(report.ok, "\(report.problems)")
        }
    }

    @Test func invalidInfoStopsTheCheck() throws {
        let root = try Datasets.temporaryDirectory()
        var report = Verifier.verify(root: root, options: VerifyOptions())
        #expect(report.problems.map(\.kind) == [.info])
        #expect(report.problems.first?.problem.hasPrefix("missing") == true)
        let dataset = try Datasets.make(root)
        var info = try dataset.readInfo()
        info.scales[0].size = [20, 0, 10]
        try dataset.writeInfo(info, overwrite: true)
        report = Self.verify(dataset)
        #expect(report.problems.count == 1)
        #expect(report.problems.first?.kind == .info)
        #expect(report.problems.first?.problem.hasPrefix("scales[0].size") == true)
        try FileIO.writeAtomically(Array("{".utf8), to: dataset.path("info"))
        #expect(Self.verify(dataset).problems.first?.kind == .info)
    }

    @Test func sampleIsReproducibleAndCountsWhatItChecks() throws {
        let dataset = try Datasets.make(try Datasets.temporaryDirectory(), size: [40, 40, 16])
        for box in ChunkGrid(size: [40, 40, 16], chunkSize: [8, 8, 8]).boxes {
            try FileManager.default.removeItem(atPath: dataset.chunkPath(key: "1_1_1", box: box) + ".gz")
        }
        let first = Self.verify(dataset, sample: 0.1, seed: 7)
        #expect(first.scales.first?.chunks == 50)
        #expect(first.scales.first?.checked == 5)
        #expect(first.problems.count == 5)
        #expect(Self.verify(dataset, sample: 0.1, seed: 7).problems == first.problems)
        #expect(Self.verify(dataset, sample: 0.1, seed: 8).problems != first.problems)
        #expect(first.text(limit: 20).contains("1_1_1: 5 of 5 checked chunks missing"))
        #expect(first.summary.contains("5 of 50 chunks (sample)"))
    }

    @Test func textListsAtMostTheLimitPerKind() throws {
        let dataset = try Datasets.make(try Datasets.temporaryDirectory())
        for box in ChunkGrid(size: [20, 18, 10], chunkSize: [8, 8, 8]).boxes.prefix(7) {
            try FileManager.default.removeItem(atPath: dataset.chunkPath(key: "1_1_1", box: box) + ".gz")
        }
        let report = Self.verify(dataset)
        let lines = report.text(limit: 3).split(separator: "\n")
        #expect(lines.count == 6)
        #expect(lines[3] == "... and 4 more missing chunks (7 in all)")
        #expect(lines[5] == "\(dataset.root): 7 problems: 7 missing chunks (1 scale, 18 chunks)")
        #expect(report.text(limit: 0).split(separator: "\n").count == 9)
    }

    @Test func selectionSamples() {
        #expect(Selection.sample(count: 10, fraction: 1, seed: 0, stream: 0).count == 10)
        #expect(Selection.sample(count: 10, fraction: 0.01, seed: 0, stream: 0).count == 1)
        let some = Selection.sample(count: 1000, fraction: 0.25, seed: 3, stream: 1)
        guard case .some(let indices) = some else {
            Issue.record("expected a sample")
            return
        }
        #expect(indices.count == 250 && Set(indices).count == 250 && indices == indices.sorted())
        #expect(indices.allSatisfy { (0..<1000).contains($0) })
    }
}

@Suite struct VerifierLimitTests {
    @Test func hugeChunksAreReportedNotRead() throws {
        let dataset = try Datasets.make(try Datasets.temporaryDirectory())
        var info = try dataset.readInfo()
        info.scales[0].size = [1 << 40, 1 << 40, 1]
        info.scales[0].chunkSizes = [[1 << 40, 1 << 40, 1]]
        try dataset.writeInfo(info, overwrite: true)
        let report = Verifier.verify(root: dataset.root, options: VerifyOptions())
        // Either the info's validation or the verifier's own limit refuses it; nothing traps.
        #expect(report.problems.count == 1)
        #expect(report.problems.first?.kind == .info)
    }

    @Test func gridsTooLargeForAnIntegerAreReported() throws {
        let dataset = try Datasets.make(try Datasets.temporaryDirectory())
        var info = try dataset.readInfo()
        info.scales[0].size = [Int.max - 1, Int.max - 1, 2]
        info.scales[0].voxelOffset = [Int.max / 2, 0, 0]
        info.scales[0].chunkSizes = [[1, 1, 1]]
        try dataset.writeInfo(info, overwrite: true)
        let report = Verifier.verify(root: dataset.root, options: VerifyOptions())
        #expect(report.problems.map(\.kind) == [.info])
    }
}

@Suite struct VerifierGzipBombTests {
    @Test func aChunkThatInflatesPastItsBoxIsBadNotRead() throws {
        let dataset = try Datasets.make(try Datasets.temporaryDirectory())
        let path = dataset.path("1_1_1/0-8/0-8/0-8.gz")
        try FileIO.writeAtomically(try Gzip.compress([UInt8](repeating: 0, count: 64 << 20)), to: path)
        let report = Verifier.verify(root: dataset.root, options: VerifyOptions())
        #expect(report.problems.map(\.path) == [path])
        #expect(report.problems.first?.problem.contains("decompresses to more than") == true, "\(report.problems)")
    }
}

@Suite struct VerifierFileSizeTests {
    @Test func aChunkFileLargerThanItsBoxCanBeIsBadNotRead() throws {
        let dataset = try Datasets.make(
            try Datasets.temporaryDirectory(), storage: StorageOptions(layout: .flat, gzip: false))
        let path = dataset.path("1_1_1/16-20_16-18_8-10")
        // A sparse file of 1 GiB: a 4x2x2 chunk of uint8 can take 16 bytes (2 x 16 + 1 MiB once un-gzipped).
        #expect(truncate(path, 1 << 30) == 0)
        let report = Verifier.verify(root: dataset.root, options: VerifyOptions())
        #expect(report.problems.map(\.path) == [path])
        #expect(report.problems.first?.problem.hasPrefix("the file is 1073741824 bytes") == true, "\(report.problems)")
    }
}
