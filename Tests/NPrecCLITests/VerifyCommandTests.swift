import Foundation
import Testing

/// `nprec verify` on pyramids nprec writes from the bundled sample: clean ones pass, each kind of
/// damage is named.
@Suite struct VerifyCommandTests {
    static let sample = Runner.packageRoot.appendingPathComponent("Fixtures/sample/brain.nii.gz").path
    static let prism = Runner.packageRoot.appendingPathComponent("Fixtures/mesh/prism.obj").path

    static func pyramid(_ dir: URL, _ options: [String]) async throws {
        let result = try await Runner.nprec(
            ["pyramid", sample, "out", "--target-chunk-size", "32"] + options, in: dir)
        try #require(result.status == 0, "\(result)")
    }

    @Test(arguments: [
        [], ["--flat", "--no-gzip"], ["--sharding", "2,1,1"], ["--sharding", "auto", "--no-gzip"],
        ["--encoding", "compressed_segmentation", "--type", "segmentation"], ["--encoding", "jpeg"],
        ["--encoding", "png", "--flat"],
    ])
    func cleanPyramidsPass(options: [String]) async throws {
        try await withTemporaryDirectory { dir in
            try await Self.pyramid(dir, options)
            let result = try await Runner.nprec("verify", "-j", "2", "out", in: dir)
            #expect(result.status == 0, "\(result)")
            #expect(result.lines.last?.hasPrefix("out: OK (") == true, "\(result)")
            #expect(result.stderr.contains("verify 2mm"), "progress on stderr: \(result)")
        }
    }

    @Test func damageIsNamedAndCounted() async throws {
        try await withTemporaryDirectory { dir in
            try await Self.pyramid(dir, [])
            let fm = FileManager.default
            try fm.removeItem(at: dir.appendingPathComponent("out/2mm/0-32/0-32/0-32.gz"))
            let truncated = dir.appendingPathComponent("out/2mm/32-64/0-32/0-32.gz")
            let bytes = try Data(contentsOf: truncated)
            try bytes.prefix(bytes.count / 2).write(to: truncated)
            let result = try await Runner.nprec("verify", "out", in: dir)
            #expect(result.status == 1, "\(result)")
            #expect(result.lines.contains("out/2mm/0-32/0-32/0-32.gz: missing"), "\(result)")
            #expect(
                result.lines.contains { $0.hasPrefix("out/2mm/32-64/0-32/0-32.gz: corrupt gzip stream") }, "\(result)")
            #expect(result.lines.contains { $0.hasPrefix("out/2mm: 1 of ") && $0.hasSuffix(" chunks missing") })
            #expect(
                result.lines.last?.hasPrefix("out: 2 problems: 1 missing chunk, 1 bad chunk (") == true, "\(result)")

            let json = try await Runner.nprec("verify", "--json", "out", in: dir)
            #expect(json.status == 1)
            let report = try #require(
                try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any], "\(json)")
            #expect(report["ok"] as? Bool == false)
            #expect(report["counts"] as? [String: Int] == ["missing-chunk": 1, "bad-chunk": 1])
            let problems = try #require(report["problems"] as? [[String: Any]])
            #expect(
                problems.map { $0["path"] as? String } == ["out/2mm/0-32/0-32/0-32.gz", "out/2mm/32-64/0-32/0-32.gz"])
        }
    }

    @Test func manyProblemsAreCountedBeyondTheListed() async throws {
        try await withTemporaryDirectory { dir in
            try await Self.pyramid(dir, ["--flat", "--no-gzip"])
            let scale = dir.appendingPathComponent("out/2mm")
            let chunks = try FileManager.default.contentsOfDirectory(atPath: scale.path).sorted()
            for name in chunks.prefix(5) { try Data([1, 2, 3]).write(to: scale.appendingPathComponent(name)) }
            let result = try await Runner.nprec("verify", "--max-listed", "2", "out", in: dir)
            #expect(result.status == 1)
            #expect(result.lines.filter { $0.hasPrefix("out/2mm/") && $0.contains("raw chunk is 3 bytes") }.count == 2)
            #expect(result.lines.contains("... and 3 more bad chunks (5 in all)"), "\(result)")
        }
    }

    @Test func corruptShardIndexIsNamed() async throws {
        try await withTemporaryDirectory { dir in
            try await Self.pyramid(dir, ["--sharding", "2,1,1"])
            let shard = dir.appendingPathComponent("out/2mm/0.shard")
            var bytes = [UInt8](try Data(contentsOf: shard))
            for index in 8..<16 { bytes[index] = 0xff }
            try Data(bytes).write(to: shard)
            let result = try await Runner.nprec("verify", "out", in: dir)
            #expect(result.status == 1, "\(result)")
            #expect(
                result.lines.contains {
                    $0.hasPrefix("out/2mm/0.shard: minishard 0: its index") && $0.contains("past the end")
                },
                "\(result)")
        }
    }

    @Test func meshesAreChecked() async throws {
        try await withTemporaryDirectory { dir in
            try await Self.pyramid(dir, ["--encoding", "compressed_segmentation", "--type", "segmentation"])
            for arguments in [["mesh", "convert", Self.prism, "out"], ["mesh", "link", "links.csv", "out"]] {
                try dir.write("7,prism\n", to: "links.csv")
                let result = try await Runner.nprec(arguments, in: dir)
                try #require(result.status == 0, "\(result)")
            }
            var result = try await Runner.nprec("verify", "out", in: dir)
            #expect(result.status == 0, "\(result)")
            #expect(result.lines.last?.contains("1 mesh manifest, 1 fragment") == true, "\(result)")
            try FileManager.default.removeItem(at: dir.appendingPathComponent("out/mesh/prism.gz"))
            result = try await Runner.nprec("verify", "out", in: dir)
            #expect(result.status == 1)
            #expect(result.lines.contains("out/mesh/prism: missing (named by out/mesh/7:0)"), "\(result)")
        }
    }

    @Test func sampleChecksAShare() async throws {
        try await withTemporaryDirectory { dir in
            try await Self.pyramid(dir, ["--flat"])
            let result = try await Runner.nprec("verify", "--sample", "0.5", "--seed", "3", "out", in: dir)
            #expect(result.status == 0, "\(result)")
            #expect(result.lines.last?.contains("chunks (sample)") == true, "\(result)")
        }
    }

    @Test(arguments: ["0", "1.5", "-0.1", "x"])
    func badSampleIsAUsageError(value: String) async throws {
        let result = try await Runner.nprec("verify", "--sample", value, "out")
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.contains("--sample"), "\(result)")
    }

    @Test func missingInfoIsAProblem() async throws {
        try await withTemporaryDirectory { dir in
            try dir.makeDirectory("empty")
            let result = try await Runner.nprec("verify", "empty", in: dir)
            #expect(result.status == 1)
            #expect(result.lines.first?.hasPrefix("empty/info: missing") == true, "\(result)")
        }
    }
}
