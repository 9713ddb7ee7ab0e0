import Foundation
import NPrecCLI
import Testing

/// The commands of the registry, as the paths a user types.
enum Commands {
    /// The commands of the CLI contract (spec/cli.md), in help order.
    static let specified = [
        "info", "scales", "convert", "downscale", "pyramid", "stats", "verify", "labels", "reencode", "mesh", "plan",
        "serve",
        "completion", "help", "version",
    ]

    /// Every command and subcommand: `["info"]`, ..., `["mesh"]`, `["mesh", "convert"]`, `["mesh", "link"]`.
    static let paths: [[String]] = Registry.commands.flatMap { command in
        [[command.name]] + command.subcommands.map { [command.name, $0.name] }
    }

    /// The commands that run (no subcommands): `["scales"]`, `["mesh", "link"]`, ...
    static let leaves: [[String]] = paths.filter { Registry.command(at: $0)?.subcommands.isEmpty ?? false }

    /// The command path at the start of a command line: `["mesh", "link"]` of `mesh link a b`.
    static func path(of arguments: [String]) -> [String] {
        let group = Registry.command(arguments.first ?? "").map { !$0.subcommands.isEmpty } ?? false
        return Array(arguments.prefix(group ? 2 : 1))
    }

    static func command(_ path: [String]) throws -> Command {
        try #require(Registry.command(at: path), "no command at \(path)")
    }
}

@Suite("Help and version")
struct HelpTests {
    @Test func theRegistryHoldsTheSpecifiedCommands() throws {
        #expect(Registry.commands.map(\.name) == Commands.specified)
        #expect(try Commands.command(["mesh"]).subcommands.map(\.name) == ["generate", "convert", "link"])
    }

    @Test("The overview", arguments: [[], ["help"], ["--help"], ["-h"]])
    func overview(arguments: [String]) async throws {
        let result = try await Runner.nprec(arguments)
        #expect(result.status == 0, "\(result)")
        #expect(result.stderr == "")
        #expect(result.stdout.hasPrefix("usage: nprec COMMAND [OPTIONS] [ARGS]\n"))
        for command in Registry.commands {
            #expect(
                result.lines.contains { $0.hasPrefix("  \(command.name) ") && $0.hasSuffix(command.summary) },
                "no line for '\(command.name)' in the overview")
        }
        #expect(result.stdout.contains("nprec pyramid brain.nii.gz out/"), "the overview shows a typical run")
        #expect(result.stdout.contains("nprec help COMMAND"))
    }

    @Test func everyFormOfTheOverviewIsTheSame() async throws {
        let bare = try await Runner.nprec([])
        for form in [["help"], ["--help"], ["-h"]] {
            #expect(try await Runner.nprec(form).stdout == bare.stdout, "nprec \(form.joined())")
        }
    }

    enum Form: String, CaseIterable, Sendable {
        case helpCommand = "nprec help PATH"
        case longOption = "nprec PATH --help"
        case shortOption = "nprec PATH -h"

        func arguments(_ path: [String]) -> [String] {
            switch self {
            case .helpCommand: ["help"] + path
            case .longOption: path + ["--help"]
            case .shortOption: path + ["-h"]
            }
        }
    }

    @Test("Every command's help", arguments: Commands.paths, Form.allCases)
    func commandHelp(path: [String], form: Form) async throws {
        let command = try Commands.command(path)
        let result = try await Runner.nprec(form.arguments(path))
        #expect(result.status == 0, "\(result)")
        #expect(result.stderr == "")
        let lines = result.lines
        let usage = try #require(lines.first)
        #expect(usage.hasPrefix("usage: nprec \(path.joined(separator: " "))"))
        if command.subcommands.isEmpty {
            for positional in command.positionals {
                #expect(usage.contains(positional.name), "the usage line shows \(positional.name)")
            }
        } else {
            #expect(usage.hasSuffix(" COMMAND"))
            for sub in command.subcommands {
                #expect(lines.contains { $0.hasPrefix("  \(sub.name) ") && $0.hasSuffix(sub.summary) })
            }
        }
        let text = result.stdout.unwrapped
        #expect(text.contains(command.summary))
        #expect(lines.contains("Options:"))
        for option in command.allOptions {
            for spelling in option.spellings {
                #expect(text.contains(spelling), "help shows \(spelling)")
            }
            if let value = option.value {
                #expect(text.contains("--\(option.long) \(value.name)"), "help shows --\(option.long)'s value")
            }
            if let defaultText = option.defaultText {
                #expect(text.contains("Default: \(defaultText)."), "help shows --\(option.long)'s default")
            }
        }
        #expect(!command.examples.isEmpty, "'\(path.joined(separator: " "))' has an example")
        #expect(lines.contains { $0.hasPrefix("Example") })
        for example in command.examples {
            #expect(lines.contains("  \(example)"), "help shows the example '\(example)'")
        }
    }

    @Test("Every form of a command's help is the same", arguments: Commands.paths)
    func helpFormsAgree(path: [String]) async throws {
        let outputs = try await Form.allCases.asyncMap { try await Runner.nprec($0.arguments(path)).stdout }
        #expect(Set(outputs).count == 1)
    }

    @Test func scalesHelp() async throws {
        let result = try await Runner.nprec("help", "scales")
        #expect(result.status == 0)
        #expect(result.lines.first == "usage: nprec scales [OPTIONS] FULLRES_INFO DEST")
        let text = result.stdout.unwrapped
        #expect(text.contains("Write DEST/info holding the dyadic pyramid of scales."))
        #expect(text.contains("--target-chunk-size N"))
        #expect(text.contains("Default: 64."))
        #expect(text.contains("One of: raw, jpeg, png, compressed_segmentation."))
        #expect(result.lines.contains("  nprec scales out/info_fullres.json out/"))
        #expect(try await Runner.nprec("scales", "--help").stdout == result.stdout)
    }

    @Test func meshLinkHelp() async throws {
        let result = try await Runner.nprec("help", "mesh", "link")
        #expect(result.status == 0)
        #expect(result.lines.first == "usage: nprec mesh link [OPTIONS] CSV DEST")
        #expect(result.stdout.contains("--no-colon-suffix"))
        #expect(result.lines.contains("  nprec mesh link labels.csv out/"))
        #expect(try await Runner.nprec("mesh", "link", "--help").stdout == result.stdout)
    }

    @Test func meshHelpListsItsCommands() async throws {
        let result = try await Runner.nprec("mesh", "--help")
        #expect(result.status == 0)
        #expect(result.lines.first == "usage: nprec mesh COMMAND")
        #expect(result.lines.contains { $0.hasPrefix("  convert ") })
        #expect(result.lines.contains { $0.hasPrefix("  link ") })
    }

    @Test func meshWithoutACommandIsAUsageError() async throws {
        let result = try await Runner.nprec("mesh")
        #expect(result.status == 2)
        #expect(result.stdout == "")
        #expect(result.stderr.contains("usage: nprec mesh COMMAND"))
        #expect(result.stderr.contains("'nprec mesh' needs a command"))
    }

    @Test func anOptionBeforeTheSubcommandIsNamed() async throws {
        let result = try await Runner.nprec("mesh", "--hepl", "link", "a.csv", "out")
        #expect(result.status == 2, "\(result)")
        #expect(result.stdout == "")
        #expect(result.stderr.hasPrefix("nprec: error: unknown option '--hepl'; did you mean '--help'?"), "\(result)")
        #expect(result.stderr.contains("usage: nprec mesh COMMAND"))
    }

    @Test(
        "Help wins over missing or bad arguments",
        arguments: [
            ["scales", "--help"], ["scales", "only-one", "--help"], ["stats", "a", "b", "c", "-h"],
        ])
    func helpWinsOverPositionals(arguments: [String]) async throws {
        let result = try await Runner.nprec(arguments)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.hasPrefix("usage: nprec \(arguments[0]) "))
    }

    @Test("The version", arguments: [["--version"], ["-V"], ["version"]])
    func version(arguments: [String]) async throws {
        let result = try await Runner.nprec(arguments)
        #expect(result.status == 0)
        #expect(result.stderr == "")
        let match = try #require(
            result.stdout.wholeMatch(of: /nprec (\d+\.\d+\.\d+\S*) \(commit (unknown|[0-9a-f]{7,40}(-dirty)?)\)\n/),
            "\(result)")
        #expect(String(match.1) == Registry.version)
        // `make test` passes the commit that it linked in (see the Makefile's BUILD_INFO).
        if let commit = ProcessInfo.processInfo.environment["NPREC_COMMIT"], !commit.isEmpty {
            #expect(String(match.2) == commit, "\(result)")
        }
    }
}

extension Sequence where Element: Sendable {
    /// `map` with an async transform, one element after the other.
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
