import Foundation

/// A parsed command line: positionals and option values, already validated.
public struct Invocation: Sendable {
    public var commandPath: [String]
    public var positionals: [String]
    var values: [String: String] = [:]
    var flags: Set<String> = []

    public func flag(_ long: String) -> Bool { flags.contains(long) }
    public func string(_ long: String) -> String? { values[long] }
    public func int(_ long: String) -> Int? { values[long].flatMap { Int($0) } }
    public func double(_ long: String) -> Double? { values[long].flatMap { Double($0) } }
    public func numbers(_ long: String) -> [Double]? {
        values[long].map { $0.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) } }
    }
    public func has(_ long: String) -> Bool { values[long] != nil || flags.contains(long) }
}
