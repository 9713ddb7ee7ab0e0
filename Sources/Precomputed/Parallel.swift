import Dispatch
import Foundation

/// Runs `body` for every index in `0..<count` on `jobs` threads; the first error stops the
/// others and is rethrown.
public func parallelChunks(_ count: Int, jobs: Int, _ body: @Sendable (Int) throws -> Void) throws {
    let state = ParallelState()
    let workers = max(1, min(jobs, count))
    DispatchQueue.concurrentPerform(iterations: workers) { _ in
        while let index = state.next(limit: count) {
            do {
                try body(index)
            } catch {
                state.fail(error)
            }
        }
    }
    if let error = state.error { throw error }
}

private final class ParallelState: @unchecked Sendable {
    private let lock = NSLock()
    private var cursor = 0
    private(set) var error: Error?

    func next(limit: Int) -> Int? {
        lock.withLock {
            guard error == nil, cursor < limit else { return nil }
            defer { cursor += 1 }
            return cursor
        }
    }

    func fail(_ error: Error) {
        lock.withLock { if self.error == nil { self.error = error } }
    }
}

/// `body` for every index in `0..<count` on `jobs` threads, the results in index order; the
/// first error stops the others and is rethrown.
public func parallelMap<T: Sendable>(_ count: Int, jobs: Int, _ body: @Sendable (Int) throws -> T) throws -> [T] {
    let slots = ResultSlots<T>(count: count)
    try parallelChunks(count, jobs: jobs) { slots.set($0, try body($0)) }
    return slots.values
}

/// The results of `parallelMap`.
private final class ResultSlots<T: Sendable>: @unchecked Sendable {
    // Invariant: `slots` is only read or written under `lock`.
    private let lock = NSLock()
    private var slots: [T?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: T) { lock.withLock { slots[index] = value } }

    var values: [T] { lock.withLock { slots.map { $0! } } }
}
