import Foundation
import Testing

/// Every encoding through the real binary: pyramids in raw, compressed_segmentation, JPEG and
/// PNG read back through `reencode`; corrupt chunks of each encoding are errors naming the chunk.
@Suite struct EncodingCommandTests {
    static let sample = Runner.packageRoot.appendingPathComponent("Fixtures/sample/brain.nii.gz").path

    /// Builds `name` from the sample with `encoding`, flat and uncompressed.
    static func build(_ dir: URL, _ name: String, encoding: String, type: String = "image") async throws {
        for arguments in [
            ["info", sample, name],
            [
                "scales", "\(name)/info_fullres.json", name, "--encoding", encoding, "--type", type,
                "--target-chunk-size", "32",
            ],
            ["convert", sample, name, "--flat", "--no-gzip"], ["downscale", name, "--flat", "--no-gzip"],
        ] {
            let result = try await Runner.nprec(arguments, in: dir)
            try #require(result.status == 0, "\(arguments): \(result)")
        }
    }

    @Test(arguments: ["raw", "compressed_segmentation", "jpeg", "png"])
    func everyEncodingReadsBack(encoding: String) async throws {
        try await withTemporaryDirectory { dir in
            try await Self.build(
                dir, "out", encoding: encoding, type: encoding == "compressed_segmentation" ? "segmentation" : "image")
            let info = try JSONSerialization.jsonObject(with: dir.contents(of: "out/info")) as! [String: Any]
            #expect((info["scales"] as! [[String: Any]]).allSatisfy { ($0["encoding"] as! String) == encoding })
            // Back to raw; every chunk decodes and has the raw size.
            var raw = info
            raw["data_type"] = encoding == "compressed_segmentation" ? "uint32" : "uint8"
            raw["scales"] = (info["scales"] as! [[String: Any]]).map { scale -> [String: Any] in
                var scale = scale
                scale["encoding"] = "raw"
                scale.removeValue(forKey: "compressed_segmentation_block_size")
                return scale
            }
            try dir.makeDirectory("raw")
            _ = try dir.write(
                String(decoding: try JSONSerialization.data(withJSONObject: raw), as: UTF8.self), to: "raw/info")
            let result = try await Runner.nprec("reencode", "out", "raw", "--flat", "--no-gzip", in: dir)
            #expect(result.status == 0, "\(result)")
            if encoding == "jpeg" { #expect(result.stderr.contains("lossy"), "\(result)") }
            let itemSize = encoding == "compressed_segmentation" ? 4 : 1
            #expect(try dir.contents(of: "raw/2mm/0-32_0-32_0-32").count == 32 * 32 * 32 * itemSize)
        }
    }

    @Test(arguments: ["raw", "compressed_segmentation", "jpeg", "png"])
    func corruptChunksAreNamed(encoding: String) async throws {
        try await withTemporaryDirectory { dir in
            try await Self.build(
                dir, "out", encoding: encoding, type: encoding == "compressed_segmentation" ? "segmentation" : "image")
            let chunk = "out/2mm/32-64_0-32_0-32"
            let bytes = try dir.contents(of: chunk)
            try Data(bytes.prefix(bytes.count / 3) + [7, 7, 7]).write(to: dir.appendingPathComponent(chunk))
            let result = try await Runner.nprec("reencode", "out", "copy", "--copy-info", in: dir)
            #expect(result.status == 1, "\(result)")
            #expect(result.stderr.contains("2mm/32-64_0-32_0-32"), "\(result)")
            #expect(!result.stderr.contains("Fatal error"), "\(result)")
            let downscale = try await Runner.nprec("downscale", "out", in: dir)
            #expect(downscale.status == 1, "\(downscale)")
            #expect(downscale.stderr.contains("32-64_0-32_0-32"), "\(downscale)")
        }
    }

    @Test func jpegOfUnsupportedTypesIsRefusedBeforeWriting() async throws {
        try await withTemporaryDirectory { dir in
            let fixture = Runner.packageRoot.appendingPathComponent("Fixtures/nifti/uint16_le.nii").path
            _ = try await Runner.nprec("info", fixture, "out", in: dir)
            let result = try await Runner.nprec("scales", "out/info_fullres.json", "out", "--encoding", "jpeg", in: dir)
            #expect(result.status == 1, "\(result)")
            #expect(result.stderr.contains("jpeg"), "\(result)")
            #expect(!dir.exists("out/info"))
        }
    }
}
