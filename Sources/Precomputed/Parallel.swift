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
