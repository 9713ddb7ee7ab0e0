import Foundation
import Testing

/// Bad info values, corrupt chunks and corrupt shards (issue 15): each is refused with exit 1 and a
/// message naming the file and the key or chunk at fault, never a crash. Each case crashed nprec
/// before (the comment says how).
@Suite("robustness: info values, chunks and shards")
struct RobustnessInfoTests {
    static let sample = Runner.packageRoot.appendingPathComponent("Fixtures/sample/brain.nii.gz").path

    /// A valid two-scale uint8 raw image: s0 is 4x4x4 (one chunk), s1 2x2x2 (one chunk).
    static let image = """
        {"@type":"neuroglancer_multiscale_volume","type":"image","data_type":"uint8","num_channels":1,"scales":[\
        {"key":"s0","size":[4,4,4],"resolution":[1,1,1],"voxel_offset":[0,0,0],"chunk_sizes":[[4,4,4]],"encoding":"raw"},\
        {"key":"s1","size":[2,2,2],"resolution":[2,2,2],"voxel_offset":[0,0,0],"chunk_sizes":[[2,2,2]],"encoding":"raw"}]}
        """

    static let sharding =
        #""sharding":{"@type":"neuroglancer_uint64_sharded_v1","hash":"identity","preshift_bits":P,"minishard_bits":M,"#
        + #""shard_bits":S}"#

    static func sharded(preshift: String = "0", minishard: String = "0", shard: String = "0") -> String {
        sharding.replacingOccurrences(of: "P", with: preshift).replacingOccurrences(of: "M", with: minishard)
            .replacingOccurrences(of: "S", with: shard)
    }

    /// (what replaces what in `image`, the key the message names; what main did).
    static let badInfos: [(String, String, String)] = [
        // stats: Division by zero.
        (#""chunk_sizes":[[4,4,4]]"#, #""chunk_sizes":[[0,4,4]]"#, "scales[0].chunk_sizes[0]"),
        // stats, downscale, reencode: arithmetic overflow.
        (#""chunk_sizes":[[4,4,4]]"#, #""chunk_sizes":[[9223372036854775807,4,4]]"#, "scales[0].chunk_sizes[0]"),
        // stats: crashed (index out of range).
        (#""chunk_sizes":[[4,4,4]]"#, #""chunk_sizes":[[4,4]]"#, "scales[0].chunk_sizes[0]"),
        // stats: Range requires lowerBound <= upperBound.
        (#""size":[4,4,4]"#, #""size":[4,4,-9007199254740992]"#, "scales[0].size"),
        // reencode: failed to allocate 4611686018427387936 bytes.
        (#""size":[2,2,2]"#, #""size":[4611686018427387904,2,2]"#, "scales[1].size"),
        // convert, downscale, reencode: arithmetic overflow.
        (
            #""voxel_offset":[0,0,0],"chunk_sizes":[[4"#,
            #""voxel_offset":[9223372036854775807,0,0],"chunk_sizes":[[4"#,
            "scales[0].voxel_offset"
        ),
        // reencode: failed to allocate 327680000032 bytes; downscale ran for minutes.
        (#""num_channels":1"#, #""num_channels":10000000"#, "scales[0].chunk_sizes[0]"),
        (#""num_channels":1"#, #""num_channels":1099511627776"#, "num_channels"),
        // stats: Negative value is not representable.
        (
            #""chunk_sizes":[[2,2,2]],"#, #""chunk_sizes":[[2,2,2]],"# + sharded(preshift: "-1") + ",",
            "scales[1].sharding.preshift_bits"
        ),
        (
            #""chunk_sizes":[[2,2,2]],"#, #""chunk_sizes":[[2,2,2]],"# + sharded(minishard: "64") + ",",
            "scales[1].sharding.minishard_bits"
        ),
        (
            #""chunk_sizes":[[2,2,2]],"#, #""chunk_sizes":[[2,2,2]],"# + sharded(shard: "65") + ",",
            "scales[1].sharding.shard_bits"
        ),
        (
            #""chunk_sizes":[[2,2,2]],"#, #""chunk_sizes":[[2,2,2]],"# + sharded(minishard: "32", shard: "40") + ",",
            "scales[1].sharding"
        ),
    ]

    static func expectRefused(
        _ result: ProcessResult, naming texts: [String], sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(result.status == 1, "\(result)", sourceLocation: sourceLocation)
        for crash in ["Fatal error", "crashed", "Backtracing", "runtime failure"] {
            #expect(!result.stderr.contains(crash), "\(result)", sourceLocation: sourceLocation)
        }
        #expect(result.stderr.contains("nprec: error: "), "\(result)", sourceLocation: sourceLocation)
        for text in texts { #expect(result.stderr.contains(text), "\(result)", sourceLocation: sourceLocation) }
    }

    @Test(arguments: badInfos)
    func badInfoValuesAreRefusedByEveryCommand(old: String, new: String, key: String) async throws {
        try await withTemporaryDirectory { directory in
            #expect(Self.image.contains(old))
            try directory.write(Self.image.replacingOccurrences(of: old, with: new), to: "d/info")
            for command in [
                ["stats", "d"], ["downscale", "d"], ["reencode", "d", "out", "--copy-info"],
                ["convert", Self.sample, "d"],
            ] {
                let result = try await Runner.nprec(command, in: directory)
                Self.expectRefused(result, naming: ["d/info: invalid info: \(key): "])
            }
        }
    }

    /// The issue's example: convert stopped on a precondition in BlockLayout.init.
    @Test func hugeCompressedSegmentationBlocksAreRefused() async throws {
        try await withTemporaryDirectory { directory in
            try directory.write(
                """
                {"type":"segmentation","data_type":"uint32","num_channels":1,"scales":[{"key":"2mm","size":[91,109,91],\
                "resolution":[2000000,2000000,2000000],"chunk_sizes":[[64,64,64]],"encoding":"compressed_segmentation",\
                "compressed_segmentation_block_size":[512,512,512]}]}
                """, to: "d/info")
            let result = try await Runner.nprec(["convert", Self.sample, "d"], in: directory)
            Self.expectRefused(result, naming: ["scales[0].compressed_segmentation_block_size: ", "512x512x512"])
        }
    }

    /// `nprec scales`: Int(Double) of the offset, and log2 of an infinite ratio, trapped.
    @Test(arguments: [
        (#""voxel_offset":[9223372036854775807,0,0]"#, "scales[0].voxel_offset"),
        (#""voxel_offset":[0,0,0],"resolution":[1e-300,1,1e300]"#, "scales[0].resolution"),
        (#""voxel_offset":[0,0,0],"size":[4,4,4],"size_":0"#, ""),
    ])
    func scalesRefusesBadFullresValues(fragment: String, key: String) async throws {
        try await withTemporaryDirectory { directory in
            var text = #"{"data_type":"uint8","num_channels":1,"type":"image","scales":[{"#
            if !fragment.contains("resolution") { text += #""resolution":[1,1,1],"# }
            if !fragment.contains("\"size\"") { text += #""size":[4,4,4],"# }
            text += fragment + "}]}"
            try directory.write(text, to: "full.json")
            let result = try await Runner.nprec(["scales", "full.json", "out"], in: directory)
            if key.isEmpty {
                #expect(result.status == 0, "\(result)")
            } else {
                Self.expectRefused(result, naming: ["full.json: invalid info: \(key): "])
            }
        }
    }

    /// A chunk of the wrong size, or that does not decode, is named in the error of downscale
    /// and reencode.
    @Test(arguments: [
        ("raw", [UInt8](repeating: 7, count: 10), "raw chunk is 10 bytes"),
        ("compressed_segmentation", [1, 0, 0, 0, 0xff, 0xff, 0xff, 0x20, 0, 0, 0, 0], "compressed_segmentation"),
        ("jpeg", [0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46], "JPEG"),
    ])
    func corruptChunksAreNamed(encoding: String, bytes: [UInt8], problem: String) async throws {
        try await withTemporaryDirectory { directory in
            var info = Self.image.replacingOccurrences(of: #""encoding":"raw""#, with: #""encoding":"\#(encoding)""#)
            if encoding == "compressed_segmentation" {
                info = info.replacingOccurrences(of: #""data_type":"uint8""#, with: #""data_type":"uint32""#)
                    .replacingOccurrences(of: #""type":"image""#, with: #""type":"segmentation""#)
                    .replacingOccurrences(
                        of: #""encoding":"compressed_segmentation""#,
                        with: #""encoding":"compressed_segmentation","compressed_segmentation_block_size":[2,2,2]"#)
            }
            try directory.write(info, to: "d/info")
            try directory.makeDirectory("d/s0")
            try Data(bytes).write(to: directory.appendingPathComponent("d/s0/0-4_0-4_0-4"))
            // reencode starts with s1, absent here.
            for command in [["downscale", "d"], ["reencode", "d", "out", "--copy-info", "--skip-missing"]] {
                let result = try await Runner.nprec(command, in: directory)
                Self.expectRefused(result, naming: ["d/s0/0-4_0-4_0-4", problem])
            }
        }
    }

    /// A shard index whose minishard index range runs far past the end of the file: main
    /// allocated the range (512 GiB) before reading it.
    @Test func shardIndexPastTheEndOfTheFileIsNamed() async throws {
        try await withTemporaryDirectory { directory in
            let info = Self.image.replacingOccurrences(
                of: #""chunk_sizes":[[4,4,4]],"#, with: #""chunk_sizes":[[4,4,4]],"# + Self.sharded() + ",")
            try directory.write(info, to: "d/info")
            // Minishard 0: [0, 2^39) after the 16-byte shard index; then 8 bytes of data.
            var shard = [UInt8](repeating: 0, count: 24)
            shard[12] = 0x80
            try directory.makeDirectory("d/s0")
            try Data(shard).write(to: directory.appendingPathComponent("d/s0/0.shard"))
            // reencode starts with s1, absent here.
            for command in [["downscale", "d"], ["reencode", "d", "out", "--copy-info", "--skip-missing"]] {
                let result = try await Runner.nprec(command, in: directory)
                Self.expectRefused(result, naming: ["d/s0/0.shard", "past the end of the file"])
            }
        }
    }
}
