import Foundation
import Testing

/// `nprec reencode` between layouts, compressions, chunk sizes and data types.
@Suite struct ReencodeCommandTests {
    static let sample = Runner.packageRoot.appendingPathComponent("Fixtures/sample/brain.nii.gz").path

    static func pyramid(_ dir: URL) async throws {
        let result = try await Runner.nprec("pyramid", sample, "src", "--target-chunk-size", "32", in: dir)
        try #require(result.status == 0, "\(result)")
    }

    /// Every voxel of every scale, through `nprec reencode` into a flat uncompressed copy.
    static func flatVoxels(_ dir: URL, _ root: String) async throws -> [String: Data] {
        let copy = "\(root)-flat-\(UUID().uuidString.prefix(6))"
        let result = try await Runner.nprec("reencode", root, copy, "--copy-info", "--flat", "--no-gzip", in: dir)
        try #require(result.status == 0, "\(result)")
        var files: [String: Data] = [:]
        let base = dir.appendingPathComponent(copy)
        for case let name as String in FileManager.default.enumerator(atPath: base.path)! where !name.hasSuffix("info")
        {
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(
                atPath: base.appendingPathComponent(name).path, isDirectory: &isDirectory)
            if !isDirectory.boolValue { files[name] = try Data(contentsOf: base.appendingPathComponent(name)) }
        }
        return files
    }

    @Test func copyKeepsEveryVoxel() async throws {
        try await withTemporaryDirectory { dir in
            try await Self.pyramid(dir)
            let copy = try await Runner.nprec("reencode", "src", "dst", "--copy-info", "--flat", "--no-gzip", in: dir)
            #expect(copy.status == 0, "\(copy)")
            #expect(dir.exists("dst/2mm/0-32_0-32_0-32"))
            #expect(try dir.contents(of: "dst/info") == (try dir.contents(of: "src/info")))
            // Back to nested gzip, then compare all voxels.
            let back = try await Runner.nprec("reencode", "dst", "back", "--copy-info", in: dir)
            #expect(back.status == 0, "\(back)")
            #expect(dir.exists("back/2mm/0-32/0-32/0-32.gz"))
            let a = try await Self.flatVoxels(dir, "src")
            let b = try await Self.flatVoxels(dir, "back")
            #expect(a == b)
            #expect(a.count > 20)
        }
    }

    @Test func otherChunkSizesAndWiderTypes() async throws {
        try await withTemporaryDirectory { dir in
            try await Self.pyramid(dir)
            var info = try JSONSerialization.jsonObject(with: dir.contents(of: "src/info")) as! [String: Any]
            info["data_type"] = "uint16"
            var scales = info["scales"] as! [[String: Any]]
            scales[0]["chunk_sizes"] = [[16, 64, 8]]
            info["scales"] = scales
            try dir.makeDirectory("wide")
            _ = try dir.write(
                String(decoding: try JSONSerialization.data(withJSONObject: info), as: UTF8.self), to: "wide/info")
            let result = try await Runner.nprec("reencode", "src", "wide", "--flat", "--no-gzip", in: dir)
            #expect(result.status == 0, "\(result)")
            // A 16x64x8 uint16 chunk holds the same values as the uint8 source.
            let chunk = [UInt8](try dir.contents(of: "wide/2mm/16-32_0-64_8-16"))
            #expect(chunk.count == 16 * 64 * 8 * 2)
            // And back to uint8 with the original chunks gives the original bytes.
            try dir.makeDirectory("narrow")
            try FileManager.default.copyItem(
                at: dir.appendingPathComponent("src/info"), to: dir.appendingPathComponent("narrow/info"))
            let back = try await Runner.nprec("reencode", "wide", "narrow", in: dir)
            #expect(back.status == 0, "\(back)")
            let a = try await Self.flatVoxels(dir, "src")
            let b = try await Self.flatVoxels(dir, "narrow")
            #expect(a == b)
        }
    }

    @Test func missingChunksFailUnlessSkipped() async throws {
        try await withTemporaryDirectory { dir in
            try await Self.pyramid(dir)
            try FileManager.default.removeItem(at: dir.appendingPathComponent("src/2mm/32-64/0-32/0-32.gz"))
            let fail = try await Runner.nprec("reencode", "src", "a", "--copy-info", in: dir)
            #expect(fail.status == 1, "\(fail)")
            #expect(fail.stderr.contains("2mm/32-64_0-32_0-32"), "\(fail)")
            let skip = try await Runner.nprec("reencode", "src", "b", "--copy-info", "--skip-missing", in: dir)
            #expect(skip.status == 0, "\(skip)")
            #expect(skip.stderr.contains("missing"), "\(skip)")
            #expect(!dir.exists("b/2mm/32-64/0-32/0-32.gz"))
            #expect(dir.exists("b/2mm/0-32/0-32/0-32.gz"))
        }
    }

    @Test func destinationNeedsAnInfoAndMatchingScales() async throws {
        try await withTemporaryDirectory { dir in
            try await Self.pyramid(dir)
            let noInfo = try await Runner.nprec("reencode", "src", "dst", in: dir)
            #expect(noInfo.status == 1)
            #expect(noInfo.stderr.contains("--copy-info"), "\(noInfo)")
            var info = try JSONSerialization.jsonObject(with: dir.contents(of: "src/info")) as! [String: Any]
            var scales = info["scales"] as! [[String: Any]]
            scales[0]["key"] = "other"
            info["scales"] = scales
            try dir.makeDirectory("bad")
            _ = try dir.write(
                String(decoding: try JSONSerialization.data(withJSONObject: info), as: UTF8.self), to: "bad/info")
            let mismatch = try await Runner.nprec("reencode", "src", "bad", in: dir)
            #expect(mismatch.status == 1)
            #expect(mismatch.stderr.contains("other"), "\(mismatch)")
        }
    }
}
