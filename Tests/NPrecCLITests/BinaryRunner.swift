import Foundation
import Testing

/// What a finished process left behind.
struct ProcessResult: Sendable, CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String

    /// stdout split into lines, without the empty tail after the last newline.
    var lines: [String] {
        stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty }
    }

    /// The printout of a failed expectation: enough to see what the process said.
    var description: String { "exit \(status)\n--- stdout:\n\(stdout)--- stderr:\n\(stderr)" }
}

/// Runs processes for the CLI tests: the real `nprec` binary, and the shells that load its
/// completion scripts. Each process writes to files, not pipes, so a large output can never
/// block it, and is awaited without blocking a thread.
enum Runner {
    /// The package root: three levels above this file (Tests/NPrecCLITests/BinaryRunner.swift).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// `$NPREC_BIN`, else `<package root>/.build/debug/nprec`.
    static let binary: URL = {
        if let path = ProcessInfo.processInfo.environment["NPREC_BIN"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        return packageRoot.appendingPathComponent(".build/debug/nprec")
    }()

    /// How much slower than a release build the binary under test may be: NPREC_TEST_TIME_SCALE
    /// (`make sanitize` sets 10 for its sanitized debug binary), else 1. Time limits scale by it.
    static let timeScale = ProcessInfo.processInfo.environment["NPREC_TEST_TIME_SCALE"].flatMap(Int.init) ?? 1

    /// The longest a process may run before it is killed and the test fails.
    static let timeLimit: Duration = .seconds(30 * timeScale)

    /// Runs `nprec ARGUMENTS` in `directory` (a fresh temporary directory if nil).
    static func nprec(
        _ arguments: [String], in directory: URL? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> ProcessResult {
        try #require(
            FileManager.default.isExecutableFile(atPath: binary.path),
            "no nprec binary at \(binary.path): build it, or set NPREC_BIN", sourceLocation: sourceLocation)
        if let directory { return try await run(binary, arguments, in: directory) }
        return try await withTemporaryDirectory { try await run(binary, arguments, in: $0) }
    }

    static func nprec(
        _ arguments: String..., in directory: URL? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> ProcessResult {
        try await nprec(arguments, in: directory, sourceLocation: sourceLocation)
    }

    /// Runs `executable ARGUMENTS` in `directory`, with the environment of the tests plus
    /// `NPREC` (the binary's path) and `environment`.
    static func run(
        _ executable: URL, _ arguments: [String], in directory: URL, environment: [String: String] = [:]
    ) async throws -> ProcessResult {
        // Output files live beside, not in, the working directory, where file completion looks.
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("nprec-out-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("stdout")
        let errURL = scratch.appendingPathComponent("stderr")
        try Data().write(to: outURL)
        try Data().write(to: errURL)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        defer {
            try? out.close()
            try? err.close()
        }

        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var env = ProcessInfo.processInfo.environment
        env["NPREC"] = binary.path
        env["LC_ALL"] = "C"
        // `make sanitize` checks the binary for leaks, not the test process (whose Foundation
        // Process, FileHandle and Data keep memory LeakSanitizer reports).
        if let options = env["NPREC_CHILD_ASAN_OPTIONS"] { env["ASAN_OPTIONS"] = options }
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err

        // A hung process is killed, so that one bad test cannot stall the suite.
        let watchdog = Task {
            try await Task.sleep(for: timeLimit)
            if process.isRunning { process.terminate() }
        }
        defer { watchdog.cancel() }
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        let stdout = String(decoding: try Data(contentsOf: outURL), as: UTF8.self)
        let stderr = String(decoding: try Data(contentsOf: errURL), as: UTF8.self)
        return ProcessResult(status: status, stdout: stdout, stderr: stderr)
    }

    /// The executable `name` on `PATH`, like `which`.
    static func which(_ name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }
}

/// Runs `body` in a fresh temporary directory, removed afterwards.
func withTemporaryDirectory<T>(_ body: (URL) async throws -> T) async throws -> T {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nprec-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try await body(directory.resolvingSymlinksInPath())
}

/// Runs `body` in a fresh temporary directory holding files and a directory to complete:
/// full.json, fullres_b.json, other.csv and outdir/.
func withSampleFiles<T>(_ body: (URL) async throws -> T) async throws -> T {
    try await withTemporaryDirectory { directory in
        try directory.write("{}", to: "full.json")
        try directory.write("{}", to: "fullres_b.json")
        try directory.write("1,a\n", to: "other.csv")
        try directory.makeDirectory("outdir")
        return try await body(directory)
    }
}

extension URL {
    /// Writes `text` to the file `name` under this directory, creating parent directories.
    @discardableResult
    func write(_ text: String, to name: String) throws -> URL {
        let url = appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
        return url
    }

    func makeDirectory(_ name: String) throws {
        try FileManager.default.createDirectory(at: appendingPathComponent(name), withIntermediateDirectories: true)
    }

    func contents(of name: String) throws -> Data { try Data(contentsOf: appendingPathComponent(name)) }

    func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: appendingPathComponent(name).path) }
}

extension String {
    /// Runs of whitespace (newlines included) folded to one space: help text is wrapped.
    var unwrapped: String { split(whereSeparator: \.isWhitespace).joined(separator: " ") }
}
