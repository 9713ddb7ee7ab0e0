/// What an option's value must be; the parser checks it and the help shows it.
public enum ValueType: Sendable {
    /// A whole number within `range`.
    case integer(ClosedRange<Int>)
    /// A power of two within `range`.
    case powerOfTwo(ClosedRange<Int>)
    /// A finite number.
    case number
    /// Any text.
    case text
    /// One of a fixed set of words.
    case choice([String])
    /// Comma-separated finite numbers; `counts` lists the accepted lengths.
    case numbers(counts: [Int])
    /// A path.
    case path(PathKind)
    /// `I/N`: task I of N, 0 <= I < N.
    case task
}

public enum PathKind: Sendable { case file, directory }

/// What shell completion offers for a value or a positional argument.
public enum CompletionHint: Sendable, Equatable {
    case none
    case file
    case directory
    case values([String])
}

/// One option of a command: read by the parser, the help printer and the completion
/// generators alike.
public struct OptionSpec: Sendable {
    public var long: String
    public var short: Character?
    public var aliases: [String]
    /// nil for a flag; the value's name (`N`, `X,Y,Z`) and type otherwise.
    public var value: (name: String, type: ValueType)?
    public var help: String
    public var defaultText: String?

    public init(
        _ long: String, short: Character? = nil, aliases: [String] = [], value: (String, ValueType)? = nil,
        help: String, default defaultText: String? = nil
    ) {
        self.long = long
        self.short = short
        self.aliases = aliases
        self.value = value.map { (name: $0.0, type: $0.1) }
        self.help = help
        self.defaultText = defaultText
    }

    public var isFlag: Bool { value == nil }

    /// All spellings: `--long`, aliases, `-s`.
    public var spellings: [String] {
        ["--" + long] + aliases.map { "--" + $0 } + (short.map { ["-\($0)"] } ?? [])
    }

    public var completion: CompletionHint {
        switch value?.type {
        case .choice(let words): return .values(words)
        case .path(.file): return .file
        case .path(.directory): return .directory
        default: return .none
        }
    }
}

/// A positional argument in a command's usage.
public struct Positional: Sendable {
    public var name: String
    public var help: String
    /// This argument may be given one or more times (`SLICE_DIR...`).
    public var repeats: Bool
    /// This argument may be left out (`[COMMAND...]`).
    public var optional: Bool
    public var completion: CompletionHint

    public init(
        _ name: String, _ help: String, repeats: Bool = false, optional: Bool = false,
        completion: CompletionHint = .file
    ) {
        self.name = name
        self.help = help
        self.repeats = repeats
        self.optional = optional
        self.completion = completion
    }

    var usage: String {
        let text = repeats ? "\(name)..." : name
        return optional ? "[\(text)]" : text
    }
}

/// A command of the registry: a value, with no self-registration.
public struct Command: Sendable {
    public var name: String
    public var summary: String
    /// Extra usage forms shown in help (`nprec info SLICE_DIR... DEST --resolution X,Y,Z`).
    public var alternateUsages: [String]
    public var discussion: String
    public var examples: [String]
    public var options: [OptionSpec]
    public var positionals: [Positional]
    public var subcommands: [Command]
    public var run: (@Sendable (Invocation) throws -> Int32)?

    public init(
        name: String, summary: String, alternateUsages: [String] = [], discussion: String = "",
        examples: [String] = [], options: [OptionSpec] = [], positionals: [Positional] = [],
        subcommands: [Command] = [], run: (@Sendable (Invocation) throws -> Int32)?
    ) {
        self.name = name
        self.summary = summary
        self.alternateUsages = alternateUsages
        self.discussion = discussion
        self.examples = examples
        self.options = options
        self.positionals = positionals
        self.subcommands = subcommands
        self.run = run
    }

    /// The options the parser accepts: the command's own plus `--help`.
    public var allOptions: [OptionSpec] { options + [OptionGroups.help] }

    public func subcommand(_ name: String) -> Command? { subcommands.first { $0.name == name } }
}

/// A parse error or a bad value: exit code 2.
public struct UsageError: Error, CustomStringConvertible {
    public var message: String
    /// The command whose usage line to show.
    public var commandPath: [String]
    public var showUsage: Bool
    /// Printed as `nprec: MESSAGE`, without `error:` (git's form for unknown commands).
    public var bare: Bool

    public init(_ message: String, commandPath: [String] = [], showUsage: Bool = true, bare: Bool = false) {
        self.message = message
        self.commandPath = commandPath
        self.showUsage = showUsage
        self.bare = bare
    }

    public var description: String { message }
}

/// A failure the command reports itself (exit code 1), with its message.
public struct CommandFailure: Error, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
