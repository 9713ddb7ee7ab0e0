/// Where long work reports to: the CLI shows progress bars and messages on stderr; tests can
/// collect them.
public protocol WorkReporter: Sendable {
    /// A step of `total` chunks starts; the result is advanced after each chunk.
    func begin(_ label: String, total: Int) -> any StepProgress
    /// A step of `total` things named `unit` (e.g. "labels").
    func begin(_ label: String, total: Int, unit: String) -> any StepProgress
    func note(_ message: String)
    func warn(_ message: String)
}

extension WorkReporter {
    public func begin(_ label: String, total: Int, unit: String) -> any StepProgress { begin(label, total: total) }
}

public protocol StepProgress: Sendable {
    func advance()
    func finish()
}

/// Reports nothing.
public struct SilentReporter: WorkReporter {
    public init() {}
    public func begin(_ label: String, total: Int) -> any StepProgress { Silent() }
    public func note(_ message: String) {}
    public func warn(_ message: String) {}
    struct Silent: StepProgress {
        func advance() {}
        func finish() {}
    }
}
