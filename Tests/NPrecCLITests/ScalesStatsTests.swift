import Foundation
import Testing

/// Full-resolution infos, as `nprec info` writes them.
enum FullRes {
    /// A 512³ uint8 image at 1 mm: three scales (1mm, 2mm, 4mm) with 64³ chunks.
    static let cube512 = """
        {
          "data_type": "uint8",
          "num_channels": 1,
          "type": "image",
          "scales": [
            {"resolution": [1000000, 1000000, 1000000], "size": [512, 512, 512], "voxel_offset": [0, 0, 0]}
          ]
        }
        """

    /// DEST/info as JSON.
    static func info(in directory: URL, _ name: String = "out/info") throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: try directory.contents(of: name))
        return try #require(object as? [String: Any], "\(name) is not a JSON object")
    }

    static func scales(in directory: URL, _ name: String = "out/info") throws -> [[String: Any]] {
        try #require(try info(in: directory, name)["scales"] as? [[String: Any]], "\(name) has no scales")
    }

    static func keys(in directory: URL, _ name: String = "out/info") throws -> [String] {
        try scales(in: directory, name).map { $0["key"] as? String ?? "?" }
    }
}

@Suite("scales and stats, end to end")
struct ScalesStatsTests {
    @Test func scalesWritesThePyramid() async throws {
        try await withTemporaryDirectory { directory in
            try directory.write(FullRes.cube512, to: "full.json")
            let result = try await Runner.nprec(["scales", "full.json", "out"], in: directory)
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout == "")
            #expect(result.stderr.contains("out/info"), "says what it wrote")

            let info = try FullRes.info(in: directory)
            #expect(info["data_type"] as? String == "uint8")
            #expect(info["num_channels"] as? Int == 1)
            #expect(info["type"] as? String == "image")
            #expect(info["@type"] as? String == "neuroglancer_multiscale_volume")
            let scales = try FullRes.scales(in: directory)
            #expect(scales.count == 3)
            #expect(scales.map { $0["key"] as? String } == ["1mm", "2mm", "4mm"])
            #expect(scales.map { $0["size"] as? [Int] } == [[512, 512, 512], [256, 256, 256], [128, 128, 128]])
            #expect(
                scales.map { $0["resolution"] as? [Int] }
                    == [
                        [1_000_000, 1_000_000, 1_000_000], [2_000_000, 2_000_000, 2_000_000],
                        [4_000_000, 4_000_000, 4_000_000],
                    ])
            for scale in scales {
                #expect(scale["chunk_sizes"] as? [[Int]] == [[64, 64, 64]])
                #expect(scale["encoding"] as? String == "raw")
                #expect(scale["voxel_offset"] as? [Int] == [0, 0, 0])
            }
        }
    }

    @Test func scalesOptionsReachTheInfo() async throws {
        try await withTemporaryDirectory { directory in
            try directory.write(FullRes.cube512, to: "full.json")
            let result = try await Runner.nprec(
                [
                    "scales", "full.json", "out", "--type", "segmentation", "--encoding", "compressed_segmentation",
                    "--target-chunk-size", "32", "--max-scales", "2",
                ], in: directory)
            #expect(result.status == 0, "\(result)")
            #expect(result.stderr.contains("warning"), "uint8 is promoted to uint32, with a warning")
            let info = try FullRes.info(in: directory)
            #expect(info["type"] as? String == "segmentation")
            #expect(info["data_type"] as? String == "uint32")
            let scales = try FullRes.scales(in: directory)
            #expect(scales.count == 2)
            for scale in scales {
                #expect(scale["encoding"] as? String == "compressed_segmentation")
                #expect(scale["chunk_sizes"] as? [[Int]] == [[32, 32, 32]])
                #expect(scale["compressed_segmentation_block_size"] != nil)
            }
        }
    }

    @Test func rerunningWithTheSameContentSucceeds() async throws {
        try await withTemporaryDirectory { directory in
            try directory.write(FullRes.cube512, to: "full.json")
            let first = try await Runner.nprec(["scales", "full.json", "out"], in: directory)
            #expect(first.status == 0, "\(first)")
            let written = try directory.contents(of: "out/info")
            let second = try await Runner.nprec(["scales", "full.json", "out"], in: directory)
            #expect(second.status == 0, "\(second)")
            #expect(try directory.contents(of: "out/info") == written)
        }
    }

    @Test(
        "A different existing info is left alone",
        arguments: [
            ["scales", "full.json", "out", "--max-scales", "2"],  // nprec's own, with other options
            ["scales", "full.json", "foreign"],  // someone else's
        ])
    func differentInfoIsNotOverwritten(arguments: [String]) async throws {
        try await withTemporaryDirectory { directory in
            try directory.write(FullRes.cube512, to: "full.json")
            #expect(try await Runner.nprec(["scales", "full.json", "out"], in: directory).status == 0)
            try directory.write(#"{"data_type": "uint16", "scales": []}"#, to: "foreign/info")
            let destination = arguments[2]
            let before = try directory.contents(of: "\(destination)/info")
            let result = try await Runner.nprec(arguments, in: directory)
            #expect(result.status == 1, "\(result)")
            #expect(result.stdout == "")
            #expect(result.stderr.hasPrefix("nprec: error: "), "\(result)")
            #expect(result.stderr.contains("\(destination)/info"), "names the file")
            #expect(try directory.contents(of: "\(destination)/info") == before)
            let files = try FileManager.default.contentsOfDirectory(
                atPath: directory.appendingPathComponent(destination).path)
            #expect(files == ["info"], "no temporary file left behind")
        }
    }

    @Test func missingFullResInfo() async throws {
        try await withTemporaryDirectory { directory in
            let result = try await Runner.nprec(["scales", "missing_fullres.json", "out"], in: directory)
            #expect(result.status == 1, "\(result)")
            #expect(result.stdout == "")
            #expect(result.stderr.hasPrefix("nprec: error: "))
            #expect(result.stderr.contains("missing_fullres.json"), "names the file")
            #expect(!directory.exists("out/info"))
        }
    }

    @Test(
        "Unreadable full-resolution infos",
        arguments: [
            "{ not json", #"{"data_type": "uint8"}"#, #"{"data_type": "uint8", "num_channels": 1, "scales": []}"#,
        ])
    func badFullResInfo(text: String) async throws {
        try await withTemporaryDirectory { directory in
            try directory.write(text, to: "broken.json")
            let result = try await Runner.nprec(["scales", "broken.json", "out"], in: directory)
            #expect(result.status == 1, "\(result)")
            #expect(result.stderr.hasPrefix("nprec: error: "))
            #expect(result.stderr.contains("broken.json"), "names the file")
            #expect(!directory.exists("out/info"))
        }
    }

    @Test func statsReportsEveryScaleAndTheTotal() async throws {
        try await withTemporaryDirectory { directory in
            try directory.write(FullRes.cube512, to: "full.json")
            #expect(try await Runner.nprec(["scales", "full.json", "out"], in: directory).status == 0)
            let result = try await Runner.nprec(["stats", "out"], in: directory)
            #expect(result.status == 0, "\(result)")
            #expect(result.stderr == "")
            let lines = result.lines
            let perScale = lines.filter { $0.hasPrefix("Scale ") }
            #expect(perScale.count == 3)
            // 512³ voxels in 64³ chunks: 8³ chunks of 256 KiB; then 4³ and 2³.
            #expect(perScale.first { $0.hasPrefix("Scale 1mm,") }?.contains(": 512 chunks,") == true, "\(result)")
            #expect(perScale.first { $0.hasPrefix("Scale 2mm,") }?.contains(": 64 chunks,") == true, "\(result)")
            #expect(perScale.first { $0.hasPrefix("Scale 4mm,") }?.contains(": 8 chunks,") == true, "\(result)")
            #expect(
                perScale.allSatisfy { $0.contains("chunk size [64, 64, 64]") && $0.contains("raw uncompressed size") })
            let total = try #require(lines.last)
            #expect(total.hasPrefix("Total: 584 chunks,"), "\(result)")
            #expect(total.contains("146 MiB"), "\(result)")
        }
    }

    @Test func statsWithoutAnInfo() async throws {
        try await withTemporaryDirectory { directory in
            try directory.makeDirectory("empty")
            let result = try await Runner.nprec(["stats", "empty"], in: directory)
            #expect(result.status == 1, "\(result)")
            #expect(result.stdout == "")
            #expect(result.stderr.contains("empty/info"), "names the file")
        }
    }
}
