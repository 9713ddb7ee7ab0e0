import Foundation
import Testing

/// How options are written: `--opt=value` and `--opt value`, anywhere among the positionals,
/// `--` to end them, short options with the value attached or not. Checked on `scales`, whose
/// output shows whether `--max-scales 2` (two scales instead of three) was read.
@Suite("Option parsing")
struct ParsingTests {
    @Test(
        "Options anywhere, in either form",
        arguments: [
            ["scales", "--max-scales", "2", "full.json", "out"],
            ["scales", "--max-scales=2", "full.json", "out"],
            ["scales", "full.json", "--max-scales", "2", "out"],
            ["scales", "full.json", "--max-scales=2", "out"],
            ["scales", "full.json", "out", "--max-scales", "2"],
            ["scales", "full.json", "out", "--max-scales=2"],
            ["scales", "--encoding=raw", "full.json", "--max-scales", "2", "out", "--type", "image"],
            ["scales", "--max-scales", "7", "full.json", "out", "--max-scales=2"],  // the last one wins
            ["scales", "--max-scales", "2", "--", "-full.json", "out"],  // a file whose name starts with '-'
        ])
    func optionPlacement(arguments: [String]) async throws {
        try await withTemporaryDirectory { directory in
            try directory.write(FullRes.cube512, to: "full.json")
            try directory.write(FullRes.cube512, to: "-full.json")
            let result = try await Runner.nprec(arguments, in: directory)
            #expect(result.status == 0, "\(result)")
            #expect(try FullRes.keys(in: directory) == ["1mm", "2mm"])
        }
    }

    @Test func doubleDashEndsOptions() async throws {
        try await withTemporaryDirectory { directory in
            try directory.write(FullRes.cube512, to: "full.json")
            let result = try await Runner.nprec(["scales", "--", "full.json", "--max-scales=2"], in: directory)
            #expect(result.status == 0, "\(result)")
            // '--max-scales=2' was DEST, not an option: a directory of that name, with every scale.
            #expect(try FullRes.keys(in: directory, "--max-scales=2/info") == ["1mm", "2mm", "4mm"])
        }
    }

    @Test func helpAfterDoubleDashIsAnArgument() async throws {
        let result = try await Runner.nprec("stats", "--", "--help")
        #expect(result.status == 1, "\(result)")
        #expect(result.stdout == "")
        #expect(result.stderr.contains("--help/info"))
    }

    /// `-j4`, `-j 4`, `--jobs=4` and `--jobs 4` all parse: no usage error (the command itself
    /// may then fail on the missing dataset, with exit code 1).
    @Test(
        "Short and long option forms",
        arguments: [
            ["-j4"], ["-j", "4"], ["-j=4"], ["--jobs=4"], ["--jobs", "4"], ["--no-gzip"], ["--no-compression"],
            ["--flat", "--compresslevel=0"], ["--compresslevel", "9"],
        ])
    func shortAndLongForms(options: [String]) async throws {
        for arguments in [["downscale"] + options + ["missing"], ["downscale", "missing"] + options] {
            let result = try await Runner.nprec(arguments)
            #expect(result.status != 2, "\(result)")
            #expect(!result.stderr.contains("usage:"), "\(result)")
        }
    }

    /// The value of `-j` is read in both forms: a bad one is rejected in both.
    @Test("Short option values are validated", arguments: [["-j0"], ["-j", "0"], ["-j=0"], ["-jx"]])
    func shortOptionValues(options: [String]) async throws {
        let result = try await Runner.nprec(["downscale", "missing"] + options)
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.hasPrefix("nprec: error: option '-j'"), "\(result)")
    }

    @Test func aNegativeNumberIsAValueNotAnOption() async throws {
        let result = try await Runner.nprec("downscale", "missing", "--outside-value", "-1.5")
        #expect(result.status != 2, "\(result)")
    }
}
