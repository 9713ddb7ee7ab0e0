import Foundation
import Precomputed

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// SIGINT and SIGTERM. Both are blocked in every thread and taken by one thread that waits for
/// them with `sigwait`, so the cleanup runs as ordinary code (locks, allocation) rather than in
/// a signal handler. On a signal it cancels `TempFiles` and removes every temporary file, says
/// `nprec: interrupted` or `nprec: terminated` on stderr and exits with 130 or 143 at once,
/// without waiting for the workers. A second signal stays pending and is lost in the exit.
enum Signals {
    /// Blocks SIGINT and SIGTERM in the calling thread, and so in every thread started after
    /// it, then starts the waiting thread. Call it before any other thread exists (the first
    /// thing in `CLI.main`); later calls do nothing.
    static func install() {
        _ = installed
    }

    private static let installed: Bool = {
        var set = handledSet()
        pthread_sigmask(SIG_BLOCK, &set, nil)
        Thread.detachNewThread { waitAndExit() }
        return true
    }()

    private static func handledSet() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        return set
    }

    private static func waitAndExit() -> Never {
        var set = handledSet()
        var signal: Int32 = 0
        while sigwait(&set, &signal) != 0 || (signal != SIGINT && signal != SIGTERM) {}
        TempFiles.cancelAndRemoveAll()
        let interrupted = signal == SIGINT
        Console.err(interrupted ? "nprec: interrupted" : "nprec: terminated")
        _exit(interrupted ? 130 : 143)
    }
}
