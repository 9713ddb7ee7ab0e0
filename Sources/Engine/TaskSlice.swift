/// One task's share of the work: task `index` of `count` (`--task I/N`). Tasks split the units of
/// every scale between them with no coordinator: each computes the same plan and keeps its share.
public struct TaskSlice: Sendable, Equatable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    public init(index: Int, count: Int) {
        precondition(count >= 1 && (0..<count).contains(index))
        self.index = index
        self.count = count
    }

    /// Parses `I/N` with 0 <= I < N; nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        let digits = { (part: Substring) in !part.isEmpty && part.utf8.allSatisfy { (48...57).contains($0) } }
        guard parts.count == 2, digits(parts[0]), digits(parts[1]), let index = Int(parts[0]),
            let count = Int(parts[1]),
            count >= 1, count <= 1_000_000, (0..<count).contains(index)
        else { return nil }
        self.init(index: index, count: count)
    }

    public var description: String { "\(index)/\(count)" }
}

/// What a run does of a scale's units: all of them or one task's share, and whether units
/// already written are skipped (`--resume`).
public struct WorkSelection: Sendable, Equatable {
    public var task: TaskSlice?
    public var resume: Bool

    public init(task: TaskSlice? = nil, resume: Bool = false) {
        self.task = task
        self.resume = resume
    }

    public static let everything = WorkSelection()
}
