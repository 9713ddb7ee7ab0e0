import Foundation
import NPrecCLI
import Testing

/// What `make install` and `make dist` ship besides the binary: the manual pages that
/// `nprec help --man DIR` generates from the registry.
@Suite("Manual pages")
struct ManPageTests {
    /// `nprec-mesh-convert.1` for `["mesh", "convert"]`.
    static func pageName(_ path: [String]) -> String { (["nprec"] + path).joined(separator: "-") + ".1" }

    @Test func everyCommandHasAPage() async throws {
        try await withTemporaryDirectory { dir in
            let result = try await Runner.nprec(["help", "--man", "man1"], in: dir)
            try #require(result.status == 0, "\(result)")
            #expect(result.stderr == "")
            let expected = ["nprec.1"] + Commands.paths.map(Self.pageName)
            #expect(result.lines == expected.map { "man1/" + $0 })
            let files = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("man1").path)
            #expect(files.sorted() == expected.sorted())
            #expect(files.contains("nprec-mesh-convert.1") && files.contains("nprec-mesh.1"))
        }
    }

    /// Each option with its value, default and accepted words, each argument and each example,
    /// in the page of each command.
    @Test(arguments: Commands.paths)
    func pageShowsEveryOptionDefaultAndExample(path: [String]) async throws {
        try await withTemporaryDirectory { dir in
            let result = try await Runner.nprec(["help", "--man", "."] + path, in: dir)
            try #require(result.status == 0, "\(result)")
            let page = String(decoding: try dir.contents(of: Self.pageName(path)), as: UTF8.self)
            let command = try Commands.command(path)
            /// The roff of `text`: hyphens are minus signs.
            func roff(_ text: String) -> String { text.replacingOccurrences(of: "-", with: "\\-") }
            let name = String(Self.pageName(path).dropLast(2))
            #expect(page.hasPrefix(".TH \(roff(name.uppercased())) 1 "), "\(page)")
            #expect(page.contains(".SH NAME\n\(roff(name)) \\- "))
            #expect(page.contains(".SH SYNOPSIS\n.B \(roff((["nprec"] + path).joined(separator: " ")))\n"))
            for option in command.allOptions {
                #expect(page.contains("\\fB\\-\\-\(roff(option.long))\\fR"), "--\(option.long) in \(path)")
                if let value = option.value { #expect(page.contains("\\fI\(value.name)\\fR")) }
                if let defaultText = option.defaultText {
                    #expect(page.contains("Default: \(roff(defaultText))."), "default of --\(option.long)")
                }
                if case .choice(let words)? = option.value?.type {
                    #expect(page.contains("One of: \(roff(words.joined(separator: ", ")))."))
                }
            }
            for positional in command.positionals { #expect(page.contains(".I \(positional.name)")) }
            for sub in command.subcommands {
                #expect(page.contains(roff(String(Self.pageName(path + [sub.name]).dropLast(2)))))
            }
            if !command.examples.isEmpty { #expect(page.contains(".SH EXAMPLES\n")) }
            for example in command.examples {
                #expect(page.contains(roff(example.replacingOccurrences(of: "\\", with: "\\e"))), "\(example)")
            }
            #expect(page.contains(".SH EXIT STATUS\n"))
            // No line that roff would read as a request by mistake.
            for line in page.split(separator: "\n") where line.hasPrefix(".") || line.hasPrefix("'") {
                #expect(line.wholeMatch(of: /\.(TH|SH|TP|PP|B|I|BR|RS|RE|nf|fi|br|nh|ad)( .*)?/) != nil, "\(line)")
            }
        }
    }

    @Test func overviewPageListsTheCommands() async throws {
        try await withTemporaryDirectory { dir in
            let result = try await Runner.nprec(["help", "--man", "pages"], in: dir)
            try #require(result.status == 0, "\(result)")
            let page = String(decoding: try dir.contents(of: "pages/nprec.1"), as: UTF8.self)
            for command in Registry.commands {
                #expect(page.contains(".B \(command.name.replacingOccurrences(of: "-", with: "\\-"))\n"))
            }
            #expect(page.contains("\\fB\\-\\-version\\fR"))
        }
    }

    @Test func pagesOfOneCommandAndItsSubcommands() async throws {
        try await withTemporaryDirectory { dir in
            let result = try await Runner.nprec(["help", "--man", "out", "mesh"], in: dir)
            try #require(result.status == 0, "\(result)")
            let subcommands = try Commands.command(["mesh"]).subcommands.map { Self.pageName(["mesh", $0.name]) }
            #expect(result.lines == (["nprec-mesh.1"] + subcommands).map { "out/" + $0 })
        }
    }

    @Test func unknownCommandWritesNoPage() async throws {
        try await withTemporaryDirectory { dir in
            let result = try await Runner.nprec(["help", "--man", "out", "pyramdi"], in: dir)
            #expect(result.status == 2, "\(result)")
            #expect(result.stderr.contains("'pyramdi' is not an nprec command"), "\(result)")
            #expect(result.stderr.contains("pyramid"))
            #expect(!dir.exists("out/nprec.1"))
        }
    }

    @Test func unwritableDirectoryIsAnError() async throws {
        try await withTemporaryDirectory { dir in
            _ = try dir.write("a file", to: "file")
            let result = try await Runner.nprec(["help", "--man", "file/man1"], in: dir)
            #expect(result.status == 1, "\(result)")
            #expect(result.stderr.hasPrefix("nprec: error: "), "\(result)")
            #expect(result.stderr.contains("file/man1"), "\(result)")
        }
    }

    /// groff, when installed, formats every page without a warning (`-ww`: all of them).
    @Test func groffFormatsEveryPageWithoutWarnings() async throws {
        guard let groff = Runner.which("groff") else { return }
        try await withTemporaryDirectory { dir in
            let result = try await Runner.nprec(["help", "--man", "man1"], in: dir)
            try #require(result.status == 0, "\(result)")
            for file in result.lines {
                let formatted = try await Runner.run(groff, ["-man", "-ww", "-z", file], in: dir)
                #expect(formatted.status == 0 && formatted.stderr == "", "\(file): \(formatted.stderr)")
                let text = try await Runner.run(groff, ["-man", "-ww", "-Tutf8", "-P-cbu", file], in: dir)
                #expect(text.stderr == "", "\(file): \(text.stderr)")
                #expect(text.stdout.contains("OPTIONS"), "\(file)")
            }
        }
    }
}

/// `--json` on `stats` (plan's and verify's are checked beside their other tests).
@Suite("JSON output")
struct JSONOutputTests {
    static let cube512 = """
        {"data_type": "uint8", "num_channels": 1, "type": "image",
         "scales": [{"resolution": [1000000, 1000000, 1000000], "size": [512, 512, 512], "voxel_offset": [0, 0, 0]}]}
        """

    static func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
    }

    @Test func statsAsJSON() async throws {
        try await withTemporaryDirectory { dir in
            _ = try dir.write(Self.cube512, to: "full.json")
            #expect(try await Runner.nprec(["scales", "full.json", "out"], in: dir).status == 0)
            let result = try await Runner.nprec(["stats", "--json", "out"], in: dir)
            #expect(result.status == 0, "\(result)")
            #expect(result.stderr == "")
            let report = try Self.object(result.stdout)
            let scales = try #require(report["scales"] as? [[String: Any]])
            #expect(scales.map { $0["key"] as? String } == ["1mm", "2mm", "4mm"])
            #expect(scales.map { $0["chunks"] as? Int } == [512, 64, 8])
            // Nested layout: gx * (1 + gy) directories.
            #expect(scales.map { $0["directories"] as? Int } == [72, 20, 6])
            #expect(scales.map { $0["raw_bytes"] as? Int } == [512 * 512 * 512, 256 * 256 * 256, 128 * 128 * 128])
            #expect(scales.allSatisfy { $0["chunk_size"] as? [Int] == [64, 64, 64] && $0["sharding"] == nil })
            let totals = try #require(report["totals"] as? [String: Int])
            #expect(totals == ["chunks": 584, "directories": 98, "raw_bytes": 153_092_096])
        }
    }

    @Test func shardedStatsAsJSON() async throws {
        try await withTemporaryDirectory { dir in
            try dir.makeDirectory("out")
            _ = try dir.write(
                """
                {"@type": "neuroglancer_multiscale_volume", "data_type": "uint16", "num_channels": 1, "type": "image",
                 "scales": [{"key": "1mm", "resolution": [1000000, 1000000, 1000000], "size": [512, 512, 512],
                   "voxel_offset": [0, 0, 0], "chunk_sizes": [[64, 64, 64]], "encoding": "raw",
                   "sharding": {"@type": "neuroglancer_uint64_sharded_v1", "preshift_bits": 3, "hash": "identity",
                     "minishard_bits": 2, "shard_bits": 1, "minishard_index_encoding": "gzip",
                     "data_encoding": "gzip"}}]}
                """, to: "out/info")
            let result = try await Runner.nprec(["stats", "out", "--json"], in: dir)
            #expect(result.status == 0, "\(result)")
            let report = try Self.object(result.stdout)
            let scales = try #require(report["scales"] as? [[String: Any]])
            let first = try #require(scales.first)
            let sharding = try #require(first["sharding"] as? [String: Any], "\(result)")
            #expect(sharding["@type"] as? String == "neuroglancer_uint64_sharded_v1")
            #expect(sharding["shard_bits"] as? Int == 1 && sharding["minishard_bits"] as? Int == 2)
            #expect(first["chunks"] as? Int == 512)
            #expect(first["directories"] as? Int == 3)
            // The identity hash of 9-bit chunk ids, 3 + 2 bits shifted out: 2 shards of 256.
            #expect(first["shards"] as? Int == 2)
            #expect(first["chunks_per_shard"] as? Int == 256)
            #expect(first["raw_bytes"] as? Int == 512 * 512 * 512 * 2)
            #expect(report["totals"] as? [String: Int] == ["chunks": 512, "directories": 3, "raw_bytes": 1 << 28])
        }
    }

    @Test func statsJSONOfAMissingInfoIsAnError() async throws {
        try await withTemporaryDirectory { dir in
            try dir.makeDirectory("empty")
            let result = try await Runner.nprec(["stats", "--json", "empty"], in: dir)
            #expect(result.status == 1)
            #expect(result.stdout == "")
        }
    }
}
