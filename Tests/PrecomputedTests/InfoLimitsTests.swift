import Codecs
import Foundation
import Testing

@testable import Precomputed

/// Info values that trapped (division by zero, overflow, negative shifts, huge allocations) in
/// `stats`, `scales`, `downscale` and `convert` before `validate` checked them (issue 15).
@Suite struct InfoLimitsTests {
    /// A valid info, one scale: 4x4x4 uint8, one raw 4x4x4 chunk.
    static func info(
        size: [Int] = [4, 4, 4], offset: [Int] = [0, 0, 0], chunk: [Int] = [4, 4, 4], channels: Int = 1,
        encoding: String = "raw", dataType: String = "uint8", block: [Int]? = nil, sharding: ShardingSpec? = nil
    ) -> VolumeInfo {
        var scale = ScaleInfo(
            key: "s0", size: size, resolution: [1, 1, 1], voxelOffset: offset, chunkSizes: [chunk], encoding: encoding)
        scale.compressedSegmentationBlockSize = block
        scale.sharding = sharding
        return VolumeInfo(type: "image", dataType: dataType, numChannels: channels, scales: [scale])
    }

    static func spec(preshift: Int = 0, minishard: Int = 0, shard: Int = 0) -> ShardingSpec {
        ShardingSpec(preshiftBits: preshift, minishardBits: minishard, shardBits: shard)
    }

    static let big = Int.max
    static let cases: [(String, VolumeInfo, String)] = [
        ("zero chunk", info(chunk: [0, 4, 4]), "scales[0].chunk_sizes[0]"),
        ("chunk Int.max", info(chunk: [big, 4, 4]), "scales[0].chunk_sizes[0]"),
        ("chunk of two values", info(chunk: [4, 4]), "scales[0].chunk_sizes[0]"),
        ("size -2^53", info(size: [4, 4, -(1 << 53)]), "scales[0].size"),
        ("size 2^62", info(size: [1 << 62, 4, 4]), "scales[0].size"),
        (
            "size overflowing the byte count", info(size: [1 << 53, 1 << 53, 4], chunk: [1 << 53, 1 << 53, 4]),
            "scales[0].size"
        ),
        ("2^30 chunks", info(size: [1 << 10, 1 << 10, 1 << 10], chunk: [1, 1, 1]), "scales[0].chunk_sizes[0]"),
        ("offset Int.max", info(offset: [big, 0, 0]), "scales[0].voxel_offset"),
        ("offset Int.min", info(offset: [0, Int.min, 0]), "scales[0].voxel_offset"),
        ("10^7 channels", info(channels: 10_000_000), "scales[0].chunk_sizes[0]"),
        ("2^40 channels", info(channels: 1 << 40), "num_channels"),
        ("a 1 GiB chunk", info(size: [1024, 1024, 1024], chunk: [1024, 1024, 1024]), "scales[0].chunk_sizes[0]"),
        (
            "512^3 blocks",
            info(encoding: "compressed_segmentation", dataType: "uint32", block: [512, 512, 512]),
            "scales[0].compressed_segmentation_block_size"
        ),
        (
            "blocks overflowing Int",
            info(encoding: "compressed_segmentation", dataType: "uint32", block: [1 << 40, 1 << 40, 1]),
            "scales[0].compressed_segmentation_block_size"
        ),
        ("preshift -1", info(sharding: spec(preshift: -1)), "scales[0].sharding.preshift_bits"),
        ("preshift 65", info(sharding: spec(preshift: 65)), "scales[0].sharding.preshift_bits"),
        ("minishard 33", info(sharding: spec(minishard: 33)), "scales[0].sharding.minishard_bits"),
        ("shard 65", info(sharding: spec(shard: 65)), "scales[0].sharding.shard_bits"),
        ("minishard + shard 72", info(sharding: spec(minishard: 32, shard: 40)), "scales[0].sharding"),
    ]

    @Test(arguments: cases)
    func validateNamesTheKey(what: String, info: VolumeInfo, key: String) {
        #expect(throws: PrecomputedError.self, "\(what)") { try info.validate(file: "d/info") }
        do {
            try info.validate(file: "d/info")
        } catch PrecomputedError.invalidInfo(let file, let found, _) {
            #expect(file == "d/info")
            #expect(found == key, "\(what)")
        } catch {
            Issue.record("\(what): \(error)")
        }
        // stats validates too: it trapped on most of these.
        #expect(throws: PrecomputedError.self, "\(what)") { _ = try DatasetStats.compute(info, file: "d/info") }
    }

    @Test func limitsThemselvesAreAccepted() throws {
        try Self.info(size: [1 << 53, 1, 1], chunk: [1 << 26, 1, 1]).validate(file: "info")
        try Self.info(offset: [-(1 << 53), 1 << 53, 0]).validate(file: "info")
        // 512x512x512 uint16 is 256 MiB; chunks larger than the scale count at the scale's size.
        try Self.info(size: [512, 512, 512], chunk: [512, 512, 512], dataType: "uint16").validate(file: "info")
        try Self.info(chunk: [1 << 40, 1 << 40, 1 << 40]).validate(file: "info")
        try Self.info(encoding: "compressed_segmentation", dataType: "uint64", block: [1 << 26, 1, 1])
            .validate(file: "info")
        try Self.info(sharding: Self.spec(preshift: 64, minishard: 32, shard: 32)).validate(file: "info")
    }

    /// Two sharded scales of 2^62 + 1 directories each: the total overflowed.
    @Test func statsTotalsDoNotOverflow() throws {
        var info = Self.info(sharding: Self.spec(shard: 62))
        var second = info.scales[0]
        second.key = "s1"
        info.scales.append(second)
        let report = DatasetStats.report(try DatasetStats.compute(info))
        #expect(report.contains("Total: 2 chunks, more than 9,223,372,036,854,775,807 directories"), "\(report)")
    }

    /// `nprec scales`: `Int(Double(offset))` and `Int(log2(ratio))` trapped.
    /// (the scale, the key named, whether `scales(for:)` alone refuses it too).
    @Test(arguments: [
        (
            ScaleInfo(size: [4, 4, 4], resolution: [1, 1, 1], voxelOffset: [Int.max, 0, 0]), "scales[0].voxel_offset",
            true
        ),
        (ScaleInfo(size: [4, 4, 4], resolution: [1e-300, 1, 1e300]), "scales[0].resolution", true),
        (ScaleInfo(size: [4, 4, 1 << 60], resolution: [1, 1, 1]), "scales[0].size", true),
        // The coarser scales' resolutions overflow to infinity.
        (ScaleInfo(size: [1 << 20, 4, 4], resolution: [1e308, 1e308, 1e308]), "scales[0].resolution", false),
    ])
    func pyramidRefusesBadFullres(scale: ScaleInfo, key: String, alone: Bool) {
        let fullres = VolumeInfo(type: "image", dataType: "uint8", numChannels: 1, scales: [scale])
        do {
            _ = try DyadicPyramid.makeInfo(from: fullres, options: ScalesOptions(), file: "full.json", warn: { _ in })
            Issue.record("\(key) should have been refused")
        } catch PrecomputedError.invalidInfo(let file, let found, _) {
            #expect(file == "full.json")
            #expect(found == key)
        } catch {
            Issue.record("\(key): \(error)")
        }
        if alone {
            #expect(throws: PrecomputedError.self) {
                _ = try DyadicPyramid.scales(for: scale, options: ScalesOptions())
            }
        }
    }

    /// A shard index pointing far past the end of its file: the reader allocated the range.
    @Test func shardIndexPastTheEndIsACorruptChunk() throws {
        let root = NSTemporaryDirectory() + "nprec-limits-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        let info = Self.info(sharding: Self.spec())
        let spec = try info.validate(file: "info")
        var shard = [UInt8](repeating: 0, count: 24)
        shard[12] = 0x80  // minishard 0 ends at 2^39
        try FileIO.makeDirectories(root + "/s0")
        try FileIO.writeAtomically(shard, to: root + "/s0/0.shard")
        let reader = ScaleReader(dataset: Dataset(root: root), scale: spec.scales[0].info)
        #expect {
            _ = try reader.read(ChunkBox(x: 0..<4, y: 0..<4, z: 0..<4))
        } throws: { error in
            guard case PrecomputedError.badChunk(let path, let problem)? = error as? PrecomputedError else {
                return false
            }
            return path == root + "/s0/0.shard" && problem.contains("past the end of the file")
        }
    }

    /// A gzipped minishard index that inflates beyond 24 bytes per chunk of the scale.
    @Test func minishardIndexBombIsACorruptChunk() throws {
        let layout = ShardingLayout(
            spec: ShardingSpec(preshiftBits: 0, minishardBits: 0, shardBits: 0), gridSize: [1, 1, 1])
        let index = try Gzip.compress([UInt8](repeating: 0, count: 1 << 20))
        var file = [UInt8](repeating: 0, count: 16)
        withUnsafeBytes(of: UInt64(index.count).littleEndian) { file.replaceSubrange(8..<16, with: $0) }
        file += index
        #expect {
            _ = try ShardFile.chunk(id: 0, layout: layout, path: "x.shard") { offset, count in
                Array(file[offset..<min(offset + count, file.count)])
            }
        } throws: { error in
            guard case PrecomputedError.badChunk(_, let problem)? = error as? PrecomputedError else { return false }
            return problem.contains("more than 24 bytes")
        }
    }
}
