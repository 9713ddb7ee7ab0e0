import Foundation
import Testing

/// `nprec verify` on the multi-resolution mesh directories `nprec mesh generate` writes,
/// unsharded and sharded: clean ones pass with their counts; each kind of damage (a manifest of
/// the wrong size, fragment sizes that disagree with the data, an undecodable fragment, positions
/// out of Z-curve order, the wrong quantization bits, a truncated shard) is named; legacy meshes
/// are checked as before.
@Suite struct VerifyMultiresMeshTests {
    static let labels = [3, 13, 20]

    /// `seg`: the test segmentation with meshes of `labels` made with `options`; the triangles
    /// `mesh generate` says it wrote (`triangles LOD 0: N, LOD 1: M in ...`).
    @discardableResult
    static func meshed(_ dir: URL, _ options: [String]) async throws -> Int {
        try await LabelsCommandTests.segmentation(dir, ["--encoding", "compressed_segmentation"])
        let result = try await Runner.nprec(
            ["mesh", "generate", "seg", "--labels", labels.map(String.init).joined(separator: ",")] + options, in: dir)
        try #require(result.status == 0, "\(result)")
        let levels = try #require(
            result.stdout.components(separatedBy: "triangles ").last?.components(separatedBy: " in ").first, "\(result)"
        )
        return levels.components(separatedBy: ", ").compactMap { Int($0.split(separator: " ").last ?? "") }
            .reduce(0, +)
    }

    /// A copy of `seg` named `name`, for one kind of damage.
    static func copy(_ dir: URL, _ name: String) throws {
        try FileManager.default.copyItem(at: dir.appendingPathComponent("seg"), to: dir.appendingPathComponent(name))
    }

    static func json(_ result: ProcessResult) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result)")
    }

    static func edit(_ file: URL, _ change: (inout [UInt8]) throws -> Void) throws {
        var bytes = [UInt8](try Data(contentsOf: file))
        try change(&bytes)
        try Data(bytes).write(to: file)
    }

    /// Where a manifest keeps its numbers: per LOD the byte offsets of the x positions and of
    /// the sizes, and the sizes.
    struct Layout {
        var positionsAt: [Int] = []
        var sizesAt: [Int] = []
        var sizes: [[Int]] = []
    }

    static func layout(_ manifest: [UInt8]) -> Layout {
        let uint32 = MeshGenerateTests.uint32
        let lods = Int(uint32(manifest, 24))
        let counts = (0..<lods).map { Int(uint32(manifest, 28 + 16 * lods + 4 * $0)) }
        var layout = Layout()
        var cursor = 28 + 20 * lods
        for n in counts {
            layout.positionsAt.append(cursor)
            cursor += 12 * n
            layout.sizesAt.append(cursor)
            layout.sizes.append((0..<n).map { Int(uint32(manifest, cursor + 4 * $0)) })
            cursor += 4 * n
        }
        return layout
    }

    @Test(arguments: [["--fragment-size", "4"], ["--sharding", "auto", "--quantization-bits", "10"]])
    func cleanDirectoriesPassWithTheirCounts(options: [String]) async throws {
        try await withTemporaryDirectory { dir in
            let triangles = try await Self.meshed(dir, options)
            #expect(triangles > 0)
            let result = try await Runner.nprec("verify", "-j", "2", "seg", in: dir)
            #expect(result.status == 0, "\(result)")
            #expect(result.lines.last?.hasPrefix("seg: OK (") == true, "\(result)")
            #expect(result.lines.last?.contains("3 multi-resolution mesh manifests") == true, "\(result)")
            let json = try await Runner.nprec("verify", "--json", "seg", in: dir)
            #expect(json.status == 0, "\(json)")
            let report = try Self.json(json)
            #expect(report["ok"] as? Bool == true)
            #expect(report["notes"] as? [String] == [])
            let mesh = try #require(report["mesh"] as? [String: Any], "\(json)")
            #expect(mesh["directory"] as? String == "seg/mesh")
            #expect(mesh["type"] as? String == "neuroglancer_multilod_draco")
            #expect(mesh["manifests"] as? Int == 3)
            let sharded = options.contains("--sharding")
            #expect(mesh["sharded"] as? Bool == sharded)
            let shards = try FileManager.default.contentsOfDirectory(
                atPath: dir.appendingPathComponent("seg/mesh").path
            )
            .filter { $0.hasSuffix(".shard") }
            #expect(mesh["shards"] as? Int == shards.count && (shards.count > 0) == sharded)
            // Every non-empty fragment the manifests list, decoded.
            var fragments = 0
            if !sharded {
                for label in Self.labels {
                    let manifest = [UInt8](try dir.contents(of: "seg/mesh/\(label).index"))
                    fragments += Self.layout(manifest).sizes.joined().filter { $0 > 0 }.count
                }
                #expect(fragments > 3)
            }
            let counted = try #require(mesh["fragments"] as? Int)
            #expect(counted > 0 && (sharded || counted == fragments), "\(mesh)")
            #expect(mesh["parsed"] as? Int == counted)
            // Every triangle mesh generate wrote, decoded.
            #expect(mesh["triangles"] as? Int == triangles, "\(mesh)")
        }
    }

    @Test func unshardedDamageIsNamed() async throws {
        try await withTemporaryDirectory { dir in
            try await Self.meshed(dir, ["--fragment-size", "4"])
            let manifest = [UInt8](try dir.contents(of: "seg/mesh/13.index"))
            let layout = Self.layout(manifest)
            try #require(layout.sizes[0].count >= 2, "label 13 has several LOD 0 fragments")

            // A truncated manifest.
            try Self.copy(dir, "truncated")
            try Self.edit(dir.appendingPathComponent("truncated/mesh/13.index")) { $0.removeLast(4) }
            var result = try await Runner.nprec("verify", "truncated", in: dir)
            #expect(result.status == 1, "\(result)")
            #expect(
                result.lines.contains {
                    $0.hasPrefix("truncated/mesh/13.index: the manifest is \(manifest.count - 4) bytes, but num_lods")
                        && $0.hasSuffix("Neuroglancer rejects its size")
                }, "\(result)")
            #expect(result.lines.last?.hasPrefix("truncated: 1 problem: 1 bad mesh manifest (") == true, "\(result)")

            // A fragment size one more than the data holds.
            try Self.copy(dir, "sizes")
            let lastSizes = try #require(layout.sizesAt.last)
            let lastCount = try #require(layout.sizes.last?.count)
            let last = lastSizes + 4 * (lastCount - 1)
            try Self.edit(dir.appendingPathComponent("sizes/mesh/13.index")) { bytes in
                let size = MeshGenerateTests.uint32(bytes, last) + 1
                for i in 0..<4 { bytes[last + i] = UInt8(truncatingIfNeeded: size >> (8 * UInt32(i))) }
            }
            let dataSize = try dir.contents(of: "seg/mesh/13").count
            result = try await Runner.nprec("verify", "sizes", in: dir)
            #expect(result.status == 1, "\(result)")
            #expect(
                result.lines.contains(
                    "sizes/mesh/13: the file is \(dataSize) bytes, but the fragment sizes in 13.index add up to "
                        + "\(dataSize + 1)"), "\(result)")

            // Garbage bytes over the first fragment.
            try Self.copy(dir, "garbage")
            let first = try #require(layout.sizes[0].firstIndex { $0 > 0 })
            let size = layout.sizes[0][first]
            try Self.edit(dir.appendingPathComponent("garbage/mesh/13")) { bytes in
                for i in 0..<size { bytes[i] = UInt8(truncatingIfNeeded: 0xa5 &+ i &* 31) }
            }
            result = try await Runner.nprec("verify", "garbage", in: dir)
            #expect(result.status == 1, "\(result)")
            #expect(
                result.lines.contains {
                    $0.hasPrefix("garbage/mesh/13 (LOD 0, fragment \(first)): \(size) bytes that Draco cannot decode")
                }, "\(result)")
            #expect(result.lines.last?.contains("1 bad mesh fragment") == true, "\(result)")

            // LOD 0's first two positions swapped (x, y and z columns).
            try Self.copy(dir, "order")
            let n = layout.sizes[0].count
            try Self.edit(dir.appendingPathComponent("order/mesh/13.index")) { bytes in
                for axis in 0..<3 {
                    let at = layout.positionsAt[0] + 4 * n * axis
                    let (a, b) = (Array(bytes[at..<(at + 4)]), Array(bytes[(at + 4)..<(at + 8)]))
                    bytes.replaceSubrange(at..<(at + 4), with: b)
                    bytes.replaceSubrange((at + 4)..<(at + 8), with: a)
                }
            }
            result = try await Runner.nprec("verify", "order", in: dir)
            #expect(result.status == 1, "\(result)")
            #expect(
                result.lines.contains {
                    $0.hasPrefix("order/mesh/13.index: LOD 0: fragment 1 at (")
                        && $0.contains(" is before fragment 0 at (")
                        && $0.contains("in Z-curve order")
                }, "\(result)")

            // vertex_quantization_bits 12 (not valid), then 10 for fragments quantized to 16 bits.
            for (bits, problem) in [
                (12, "bits/mesh/info: vertex_quantization_bits: 12 is not 10 or 16"),
                (10, "bits/mesh/"),
            ] {
                try? FileManager.default.removeItem(at: dir.appendingPathComponent("bits"))
                try Self.copy(dir, "bits")
                let infoURL = dir.appendingPathComponent("bits/mesh/info")
                var info = try LabelsCommandTests.json(infoURL)
                info["vertex_quantization_bits"] = bits
                try JSONSerialization.data(withJSONObject: info).write(to: infoURL)
                result = try await Runner.nprec("verify", "--max-listed", "0", "bits", in: dir)
                #expect(result.status == 1, "\(result)")
                #expect(result.lines.contains { $0.hasPrefix(problem) }, "\(result)")
                if bits == 10 {
                    #expect(
                        result.lines.contains { $0.contains(" (LOD 0, fragment ") && $0.contains("not below 2^10") },
                        "\(result)")
                    #expect(result.lines.last?.contains(" bad mesh fragment") == true, "\(result)")
                }
            }
        }
    }

    @Test func truncatedShardIsNamed() async throws {
        try await withTemporaryDirectory { dir in
            try await Self.meshed(dir, ["--sharding", "auto"])
            let meshDir = dir.appendingPathComponent("seg/mesh")
            let shard = try #require(
                try FileManager.default.contentsOfDirectory(atPath: meshDir.path).filter { $0.hasSuffix(".shard") }
                    .first)
            try Self.edit(meshDir.appendingPathComponent(shard)) { bytes in bytes.removeLast(bytes.count / 2) }
            let result = try await Runner.nprec("verify", "--json", "seg", in: dir)
            #expect(result.status == 1, "\(result)")
            let report = try Self.json(result)
            let problems = try #require(report["problems"] as? [[String: Any]])
            #expect(
                problems.contains {
                    $0["path"] as? String == "seg/mesh/\(shard)" && $0["kind"] as? String == "bad-shard"
                        && ($0["problem"] as? String)?.contains("past the end of the file") == true
                }, "\(result)")
            #expect((report["counts"] as? [String: Int])?["bad-shard"] == 1, "\(result)")
        }
    }

    @Test func legacyMeshesAreStillChecked() async throws {
        try await withTemporaryDirectory { dir in
            try await Self.meshed(dir, ["--format", "legacy", "--no-gzip"])
            var result = try await Runner.nprec("verify", "seg", in: dir)
            #expect(result.status == 0, "\(result)")
            #expect(result.lines.last?.contains("3 mesh manifests, 3 fragments") == true, "\(result)")
            let json = try Self.json(try await Runner.nprec("verify", "--json", "seg", in: dir))
            let mesh = try #require(json["mesh"] as? [String: Any])
            #expect(mesh["type"] as? String == "neuroglancer_legacy_mesh" && mesh["parsed"] as? Int == 3)
            try FileManager.default.removeItem(at: dir.appendingPathComponent("seg/mesh/13"))
            result = try await Runner.nprec("verify", "seg", in: dir)
            #expect(result.status == 1)
            #expect(result.lines.contains("seg/mesh/13: missing (named by seg/mesh/13:0)"), "\(result)")
        }
    }
}
