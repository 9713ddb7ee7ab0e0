import Foundation
import Testing

/// `nprec pyramid` and `nprec downscale` on the bundled sample, checked with an independent
/// computation of the lower scales.
@Suite struct PyramidCommandTests {
    static let sample = Runner.packageRoot.appendingPathComponent("Fixtures/sample/brain.nii.gz").path

    /// The voxels of one raw, flat, uncompressed scale (x fastest).
    static func readScale(_ dir: URL, info: [String: Any], index: Int) throws -> (size: [Int], values: [UInt8]) {
        let scale = (info["scales"] as! [[String: Any]])[index]
        let key = scale["key"] as! String
        let size = scale["size"] as! [Int]
        let chunk = (scale["chunk_sizes"] as! [[Int]])[0]
        var values = [UInt8](repeating: 0, count: size.reduce(1, *))
        for z0 in stride(from: 0, to: size[2], by: chunk[2]) {
            for y0 in stride(from: 0, to: size[1], by: chunk[1]) {
                for x0 in stride(from: 0, to: size[0], by: chunk[0]) {
                    let (x1, y1, z1) = (
                        min(x0 + chunk[0], size[0]), min(y0 + chunk[1], size[1]), min(z0 + chunk[2], size[2])
                    )
                    let bytes = [UInt8](try dir.contents(of: "out/\(key)/\(x0)-\(x1)_\(y0)-\(y1)_\(z0)-\(z1)"))
                    try #require(bytes.count == (x1 - x0) * (y1 - y0) * (z1 - z0))
                    var i = 0
                    for z in z0..<z1 {
                        for y in y0..<y1 {
                            for x in x0..<x1 {
                                values[(z * size[1] + y) * size[0] + x] = bytes[i]
                                i += 1
                            }
                        }
                    }
                }
            }
        }
        return (size, values)
    }

    /// Mean of each 2x2x2 block (the last voxel repeated at odd edges), rounded half to even.
    static func average(_ values: [UInt8], size: [Int]) -> [UInt8] {
        let out = size.map { ($0 + 1) / 2 }
        var result = [UInt8](repeating: 0, count: out.reduce(1, *))
        for z in 0..<out[2] {
            for y in 0..<out[1] {
                for x in 0..<out[0] {
                    var sum = 0.0
                    for dz in 0..<2 {
                        for dy in 0..<2 {
                            for dx in 0..<2 {
                                let (sx, sy, sz) = (
                                    min(2 * x + dx, size[0] - 1), min(2 * y + dy, size[1] - 1),
                                    min(2 * z + dz, size[2] - 1)
                                )
                                sum += Double(values[(sz * size[1] + sy) * size[0] + sx])
                            }
                        }
                    }
                    result[(z * out[1] + y) * out[0] + x] = UInt8((sum / 8).rounded(.toNearestOrEven))
                }
            }
        }
        return result
    }

    @Test func pyramidWritesEveryScaleWithAveragedValues() async throws {
        try await withTemporaryDirectory { dir in
            let result = try await Runner.nprec(
                "pyramid", Self.sample, "out", "--target-chunk-size", "16", "--flat", "--no-gzip", "-j", "2", in: dir)
            #expect(result.status == 0, "\(result)")
            #expect(dir.exists("out/transform.json"))
            let info = try JSONSerialization.jsonObject(with: dir.contents(of: "out/info")) as! [String: Any]
            let scales = info["scales"] as! [[String: Any]]
            #expect(scales.count >= 3)
            var previous = try Self.readScale(dir, info: info, index: 0)
            for index in 1..<scales.count {
                let current = try Self.readScale(dir, info: info, index: index)
                #expect(current.size == previous.size.map { ($0 + 1) / 2 })
                #expect(current.values == Self.average(previous.values, size: previous.size), "scale \(index)")
                previous = current
            }
            // Running it again with the same options is fine; other options would change the info.
            let again = try await Runner.nprec(
                "pyramid", Self.sample, "out", "--target-chunk-size", "16", "--flat", "--no-gzip", in: dir)
            #expect(again.status == 0, "\(again)")
            let other = try await Runner.nprec("pyramid", Self.sample, "out", "--target-chunk-size", "32", in: dir)
            #expect(other.status == 1, "\(other)")
            #expect(other.stderr.contains("out/info"), "\(other)")
        }
    }

    @Test func downscaleStepsEqualThePyramid() async throws {
        try await withTemporaryDirectory { dir in
            for arguments in [
                ["info", Self.sample, "steps"],
                ["scales", "steps/info_fullres.json", "steps", "--target-chunk-size", "32"],
                ["convert", Self.sample, "steps"], ["downscale", "steps", "--downscaling-method", "stride"],
                ["pyramid", Self.sample, "whole", "--target-chunk-size", "32", "--downscaling-method", "stride"],
            ] {
                let result = try await Runner.nprec(arguments, in: dir)
                #expect(result.status == 0, "\(arguments): \(result)")
            }
            let files = { (root: String) -> [String] in
                (FileManager.default.enumerator(atPath: dir.appendingPathComponent(root).path)!.allObjects as! [String])
                    .filter { $0.hasSuffix(".gz") }.sorted()
            }
            #expect(files("steps") == files("whole"))
            #expect(files("steps").count > 8)
            for file in files("steps") {
                let a = try dir.contents(of: "steps/\(file)")
                let b = try dir.contents(of: "whole/\(file)")
                #expect(a == b, "\(file)")
            }
        }
    }

    @Test func missingSourceChunkIsNamed() async throws {
        try await withTemporaryDirectory { dir in
            _ = try await Runner.nprec("info", Self.sample, "out", in: dir)
            _ = try await Runner.nprec("scales", "out/info_fullres.json", "out", "--target-chunk-size", "32", in: dir)
            _ = try await Runner.nprec("convert", Self.sample, "out", "--flat", in: dir)
            try FileManager.default.removeItem(at: dir.appendingPathComponent("out/2mm/32-64_0-32_0-32.gz"))
            let result = try await Runner.nprec("downscale", "out", in: dir)
            #expect(result.status == 1, "\(result)")
            #expect(result.stderr.contains("2mm/32-64_0-32_0-32"), "\(result)")
        }
    }

    @Test func badOptionsAreUsageErrors() async throws {
        let method = try await Runner.nprec("downscale", "out", "--downscaling-method", "median")
        #expect(method.status == 2)
        #expect(method.stderr.contains("--downscaling-method"))
        let outside = try await Runner.nprec("downscale", "out", "--outside-value", "white")
        #expect(outside.status == 2)
    }

    struct SlabCase: CustomTestStringConvertible, Sendable {
        var name: String
        var size: [Int]
        var kind: TestVolume.Kind
        var channels = 1
        var options: [String]
        /// Whether scale 1 can come from the slabs (scale 0 lossless).
        var fused: Bool
        var testDescription: String { name }
    }

    static let slabCases: [SlabCase] = [
        SlabCase(
            name: "image, odd sizes, anisotropic, average", size: [37, 29, 23], kind: .image,
            options: ["--target-chunk-size", "8"], fused: true),
        SlabCase(
            name: "image, average with an outside value, raw flat, one thread", size: [45, 31, 27], kind: .image,
            options: ["--target-chunk-size", "8", "--outside-value", "250", "--no-gzip", "--flat", "-j", "1"],
            fused: true),
        SlabCase(
            name: "image, stride, png", size: [33, 40, 19], kind: .image,
            options: ["--target-chunk-size", "8", "--downscaling-method", "stride", "--encoding", "png"], fused: true),
        SlabCase(
            name: "labels, majority, compressed_segmentation, sharded", size: [61, 53, 40], kind: .labels,
            options: [
                "--type", "segmentation", "--encoding", "compressed_segmentation", "--downscaling-method",
                "majority", "--target-chunk-size", "8", "--sharding", "auto",
            ], fused: true),
        SlabCase(
            name: "float32, 3 channels, average, sharded", size: [29, 34, 21], kind: .float, channels: 3,
            options: ["--target-chunk-size", "8", "--sharding", "1,1,0"], fused: true),
        SlabCase(
            name: "uint8 image, input range mapped to float32 (values converted)", size: [35, 22, 26], kind: .image,
            options: ["--target-chunk-size", "8", "--input-min", "20", "--input-max", "180"], fused: true),
        SlabCase(
            name: "image, jpeg (lossy: scale 1 read back)", size: [40, 36, 30], kind: .image,
            options: ["--target-chunk-size", "16", "--encoding", "jpeg"], fused: false),
    ]

    /// From a compressed volume, `nprec pyramid` computes scale 1 from the slabs in memory; from
    /// the same volume uncompressed, from the stored scale 0. Both give the same bytes.
    @Test(arguments: slabCases)
    func scaleOneFromTheSlabsEqualsScaleOneReadBack(_ test: SlabCase) async throws {
        try await withTemporaryDirectory { dir in
            let compressed = try TestVolume.write(
                "v.nii.gz", in: dir, size: test.size, kind: test.kind, channels: test.channels)
            let plain = try TestVolume.write(
                "p.nii", in: dir, size: test.size, kind: test.kind, channels: test.channels)
            let slabs = try await Runner.nprec(["pyramid", compressed, "slabs"] + test.options, in: dir)
            try #require(slabs.status == 0, "\(slabs)")
            let stored = try await Runner.nprec(["pyramid", plain, "stored"] + test.options, in: dir)
            try #require(stored.status == 0, "\(stored)")
            let info = try JSONSerialization.jsonObject(with: dir.contents(of: "slabs/info")) as! [String: Any]
            let keys = (info["scales"] as! [[String: Any]]).map { $0["key"] as! String }
            try #require(keys.count >= 2, "\(keys)")
            // One progress line for scales 0 and 1 when they come from the slabs.
            #expect(slabs.stderr.contains("writing \(keys[0]), computing scale \(keys[1])") == test.fused, "\(slabs)")
            #expect(!stored.stderr.contains("writing \(keys[0]), computing"), "\(stored)")
            let differences = try treeDifferences(
                dir.appendingPathComponent("slabs"), dir.appendingPathComponent("stored"))
            #expect(differences.isEmpty, "\(differences.prefix(10))")
            #expect(try treeContents(dir.appendingPathComponent("slabs")).keys.contains { $0.hasPrefix(keys[1] + "/") })
        }
    }
}
