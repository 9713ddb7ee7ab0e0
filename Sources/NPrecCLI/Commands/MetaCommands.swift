import CBuildInfo

/// `help`, `version` and `completion`.
enum HelpCommand {
    static let command = Command(
        name: "help",
        summary: "Show help for nprec or a command.",
        discussion: """
            With --man DIR, writes the manual pages instead, generated from the same command table: \
            DIR/nprec.1, and DIR/nprec-COMMAND.1 for every command and subcommand (nprec-mesh-convert.1 \
            for 'nprec mesh convert'), or only those of the COMMAND given and its subcommands. Prints the \
            paths written, one per line. 'make install' installs them.
            """,
        examples: ["nprec help scales", "nprec help mesh link", "nprec help --man man1/ && man man1/nprec-pyramid.1"],
        options: [
            OptionSpec(
                "man", value: ("DIR", .path(.directory)),
                help: "Write the manual pages (man(7) format) into DIR, created if missing.")
        ],
        positionals: [Positional("COMMAND", "Command to describe.", repeats: true, optional: true, completion: .none)],
        run: { invocation in
            let path = invocation.positionals
            if let directory = invocation.string("man") {
                for file in try ManPage.write(to: directory, paths: path.isEmpty ? [] : [path]) { Console.out(file) }
                return 0
            }
            if path.isEmpty {
                Console.out(Help.overview())
                return 0
            }
            guard let command = Registry.command(at: path) else {
                let known = Registry.command(at: Array(path.dropLast()))
                let names = (known?.subcommands ?? Registry.commands).map(\.name)
                let prefix = path.dropLast().map { $0 + " " }.joined()
                throw CLI.unknownCommand(path.last!, among: names, prefix: prefix)
            }
            Console.out(Help.commandHelp(command, path: path))
            return 0
        })
}

enum VersionCommand {
    static let command = Command(
        name: "version", summary: "Show nprec's version and the git commit it was built from.",
        discussion: """
            Prints 'nprec VERSION (commit HASH)': HASH is the commit that 'make' built (with '-dirty' \
            when the checkout had uncommitted changes), 'unknown' for a plain 'swift build'.
            """,
        examples: ["nprec version", "nprec --version"],
        run: { _ in
            Console.out(text)
            return 0
        })

    /// `nprec 0.1.0 (commit abc1234def56)`.
    static var text: String { "nprec \(Registry.version) (commit \(String(cString: nprec_build_commit())))" }
}

enum CompletionCommand {
    static let command = Command(
        name: "completion",
        summary: "Print a shell completion script (bash, zsh or fish).",
        discussion: "Generated from the command registry: commands, options, their values, and paths.",
        examples: [
            "source <(nprec completion bash)",
            "nprec completion zsh > ~/.zfunc/_nprec",
            "nprec completion fish > ~/.config/fish/completions/nprec.fish",
        ],
        positionals: [Positional("SHELL", "bash, zsh or fish.", completion: .values(["bash", "zsh", "fish"]))],
        run: { invocation in
            let shell = invocation.positionals[0]
            switch shell {
            case "bash": Console.out(Completion.bash(), terminator: "")
            case "zsh": Console.out(Completion.zsh(), terminator: "")
            case "fish": Console.out(Completion.fish(), terminator: "")
            default:
                throw UsageError("'\(shell)' is not one of bash, zsh, fish", commandPath: ["completion"])
            }
            return 0
        })
}
