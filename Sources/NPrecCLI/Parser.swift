import Engine
import Foundation

/// The hand-rolled argument parser: options anywhere, `--opt=value` and `--opt value`, short
/// options (`-j4`, `-j 4`), `--` to end options; values validated against the option table.
enum Parser {
    static func parse(_ arguments: [String], for command: Command, path: [String]) throws -> Invocation {
        var invocation = Invocation(commandPath: path, positionals: [])
        let options = command.allOptions
        var index = 0
        var optionsEnded = false
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if optionsEnded || argument == "-" || !argument.hasPrefix("-") || isNegativeNumber(argument) {
                invocation.positionals.append(argument)
                continue
            }
            if argument == "--" {
                optionsEnded = true
                continue
            }
            var name = argument
            var attached: String? = nil
            let option: OptionSpec
            if argument.hasPrefix("--") {
                if let equals = argument.firstIndex(of: "=") {
                    name = String(argument[..<equals])
                    attached = String(argument[argument.index(after: equals)...])
                }
                guard let found = options.first(where: { $0.spellings.contains(name) }) else {
                    throw unknownOption(name, options: options, path: path)
                }
                option = found
            } else {
                let letter = argument.dropFirst().first!
                name = "-\(letter)"
                guard let found = options.first(where: { $0.short == letter }) else {
                    throw unknownOption(argument, options: options, path: path)
                }
                option = found
                let rest = argument.dropFirst(2)
                if !rest.isEmpty {
                    guard !found.isFlag else { throw unknownOption(argument, options: options, path: path) }
                    attached = String(rest.hasPrefix("=") ? rest.dropFirst() : rest)
                }
            }
            guard let value = option.value else {
                if attached != nil {
                    throw UsageError("option '\(name)' takes no value", commandPath: path)
                }
                invocation.flags.insert(option.long)
                continue
            }
            let text: String
            if let attached {
                text = attached
            } else {
                guard index < arguments.count else {
                    throw UsageError("option '\(name)' needs a value (\(value.name))", commandPath: path)
                }
                text = arguments[index]
                index += 1
            }
            try validate(text, type: value.type, option: name, valueName: value.name, path: path)
            invocation.values[option.long] = text
        }
        return invocation
    }

    static func isNegativeNumber(_ text: String) -> Bool {
        text.count > 1 && text.hasPrefix("-") && Double(text) != nil
    }

    static func unknownOption(_ name: String, options: [OptionSpec], path: [String]) -> UsageError {
        let spellings = options.flatMap(\.spellings).filter { $0.hasPrefix("--") }
        let close = closestNames(to: name, among: spellings)
        var message = "unknown option '\(name)'"
        if !close.isEmpty { message += "; did you mean " + close.map { "'\($0)'" }.joined(separator: " or ") + "?" }
        return UsageError(message, commandPath: path)
    }

    static func validate(_ text: String, type: ValueType, option: String, valueName: String, path: [String]) throws {
        func bad(_ problem: String) -> UsageError {
            UsageError("option '\(option)': \(problem)", commandPath: path)
        }
        switch type {
        case .integer(let range):
            guard let value = Int(text) else { throw bad("'\(text)' is not an integer") }
            guard range.contains(value) else {
                if range.upperBound == Int.max { throw bad("\(value) must be at least \(range.lowerBound)") }
                throw bad("\(value) is not within \(range.lowerBound)...\(range.upperBound)")
            }
        case .powerOfTwo(let range):
            guard let value = Int(text) else { throw bad("'\(text)' is not an integer") }
            guard range.contains(value), value & (value - 1) == 0 else {
                throw bad("\(value) is not a power of two within \(range.lowerBound)...\(range.upperBound)")
            }
        case .number:
            guard let value = Double(text), value.isFinite else { throw bad("'\(text)' is not a number") }
        case .text, .path:
            guard !text.isEmpty else { throw bad("the value is empty") }
        case .task:
            guard TaskSlice(text) == nil else { return }
            let parts = text.split(separator: "/", omittingEmptySubsequences: false)
            if parts.count == 2, let count = Int(parts[1]), count > 1_000_000 {
                throw bad("\(count) tasks: at most 1000000")
            }
            if parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count >= 1, index >= 0 {
                throw bad(
                    "task \(index) does not exist in \(count) task\(count > 1 ? "s" : "") (tasks are numbered 0 to \(count - 1))"
                )
            }
            throw bad("'\(text)' is not I/N with 0 <= I < N (task I of N, e.g. 0/4)")
        case .choice(let words):
            guard words.contains(text) else {
                let close = closestNames(to: text, among: words)
                var message = "'\(text)' is not one of \(words.joined(separator: ", "))"
                if let first = close.first { message += "; did you mean '\(first)'?" }
                throw bad(message)
            }
        case .numbers(let counts):
            let parts = text.split(separator: ",", omittingEmptySubsequences: false)
            guard parts.allSatisfy({ Double($0.trimmingCharacters(in: .whitespaces)).map(\.isFinite) ?? false }) else {
                throw bad("'\(text)' is not a comma-separated list of numbers (\(valueName))")
            }
            guard counts.contains(parts.count) else {
                let expected = counts.map(String.init).joined(separator: " or ")
                throw bad("expected \(expected) comma-separated numbers (\(valueName)), found \(parts.count)")
            }
        }
    }
}

/// Names within a small edit distance of `word`, closest first (git's help.c).
func closestNames(to word: String, among names: [String]) -> [String] {
    let scored = names.map { ($0, editDistance(word, $0)) }
    guard let best = scored.map(\.1).min() else { return [] }
    let threshold = max(2, word.count / 3)
    guard best <= threshold else {
        // A prefix still counts: `--max` for `--max-scales`.
        return names.filter { $0.hasPrefix(word) && word.count >= 3 }
    }
    return scored.filter { $0.1 == best }.map(\.0)
}

/// Damerau–Levenshtein distance (optimal string alignment): swaps of neighbours cost 1.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous2 = [Int](repeating: 0, count: b.count + 1)
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                current[j] = min(current[j], previous2[j - 2] + 1)
            }
        }
        (previous2, previous, current) = (previous, current, previous2)
    }
    return previous[b.count]
}
