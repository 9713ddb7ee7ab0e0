import Foundation
import Testing

/// `nprec info`, `scales` and `convert` on every committed NIfTI fixture (Fixtures/nifti, made
/// with nibabel by Fixtures/make_nifti_fixtures.py), checked against nibabel's voxel values.
@Suite struct VolumeCommandTests {
    static let fixtures = Runner.packageRoot.appendingPathComponent("Fixtures/nifti")

    struct Expected: Decodable {
        var shape: [Int]
        var stored_dtype_name: String
        var scaled_dtype_name: String
        var raw_bin: String
        var scaled_bin: String?
        var voxel_sizes: [Double]
    }

    static var readable: [String] {
        guard let data = try? Data(contentsOf: fixtures.appendingPathComponent("index.json")),
            let names = try? JSONDecoder().decode([String].self, from: data)
        else { return [] }
        return names
    }

    static var broken: [(String, String)] {
        guard let data = try? Data(contentsOf: fixtures.appendingPathComponent("errors.json")),
            let table = try? JSONDecoder().decode([String: String].self, from: data)
        else { return [] }
        return table.sorted { $0.key < $1.key }
    }

    static func expected(_ name: String) throws -> Expected {
        var base = name
        for suffix in [".gz", ".nii", ".hdr", ".img"] where base.hasSuffix(suffix) { base.removeLast(suffix.count) }
        let data = try Data(contentsOf: fixtures.appendingPathComponent(base + ".json"))
        return try JSONDecoder().decode(Expected.self, from: data)
    }

    /// The values nprec must write, as float32 or the stored type: nibabel's values cast the
    /// way the reference casts them.
    static func expectedBytes(_ expected: Expected, dataType: String) throws -> [UInt8] {
        let raw = [UInt8](try Data(contentsOf: fixtures.appendingPathComponent(expected.raw_bin)))
        if let scaled = expected.scaled_bin {
            #expect(dataType == "float32")
            let doubles = [UInt8](try Data(contentsOf: fixtures.appendingPathComponent(scaled)))
            return doubles.withUnsafeBytes { buffer in
                buffer.bindMemory(to: Double.self).map { Float($0) }.withUnsafeBytes { Array($0) }
            }
        }
        let stored = expected.stored_dtype_name
        if stored == dataType || dataType == "uint8" { return raw }
        #expect(dataType == "float32", "unexpected data type \(dataType) for \(stored)")
        return raw.withUnsafeBytes { buffer -> [UInt8] in
            let floats: [Float]
            switch stored {
            case "float64": floats = buffer.bindMemory(to: Double.self).map { Float($0) }
            case "int64": floats = buffer.bindMemory(to: Int64.self).map { Float($0) }
            default: floats = []
            }
            return floats.withUnsafeBytes { Array($0) }
        }
    }

    @Test func thereAreFixtures() {
        #expect(Self.readable.count >= 30)
        #expect(Self.broken.count >= 5)
    }

    @Test(arguments: readable)
    func convertsToNibabelsValues(name: String) async throws {
        let expected = try Self.expected(name)
        try await withTemporaryDirectory { dir in
            let source = Self.fixtures.appendingPathComponent(name).path
            let info = try await Runner.nprec("info", source, "out", in: dir)
            #expect(info.status == 0 || info.status == 4, "\(info)")
            let fullres =
                try JSONSerialization.jsonObject(with: dir.contents(of: "out/info_fullres.json")) as! [String: Any]
            let dataType = fullres["data_type"] as! String
            // float64, int64 and scaled values become float32 with exit code 4; the rest is kept.
            let imperfect = expected.scaled_bin != nil || ["float64", "int64"].contains(expected.stored_dtype_name)
            #expect(info.status == (imperfect ? 4 : 0), "\(info)")
            #expect(info.stdout.hasPrefix("[["), "the transform is printed: \(info)")

            let scales = try await Runner.nprec(
                "scales", "out/info_fullres.json", "out", "--target-chunk-size", "4", in: dir)
            #expect(scales.status == 0, "\(scales)")
            let convert = try await Runner.nprec("convert", source, "out", "--flat", "--no-gzip", "-j", "3", in: dir)
            #expect(convert.status == 0, "\(convert)")

            // Reassemble scale 0 from its chunks and compare with nibabel's values.
            let infoObject = try JSONSerialization.jsonObject(with: dir.contents(of: "out/info")) as! [String: Any]
            let scale = (infoObject["scales"] as! [[String: Any]])[0]
            let key = scale["key"] as! String
            let size = scale["size"] as! [Int]
            let chunk = (scale["chunk_sizes"] as! [[Int]])[0]
            let channels = infoObject["num_channels"] as! Int
            let itemSize = [
                "uint8": 1, "int8": 1, "uint16": 2, "int16": 2, "float32": 4, "uint32": 4, "int32": 4, "uint64": 8,
            ][dataType]!
            var volume = [UInt8](repeating: 0xAA, count: size.reduce(1, *) * channels * itemSize)
            for z0 in stride(from: 0, to: size[2], by: chunk[2]) {
                for y0 in stride(from: 0, to: size[1], by: chunk[1]) {
                    for x0 in stride(from: 0, to: size[0], by: chunk[0]) {
                        let (x1, y1, z1) = (
                            min(x0 + chunk[0], size[0]), min(y0 + chunk[1], size[1]), min(z0 + chunk[2], size[2])
                        )
                        let bytes = [UInt8](try dir.contents(of: "out/\(key)/\(x0)-\(x1)_\(y0)-\(y1)_\(z0)-\(z1)"))
                        let (cx, cy, cz) = (x1 - x0, y1 - y0, z1 - z0)
                        try #require(bytes.count == cx * cy * cz * channels * itemSize)
                        var offset = 0
                        for c in 0..<channels {
                            for z in z0..<z1 {
                                for y in y0..<y1 {
                                    let start = (((c * size[2] + z) * size[1] + y) * size[0] + x0) * itemSize
                                    volume.replaceSubrange(
                                        start..<(start + cx * itemSize), with: bytes[offset..<(offset + cx * itemSize)])
                                    offset += cx * itemSize
                                }
                            }
                        }
                    }
                }
            }
            #expect(volume == (try Self.expectedBytes(expected, dataType: dataType)), "voxels of \(name)")
        }
    }

    @Test(arguments: broken)
    func brokenFilesFailNamingTheFile(name: String, problem: String) async throws {
        try await withTemporaryDirectory { dir in
            let source = Self.fixtures.appendingPathComponent(name).path
            var result = try await Runner.nprec("info", source, "out", in: dir)
            if result.status == 0 {
                // A damaged .nii.gz has a sound header: `info` reads only that, `convert` fails.
                #expect(name.hasSuffix(".gz"), "\(result)")
                _ = try await Runner.nprec("scales", "out/info_fullres.json", "out", in: dir)
                result = try await Runner.nprec("convert", source, "out", in: dir)
            }
            #expect(result.status == 1, "\(result)")
            #expect(result.stderr.contains(name), "\(result)")
            #expect(result.stderr.contains(problem), "\(result)")
            #expect(!result.stderr.contains("Fatal error"), "\(result)")
        }
    }

    @Test func convertNeedsAnInfo() async throws {
        let source = Self.fixtures.appendingPathComponent("uint8_le.nii").path
        let result = try await Runner.nprec("convert", source, "out")
        #expect(result.status == 1)
        #expect(result.stderr.contains("nprec info"), "\(result)")
    }

    @Test func sizeMismatchAndInvalidInfoFail() async throws {
        try await withTemporaryDirectory { dir in
            let small = Self.fixtures.appendingPathComponent("uint8_le.nii").path
            let other = Self.fixtures.appendingPathComponent("int16_4d_be.nii").path
            _ = try await Runner.nprec("info", small, "out", in: dir)
            _ = try await Runner.nprec("scales", "out/info_fullres.json", "out", in: dir)
            let mismatch = try await Runner.nprec("convert", other, "out", in: dir)
            #expect(mismatch.status == 1, "\(mismatch)")
            #expect(
                mismatch.stderr.contains("scales[0].size") || mismatch.stderr.contains("num_channels"), "\(mismatch)")
            _ = try dir.write(#"{"type":"image","data_type":"uint8","num_channels":1,"scales":[]}"#, to: "out/info")
            let invalid = try await Runner.nprec("convert", small, "out", in: dir)
            #expect(invalid.status == 1, "\(invalid)")
            #expect(invalid.stderr.contains("scales"), "\(invalid)")
        }
    }

    @Test func inputMinNeedsInputMax() async throws {
        let source = Self.fixtures.appendingPathComponent("uint8_le.nii").path
        let result = try await Runner.nprec("convert", source, "out", "--input-min", "3")
        #expect(result.status == 2)
        #expect(result.stderr.contains("--input-max"))
    }

    @Test func shardingSpecIsWrittenIntoTheInfo() async throws {
        try await withTemporaryDirectory { dir in
            let source = Self.fixtures.appendingPathComponent("uint8_le.nii").path
            let result = try await Runner.nprec("info", source, "out", "--sharding", "2,3,4", "--no-gzip", in: dir)
            #expect(result.status == 0, "\(result)")
            let text = String(decoding: try dir.contents(of: "out/info_fullres.json"), as: UTF8.self)
            #expect(
                text.contains(
                    #""sharding":{"@type":"neuroglancer_uint64_sharded_v1","data_encoding":"raw","hash":"identity","minishard_bits":2,"minishard_index_encoding":"raw","preshift_bits":4,"shard_bits":3}"#
                ), "\(text)")
            let bad = try await Runner.nprec("info", source, "out2", "--sharding", "2,3", in: dir)
            #expect(bad.status == 2)
        }
    }
}
