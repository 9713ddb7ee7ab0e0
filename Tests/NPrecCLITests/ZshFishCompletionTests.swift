import Foundation
import NPrecCLI
import Testing

/// The completion script for `shell`, written to `directory/name`.
private func writeScript(_ shell: String, to directory: URL, as name: String) async throws -> URL {
    let result = try await Runner.nprec(["completion", shell])
    try #require(result.status == 0, "\(result)")
    return try directory.write(result.stdout, to: name)
}

private let zsh = Runner.which("zsh")
private let fish = Runner.which("fish")

/// zsh: the script must parse and register itself; then a real interactive zsh, driven through
/// a pseudo-terminal (zsh/zpty), autoloads it from `fpath` as compinit does, gets keys typed with
/// TABs, and runs the completed line, whose words a stub `nprec` function prints.
@Suite("zsh completion", .enabled(if: zsh != nil, "zsh is not on PATH (make deps installs it); zsh tests skipped"))
struct ZshCompletionTests {
    /// `zsh -f -c HARNESS zsh FPATH_DIR WORK_DIR KEYS DUMP`: prints the words of the command
    /// line that typing KEYS and Enter produces. `_nprec` is autoloaded from FPATH_DIR and
    /// registered as compinit does for a `#compdef` file.
    static let typingHarness = #"""
        zmodload zsh/zpty zsh/zselect || exit 90
        zpty z 'TERM=dumb zsh -f -i' || exit 91
        zpty -w z "PS1='> '; autoload -Uz compinit; compinit -u -d ${(q)4}; \
            fpath=(${(q)1} \$fpath); autoload -Uz _nprec; compdef _nprec nprec; \
            nprec() { print -r -- \"ARGS: \$*.\" }; cd ${(q)2}"
        zpty -w -n z "$3"$'\n'
        local out= chunk=
        for i in {1..500}; do
            while zpty -r -t z chunk; do out+=$chunk; done
            [[ $out == *'ARGS: '*$'.\r'* ]] && break
            zselect -t 2
        done
        zpty -d z
        [[ $out == *'ARGS: '*$'.\r'* ]] || { print -r -- "no command ran: $out"; exit 92 }
        out=${out##*ARGS: }
        print -r -- "${out%%.$'\r'*}"
        """#

    /// The command line that typing `keys` (TABs included) then Enter gives, in a directory
    /// holding full.json, fullres_b.json, other.csv and outdir/.
    static func type(_ keys: String) async throws -> String {
        try await withSampleFiles { work in
            try await withTemporaryDirectory { home in
                _ = try await writeScript("zsh", to: home, as: "functions/_nprec")
                let dump = try await CompDump.ready.value
                let functions = home.appendingPathComponent("functions").path
                let result = try await Runner.run(
                    zsh!, ["-f", "-c", typingHarness, "zsh", functions, work.path, keys, dump],
                    in: home, environment: ["HOME": home.path, "ZDOTDIR": home.path])
                try #require(result.status == 0, "\(result)")
                return result.stdout.trimmingCharacters(in: .newlines)
            }
        }
    }

    /// compinit reads every completion function on `fpath` (a quarter of a second); its dump,
    /// made once per test run and removed at exit, lets each shell start in milliseconds.
    enum CompDump {
        static let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("nprec-cli-tests-\(ProcessInfo.processInfo.processIdentifier).zcompdump").path
        static let ready = Task<String, any Error> {
            atexit { try? FileManager.default.removeItem(atPath: CompDump.path) }
            let result = try await Runner.run(
                zsh!, ["-f", "-c", #"autoload -Uz compinit && compinit -u -d "$1""#, "zsh", path],
                in: FileManager.default.temporaryDirectory)
            try #require(result.status == 0, "compinit failed: \(result)")
            return path
        }
    }

    @Test func theScriptParses() async throws {
        try await withTemporaryDirectory { directory in
            let script = try await writeScript("zsh", to: directory, as: "_nprec")
            let result = try await Runner.run(zsh!, ["-n", script.path], in: directory)
            #expect(result.status == 0, "\(result)")
            #expect(result.stderr == "")
            #expect(try String(contentsOf: script, encoding: .utf8).hasPrefix("#compdef nprec\n"))
        }
    }

    @Test func sourcingRegistersWithCompinit() async throws {
        try await withTemporaryDirectory { directory in
            let script = #"""
                autoload -Uz compinit && compinit -u -D || exit 97
                source <("$NPREC" completion zsh) || exit 98
                print -r -- "$_comps[nprec]"
                """#
            let result = try await Runner.run(
                zsh!, ["-f", "-c", script], in: directory, environment: ["HOME": directory.path])
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout == "_nprec\n", "\(result)")
        }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var keys: String
        var line: String
        var testDescription: String { keys.replacingOccurrences(of: "\t", with: "⇥") }
    }

    @Test(
        "Completes",
        arguments: [
            // The first TAB of a shell, which autoloads _nprec, completes too.
            Case(keys: "nprec sca\t", line: "scales"),
            Case(keys: "nprec sca\tfull.\t", line: "scales full.json"),
            Case(keys: "nprec scales --enc\tj\t", line: "scales --encoding=jpeg"),
            Case(keys: "nprec scales --type s\t", line: "scales --type segmentation"),
            Case(keys: "nprec scales --max-scales 2 oth\t", line: "scales --max-scales 2 other.csv"),
            Case(keys: "nprec mesh l\t", line: "mesh link"),
            Case(keys: "nprec mesh link --no\t", line: "mesh link --no-colon-suffix"),
            Case(keys: "nprec mesh convert --units n\t", line: "mesh convert --units nm"),
            Case(keys: "nprec downscale --downscaling-method m\t", line: "downscale --downscaling-method majority"),
            Case(keys: "nprec completion f\t", line: "completion fish"),
            Case(keys: "nprec stats \t", line: "stats outdir"),
            Case(keys: "nprec downscale -j4 \t", line: "downscale -j4 outdir"),
            Case(keys: "nprec downscale -j 4 \t", line: "downscale -j 4 outdir"),
            Case(keys: "nprec downscale --jobs=4 \t", line: "downscale --jobs=4 outdir"),
            Case(keys: "nprec mesh link ot\t", line: "mesh link other.csv"),
        ])
    func completes(test: Case) async throws {
        let line = try await Self.type(test.keys)
        #expect(line == test.line)
    }

    /// Every option of every command reaches `_arguments` (replaced by a stub that prints its
    /// specs), with the form of its value.
    @Test("Every option is handed to _arguments", arguments: Commands.leaves)
    func everyOption(path: [String]) async throws {
        let command = try Commands.command(path)
        let harness = #"""
            _arguments() { print -r -l -- "$@" }
            fpath=("$1" $fpath); autoload -Uz _nprec; shift
            words=("$@"); CURRENT=$#
            _nprec
            """#
        try await withTemporaryDirectory { directory in
            _ = try await writeScript("zsh", to: directory, as: "functions/_nprec")
            let result = try await Runner.run(
                zsh!,
                ["-f", "-c", harness, "zsh", directory.appendingPathComponent("functions").path, "nprec"] + path
                    + ["-"], in: directory)
            #expect(result.status == 0, "\(result)")
            let specs = Set(result.lines.compactMap { $0.split(separator: "[", maxSplits: 1).first.map(String.init) })
            for option in command.allOptions {
                for spelling in option.spellings {
                    // `--opt=` takes `--opt=V` and `--opt V`; `-j+` takes `-j4` and `-j 4`.
                    let suffix = option.value == nil ? "" : spelling.hasPrefix("--") ? "=" : "+"
                    #expect(specs.contains(spelling + suffix), "\(path) \(spelling)")
                }
            }
        }
    }
}

/// fish: the script must parse, and once loaded, `complete -C` must give real answers.
@Suite("fish completion", .enabled(if: fish != nil, "fish is not on PATH (make deps installs it); fish tests skipped"))
struct FishCompletionTests {
    /// The completions fish offers for `line` in `directory`, without their descriptions.
    static func complete(_ line: String, in directory: URL) async throws -> [String] {
        try await withTemporaryDirectory { home in
            let script = try await writeScript("fish", to: home, as: "nprec.fish")
            let result = try await Runner.run(
                fish!, ["--no-config", "-c", "source $argv[1]; and complete -C $argv[2]", script.path, line],
                in: directory,
                environment: [
                    "HOME": home.path, "XDG_CONFIG_HOME": home.appendingPathComponent("config").path,
                    "XDG_DATA_HOME": home.appendingPathComponent("data").path,
                ])
            try #require(result.status == 0, "\(result)")
            #expect(result.stderr == "", "\(result)")
            return result.lines.map { String($0.prefix { $0 != "\t" }) }
        }
    }

    @Test func theScriptParses() async throws {
        try await withTemporaryDirectory { directory in
            let script = try await writeScript("fish", to: directory, as: "nprec.fish")
            let result = try await Runner.run(fish!, ["--no-config", "--no-execute", script.path], in: directory)
            #expect(result.status == 0, "\(result)")
            #expect(result.stderr == "")
        }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var line: String
        var expected: [String]
        var testDescription: String { "'\(line)'" }
    }

    @Test(
        "Completes",
        arguments: [
            Case(line: "nprec sca", expected: ["scales"]),
            Case(line: "nprec scales --enc", expected: ["--encoding"]),
            Case(line: "nprec scales --encoding ", expected: ["raw", "jpeg", "png", "compressed_segmentation"]),
            Case(
                line: "nprec scales --encoding=",
                expected: [
                    "--encoding=raw", "--encoding=jpeg", "--encoding=png", "--encoding=compressed_segmentation",
                ]),
            Case(line: "nprec scales --ty", expected: ["--type"]),
            Case(line: "nprec mesh ", expected: ["generate", "convert", "link"]),
            Case(line: "nprec mesh link --", expected: ["--no-colon-suffix", "--help"]),
            Case(line: "nprec mesh convert --units ", expected: ["nm", "um", "mm"]),
            Case(line: "nprec downscale --downscaling-method ", expected: ["auto", "average", "majority", "stride"]),
            Case(line: "nprec reencode --jpeg-plane ", expected: ["xy", "xz"]),
            Case(line: "nprec completion ", expected: ["bash", "zsh", "fish"]),
            Case(line: "nprec downscale --no-", expected: ["--no-gzip", "--no-compression"]),
            Case(line: "nprec scales fu", expected: ["full.json", "fullres_b.json"]),
            Case(line: "nprec scales --type image fu", expected: ["full.json", "fullres_b.json"]),
            Case(line: "nprec stats ", expected: ["outdir/"]),
            Case(line: "nprec mesh link ot", expected: ["other.csv"]),
        ])
    func completes(test: Case) async throws {
        try await withSampleFiles { directory in
            let completions = try await Self.complete(test.line, in: directory)
            #expect(completions.sorted() == test.expected.sorted())
        }
    }

    @Test func commandsAtTheStart() async throws {
        try await withTemporaryDirectory { directory in
            let completions = try await Self.complete("nprec ", in: directory)
            #expect(Set(Registry.commands.map(\.name)).isSubset(of: Set(completions)), "\(completions)")
        }
    }
}
