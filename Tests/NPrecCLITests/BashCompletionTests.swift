import Foundation
import NPrecCLI
import Testing

/// `nprec completion bash`, loaded in a real bash the way users load it
/// (`source <(nprec completion bash)`), then asked for completions as bash's programmable
/// completion would: COMP_WORDS and COMP_CWORD set, `_nprec` called, COMPREPLY read.
enum Bash {
    static let harness = #"""
        source <("$NPREC" completion bash) || exit 99
        if [[ $1 == --register ]]; then complete -p nprec; exit; fi
        [[ -n $WORDBREAKS ]] && COMP_WORDBREAKS=$WORDBREAKS
        COMP_WORDS=("$@")
        COMP_CWORD=$(( $# - 1 ))
        COMP_LINE="$*"
        COMP_POINT=${#COMP_LINE}
        _nprec || exit 98
        (( ${#COMPREPLY[@]} )) && printf '%s\n' "${COMPREPLY[@]}"
        exit 0
        """#

    static var bash: URL { Runner.which("bash") ?? URL(fileURLWithPath: "/bin/bash") }

    /// The completions of `words` (the last one being completed) in `directory`.
    static func complete(_ words: [String], in directory: URL, wordbreaks: String? = nil) async throws -> [String] {
        let result = try await Runner.run(
            bash, ["--norc", "--noprofile", "-c", harness, "bash"] + words, in: directory,
            environment: ["WORDBREAKS": wordbreaks ?? ""])
        try #require(result.status == 0, "\(result)")
        #expect(result.stderr == "", "\(result)")
        return result.lines
    }

}

@Suite("bash completion")
struct BashCompletionTests {
    @Test func theScriptRegistersNprec() async throws {
        try await withTemporaryDirectory { directory in
            let result = try await Runner.run(
                Bash.bash, ["--norc", "--noprofile", "-c", Bash.harness, "bash", "--register"], in: directory)
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout == "complete -F _nprec nprec\n")
        }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var line: [String]
        var expected: [String]
        init(_ line: String..., expect expected: [String]) {
            self.line = line
            self.expected = expected
        }
        var testDescription: String { line.map { $0.isEmpty ? "␣" : $0 }.joined(separator: " ") }
    }

    static let commands = Registry.commands.map(\.name)

    @Test(
        "Completes",
        arguments: [
            Case("nprec", "sc", expect: ["scales"]),
            Case("nprec", "", expect: commands + ["--help", "--version"]),
            Case("nprec", "--v", expect: ["--version"]),
            Case("nprec", "mesh", "", expect: ["generate", "convert", "link", "--help"]),
            Case("nprec", "mesh", "l", expect: ["link"]),
            Case("nprec", "scales", "--ta", expect: ["--target-chunk-size"]),
            Case(
                "nprec", "scales", "--",
                expect: ["--type", "--encoding", "--target-chunk-size", "--max-scales", "--help"]),
            Case("nprec", "downscale", "--no", expect: ["--no-gzip", "--no-compression"]),
            Case("nprec", "mesh", "link", "--", expect: ["--no-colon-suffix", "--help"]),
            Case("nprec", "scales", "full.json", "--enc", expect: ["--encoding"]),
            Case("nprec", "scales", "--type", "image", "--enc", expect: ["--encoding"]),
            Case("nprec", "scales", "--encoding", "", expect: ["raw", "jpeg", "png", "compressed_segmentation"]),
            Case("nprec", "scales", "--encoding", "j", expect: ["jpeg"]),
            Case("nprec", "scales", "--type", "", expect: ["image", "segmentation"]),
            Case("nprec", "pyramid", "--type", "s", expect: ["segmentation"]),
            Case("nprec", "pyramid", "--encoding", "", expect: ["raw", "jpeg", "png", "compressed_segmentation"]),
            Case("nprec", "downscale", "--downscaling-method", "", expect: ["auto", "average", "majority", "stride"]),
            Case("nprec", "pyramid", "--downscaling-method", "m", expect: ["majority"]),
            Case("nprec", "reencode", "--jpeg-plane", "", expect: ["xy", "xz"]),
            Case("nprec", "mesh", "convert", "--units", "", expect: ["nm", "um", "mm"]),
            Case("nprec", "completion", "", expect: ["bash", "zsh", "fish"]),
            Case("nprec", "completion", "z", expect: ["zsh"]),
            Case("nprec", "help", "", expect: commands),
            Case("nprec", "help", "st", expect: ["stats"]),
            // bash splits `--encoding=` at the '=' (COMP_WORDBREAKS): the value is completed.
            Case("nprec", "scales", "--encoding", "=", expect: ["raw", "jpeg", "png", "compressed_segmentation"]),
            Case("nprec", "scales", "--encoding", "=", "c", expect: ["compressed_segmentation"]),
            Case("nprec", "reencode", "--jpeg-plane", "=", "xz", expect: ["xz"]),
            // Values that are numbers or free text: nothing to offer, and no file names either.
            Case("nprec", "scales", "--max-scales", "", expect: []),
            Case("nprec", "scales", "--target-chunk-size", "=", "", expect: []),
            Case("nprec", "downscale", "-j", "", expect: []),
            Case("nprec", "info", "--resolution", "", expect: []),
            Case("nprec", "version", "", expect: []),
            // Positionals: files, or directories where only a directory fits.
            Case("nprec", "scales", "fu", expect: ["full.json", "fullres_b.json"]),
            Case("nprec", "scales", "", expect: ["full.json", "fullres_b.json", "other.csv", "outdir"]),
            Case("nprec", "scales", "full.json", "o", expect: ["other.csv", "outdir"]),
            Case("nprec", "scales", "--type", "image", "fu", expect: ["full.json", "fullres_b.json"]),
            Case("nprec", "stats", "", expect: ["outdir"]),
            Case("nprec", "downscale", "o", expect: ["outdir"]),
            Case("nprec", "reencode", "outdir", "", expect: ["outdir"]),
            Case("nprec", "mesh", "link", "ot", expect: ["other.csv"]),
            Case("nprec", "mesh", "convert", "--mesh-dir", "mesh", "f", expect: ["full.json", "fullres_b.json"]),
        ])
    func completes(test: Case) async throws {
        try await withSampleFiles { directory in
            let completions = try await Bash.complete(test.line, in: directory)
            #expect(completions.sorted() == test.expected.sorted())
        }
    }

    /// Every option of every command completes after `--`, straight from the option table.
    @Test("Every option is offered", arguments: Commands.leaves)
    func everyOption(path: [String]) async throws {
        let command = try Commands.command(path)
        let expected = command.allOptions.flatMap(\.spellings).filter { $0.hasPrefix("--") }
        try await withTemporaryDirectory { directory in
            let completions = try await Bash.complete(["nprec"] + path + ["--"], in: directory)
            #expect(completions.sorted() == expected.sorted())
        }
    }

    /// Every enumerated value of every command's options completes after the option.
    @Test("Every option's values are offered", arguments: Commands.leaves)
    func everyChoice(path: [String]) async throws {
        let command = try Commands.command(path)
        try await withTemporaryDirectory { directory in
            for option in command.allOptions {
                guard case .values(let values) = option.completion else { continue }
                for spelling in option.spellings {
                    let completions = try await Bash.complete(["nprec"] + path + [spelling, ""], in: directory)
                    #expect(completions.sorted() == values.sorted(), "\(path) \(spelling)")
                }
            }
        }
    }

    /// With '=' taken out of COMP_WORDBREAKS, `--encoding=j` is one word and bash replaces all
    /// of it: the completion must keep the `--encoding=` part.
    @Test func equalsFormWithoutWordBreak() async throws {
        try await withTemporaryDirectory { directory in
            let completions = try await Bash.complete(
                ["nprec", "scales", "--encoding=j"], in: directory, wordbreaks: " \t\n\"'><;|&(:")
            #expect(completions == ["--encoding=jpeg"])
        }
    }
}
