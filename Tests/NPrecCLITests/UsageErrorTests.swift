import Foundation
import Testing

/// Exit code 2: unknown commands and options, wrong argument counts, bad values. The message
/// goes to stderr, names what is wrong and suggests the closest valid name; stdout stays empty.
@Suite("Usage errors")
struct UsageErrorTests {
    struct Typo: Sendable, CustomTestStringConvertible {
        var arguments: [String]
        var unknown: String
        var suggestion: String
        var testDescription: String { "nprec \(arguments.joined(separator: " "))" }
    }

    @Test(
        "Unknown commands",
        arguments: [
            Typo(arguments: ["scalse"], unknown: "'scalse' is not an nprec command", suggestion: "scales"),
            Typo(
                arguments: ["scalse", "full.json", "out"], unknown: "'scalse' is not an nprec command",
                suggestion: "scales"),
            Typo(arguments: ["stat", "out"], unknown: "'stat' is not an nprec command", suggestion: "stats"),
            Typo(arguments: ["pyramd"], unknown: "'pyramd' is not an nprec command", suggestion: "pyramid"),
            Typo(arguments: ["mesh", "lnik"], unknown: "'lnik' is not an nprec mesh command", suggestion: "mesh link"),
            Typo(arguments: ["help", "scalse"], unknown: "'scalse' is not an nprec command", suggestion: "scales"),
            Typo(
                arguments: ["help", "mesh", "covnert"], unknown: "'covnert' is not an nprec mesh command",
                suggestion: "mesh convert"),
        ])
    func unknownCommand(typo: Typo) async throws {
        try await withTemporaryDirectory { directory in
            let result = try await Runner.nprec(typo.arguments, in: directory)
            #expect(result.status == 2, "\(result)")
            #expect(result.stdout == "")
            #expect(result.stderr.hasPrefix("nprec: \(typo.unknown)"), "\(result)")
            let suggestions = result.stderr.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            #expect(suggestions.contains(typo.suggestion), "\(result)")
            // Never run a guess.
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
        }
    }

    @Test func noSuggestionForAFarOffName() async throws {
        let result = try await Runner.nprec("xyzzyplugh")
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("nprec: 'xyzzyplugh' is not an nprec command"))
        #expect(!result.stderr.contains("similar"))
    }

    @Test func optionsBeforeTheCommandAreRejected() async throws {
        let result = try await Runner.nprec("--frobnicate", "scales")
        #expect(result.status == 2)
        #expect(result.stdout == "")
        #expect(result.stderr.contains("unknown option '--frobnicate'"))
    }

    @Test(
        "Unknown options",
        arguments: [
            Typo(
                arguments: ["scales", "--max-scale", "3", "a.json", "out"], unknown: "--max-scale",
                suggestion: "--max-scales"),
            Typo(
                arguments: ["scales", "a.json", "out", "--max-scale=3"], unknown: "--max-scale",
                suggestion: "--max-scales"),
            Typo(
                arguments: ["scales", "--encodign", "raw", "a.json", "out"], unknown: "--encodign",
                suggestion: "--encoding"),
            Typo(
                arguments: ["downscale", "--compress-level", "5", "out"], unknown: "--compress-level",
                suggestion: "--compresslevel"),
            Typo(
                arguments: ["mesh", "link", "--no-colon", "a.csv", "out"], unknown: "--no-colon",
                suggestion: "--no-colon-suffix"),
            Typo(arguments: ["stats", "--flta", "out"], unknown: "--flta", suggestion: ""),
            Typo(arguments: ["stats", "-x", "out"], unknown: "-x", suggestion: ""),
        ])
    func unknownOption(typo: Typo) async throws {
        let result = try await Runner.nprec(typo.arguments)
        #expect(result.status == 2, "\(result)")
        #expect(result.stdout == "")
        #expect(result.stderr.hasPrefix("nprec: error: unknown option '\(typo.unknown)'"), "\(result)")
        if typo.suggestion.isEmpty {
            #expect(!result.stderr.contains("did you mean"))
        } else {
            #expect(result.stderr.contains("did you mean '\(typo.suggestion)'"), "\(result)")
        }
        let path = Commands.path(of: typo.arguments)
        #expect(result.stderr.contains("usage: nprec \(path.joined(separator: " ")) "), "\(result)")
    }

    struct Count: Sendable, CustomTestStringConvertible {
        var arguments: [String]
        var message: String
        var usage: String
        var testDescription: String { "nprec \(arguments.joined(separator: " "))" }
    }

    @Test(
        "Missing and extra positional arguments",
        arguments: [
            Count(
                arguments: ["scales"], message: "missing arguments: FULLRES_INFO DEST",
                usage: "usage: nprec scales [OPTIONS] FULLRES_INFO DEST"),
            Count(
                arguments: ["scales", "--max-scales", "2", "a.json"], message: "missing argument: DEST",
                usage: "usage: nprec scales [OPTIONS] FULLRES_INFO DEST"),
            Count(
                arguments: ["scales", "a.json", "out", "extra"], message: "unexpected argument: 'extra'",
                usage: "usage: nprec scales [OPTIONS] FULLRES_INFO DEST"),
            Count(arguments: ["stats"], message: "missing argument: DEST", usage: "usage: nprec stats [OPTIONS] DEST"),
            Count(
                arguments: ["stats", "a", "b", "c"], message: "unexpected arguments: 'b' 'c'",
                usage: "usage: nprec stats [OPTIONS] DEST"),
            Count(
                arguments: ["mesh", "link", "labels.csv"], message: "missing argument: DEST",
                usage: "usage: nprec mesh link [OPTIONS] CSV DEST"),
            Count(
                arguments: ["info"], message: "missing arguments: VOLUME DEST",
                usage: "usage: nprec info [OPTIONS] VOLUME... DEST"),
            Count(
                arguments: ["downscale"], message: "missing argument: DEST",
                usage: "usage: nprec downscale [OPTIONS] DEST"),
            Count(
                arguments: ["completion"], message: "missing argument: SHELL", usage: "usage: nprec completion SHELL"),
            Count(
                arguments: ["completion", "bash", "zsh"], message: "unexpected argument: 'zsh'",
                usage: "usage: nprec completion SHELL"),
            Count(arguments: ["version", "now"], message: "unexpected argument: 'now'", usage: "usage: nprec version"),
        ])
    func positionalCount(count: Count) async throws {
        let result = try await Runner.nprec(count.arguments)
        #expect(result.status == 2, "\(result)")
        #expect(result.stdout == "")
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.first == "nprec: error: \(count.message)", "\(result)")
        #expect(lines.contains(count.usage), "\(result)")
        #expect(result.stderr.contains("--help"), "points to the help")
    }

    struct BadValue: Sendable, CustomTestStringConvertible {
        var arguments: [String]
        var option: String
        var problem: String
        var testDescription: String { "nprec \(arguments.joined(separator: " "))" }
    }

    @Test(
        "Bad option values",
        arguments: [
            BadValue(
                arguments: ["downscale", "out", "--compresslevel", "13"], option: "--compresslevel", problem: "13"),
            BadValue(
                arguments: ["downscale", "out", "--compresslevel", "x"], option: "--compresslevel", problem: "'x'"),
            BadValue(arguments: ["downscale", "--compresslevel=-1", "out"], option: "--compresslevel", problem: "-1"),
            BadValue(
                arguments: ["scales", "a.json", "out", "--encoding", "foo"], option: "--encoding", problem: "'foo'"),
            BadValue(
                arguments: ["scales", "--encoding=jpg", "a.json", "out"], option: "--encoding",
                problem: "did you mean 'jpeg'"),
            BadValue(
                arguments: ["scales", "a.json", "out", "--target-chunk-size", "12"], option: "--target-chunk-size",
                problem: "not a power of two"),
            BadValue(
                arguments: ["scales", "a.json", "out", "--target-chunk-size", "0"], option: "--target-chunk-size",
                problem: "0"),
            BadValue(
                arguments: ["scales", "a.json", "out", "--max-scales", "many"], option: "--max-scales",
                problem: "'many'"),
            BadValue(
                arguments: ["scales", "a.json", "out", "--type", "labels"], option: "--type", problem: "'labels'"),
            BadValue(arguments: ["info", "a.nii", "out", "--resolution", "1,2"], option: "--resolution", problem: "3"),
            BadValue(
                arguments: ["info", "a.nii", "out", "--resolution", "1,x,2"], option: "--resolution", problem: "'1,x,2'"
            ),
            BadValue(
                arguments: ["info", "a.nii", "out", "--input-max", "nan"], option: "--input-max", problem: "'nan'"),
            BadValue(
                arguments: ["downscale", "out", "--downscaling-method", "mean"], option: "--downscaling-method",
                problem: "'mean'"),
            BadValue(
                arguments: ["downscale", "out", "--outside-value", "edge"], option: "--outside-value", problem: "'edge'"
            ),
            BadValue(arguments: ["reencode", "a", "b", "--jpeg-quality", "0"], option: "--jpeg-quality", problem: "0"),
            BadValue(arguments: ["reencode", "a", "b", "--jpeg-plane", "yz"], option: "--jpeg-plane", problem: "'yz'"),
            BadValue(
                arguments: ["mesh", "convert", "m.gii", "out", "--coord-transform", "1,0,0"],
                option: "--coord-transform",
                problem: "12 or 16"),
            BadValue(
                arguments: ["mesh", "convert", "m.gii", "out", "--units", "cm"], option: "--units", problem: "'cm'"),
            BadValue(arguments: ["downscale", "out", "-j0"], option: "-j", problem: "0"),
            BadValue(arguments: ["downscale", "out", "--jobs", "x"], option: "--jobs", problem: "'x'"),
            BadValue(arguments: ["downscale", "out", "--flat=yes"], option: "--flat", problem: "takes no value"),
            BadValue(
                arguments: ["downscale", "out", "--compresslevel"], option: "--compresslevel", problem: "needs a value"),
            BadValue(arguments: ["downscale", "out", "-j"], option: "-j", problem: "needs a value"),
        ])
    func badValue(bad: BadValue) async throws {
        try await withTemporaryDirectory { directory in
            let result = try await Runner.nprec(bad.arguments, in: directory)
            #expect(result.status == 2, "\(result)")
            #expect(result.stdout == "")
            let first = try #require(result.stderr.split(separator: "\n").first.map(String.init))
            #expect(first.hasPrefix("nprec: error: option '\(bad.option)'"), "\(result)")
            #expect(first.contains(bad.problem), "\(result)")
            #expect(result.stderr.contains("usage: nprec "), "\(result)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty, "nothing written")
        }
    }

    @Test func unknownShell() async throws {
        let result = try await Runner.nprec("completion", "tcsh")
        #expect(result.status == 2)
        #expect(result.stdout == "")
        #expect(result.stderr.contains("'tcsh' is not one of bash, zsh, fish"))
    }

    /// `--target-chunk-size` is checked for a power of two by the option table, before the
    /// command runs.
    @Test func targetChunkSizeIsCheckedBeforeTheCommandRuns() async throws {
        let result = try await Runner.nprec("pyramid", "brain.nii", "out", "--target-chunk-size", "12")
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.contains("option '--target-chunk-size'"), "\(result)")
    }
}
