import Codecs
import Precomputed

/// The entry point: parses the command line, runs the command, maps errors to exit codes.
/// Exit codes: 0 success, 1 failure, 2 usage error, 4 `info` wrote a data type Neuroglancer
/// does not display as is.
public enum CLI {
    public static func main(_ argv: [String]) -> Int32 {
        Signals.install()
        var path: [String] = []
        do {
            return try dispatch(Array(argv.dropFirst()), path: &path)
        } catch let error as UsageError {
            Console.err(error.bare ? "nprec: \(error.message)" : "nprec: error: \(error.message)")
            let commandPath = error.commandPath.isEmpty ? path : error.commandPath
            if error.showUsage, let command = Registry.command(at: commandPath) {
                Console.err(Help.usageLine(command, path: commandPath))
                Console.err("Try 'nprec \(commandPath.joined(separator: " ")) --help' for more information.")
            }
            return 2
        } catch {
            Console.err("nprec: error: \(error)")
            return 1
        }
    }

    static func dispatch(_ arguments: [String], path: inout [String]) throws -> Int32 {
        guard let first = arguments.first else {
            Console.out(Help.overview())
            return 0
        }
        switch first {
        case "-h", "--help":
            Console.out(Help.overview())
            return 0
        case "--version", "-V":
            Console.out(VersionCommand.text)
            return 0
        default:
            break
        }
        if first.hasPrefix("-") {
            throw UsageError(
                "unknown option '\(first)'; options come after the command. See 'nprec help'.", showUsage: false)
        }
        guard var command = Registry.command(first) else {
            throw unknownCommand(first, among: Registry.commands.map(\.name), prefix: "")
        }
        path = [first]
        var rest = Array(arguments.dropFirst())
        while !command.subcommands.isEmpty {
            guard let next = rest.first, !next.hasPrefix("-") else {
                if let option = rest.first, option != "-h", option != "--help" {
                    throw Parser.unknownOption(option, options: command.allOptions, path: path)
                }
                if rest.first == "-h" || rest.first == "--help" {
                    Console.out(Help.commandHelp(command, path: path))
                    return 0
                }
                Console.err(Help.commandHelp(command, path: path))
                throw UsageError(
                    "'nprec \(path.joined(separator: " "))' needs a command", commandPath: path, showUsage: false)
            }
            guard let sub = command.subcommand(next) else {
                throw unknownCommand(
                    next, among: command.subcommands.map(\.name), prefix: path.joined(separator: " ") + " ")
            }
            command = sub
            path.append(next)
            rest.removeFirst()
        }
        let invocation = try Parser.parse(rest, for: command, path: path)
        if invocation.flag("help") {
            Console.out(Help.commandHelp(command, path: path))
            return 0
        }
        try checkPositionals(invocation.positionals, command: command, path: path)
        guard let run = command.run else { return 0 }
        return try run(invocation)
    }

    static func unknownCommand(_ name: String, among names: [String], prefix: String) -> UsageError {
        var message = "'\(name)' is not an nprec \(prefix)command. See 'nprec \(prefix)--help'."
        let close = closestNames(to: name, among: names)
        if !close.isEmpty {
            message += "\n\nThe most similar command\(close.count > 1 ? "s are" : " is")\n"
            message += close.map { "\t\(prefix)\($0)" }.joined(separator: "\n")
        }
        return UsageError(message, showUsage: false, bare: true)
    }

    static func checkPositionals(_ positionals: [String], command: Command, path: [String]) throws {
        let specs = command.positionals
        let minimum = specs.filter { !$0.optional }.count
        let unlimited = specs.contains { $0.repeats }
        if positionals.count < minimum {
            let missing = specs.filter { !$0.optional }[positionals.count...].map(\.name)
            throw UsageError(
                "missing argument\(missing.count > 1 ? "s" : ""): \(missing.joined(separator: " "))", commandPath: path)
        }
        if !unlimited && positionals.count > specs.count {
            let extra = positionals[specs.count...].map { "'\($0)'" }.joined(separator: " ")
            throw UsageError(
                "unexpected argument\(positionals.count - specs.count > 1 ? "s" : ""): \(extra)", commandPath: path)
        }
    }
}
