/// `help`, `version` and `completion`.
enum HelpCommand {
    static let command = Command(
        name: "help",
        summary: "Show help for nprec or a command.",
        examples: ["nprec help scales", "nprec help mesh link"],
        positionals: [Positional("COMMAND", "Command to describe.", repeats: true, optional: true, completion: .none)],
        run: { invocation in
            let path = invocation.positionals
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
        name: "version", summary: "Show nprec's version.", examples: ["nprec version"],
        run: { _ in
            Console.out("nprec \(Registry.version)")
            return 0
        })
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
