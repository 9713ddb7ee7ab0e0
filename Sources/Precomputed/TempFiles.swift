import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The temporary files of this process. Each is registered from before it exists until after
/// it is renamed into place or removed, so that a signal handler can remove all of them, and
/// named `.<final name>.<pid>.<16 hex digits>.tmp` beside its final file, so that a later run
/// can find leftovers and tell which file each was for.
public enum TempFiles {
    /// Creates (`O_CREAT | O_EXCL`) and registers a temporary file for `finalPath`, creating the
    /// parent directories. Throws once the registry has been cancelled: the process is stopping.
    public static func create(finalPath: String) throws -> (fd: Int32, path: String) {
        try TempFileRegistry.shared.create(finalPath: finalPath)
    }

    /// Renames `tempPath` to `finalPath`, then unregisters it. When the rename fails the
    /// temporary file is removed and the error names `finalPath`.
    public static func commit(tempPath: String, to finalPath: String) throws {
        try TempFileRegistry.shared.commit(tempPath: tempPath, to: finalPath)
    }

    /// Removes `tempPath`, then unregisters it.
    public static func discard(tempPath: String) {
        TempFileRegistry.shared.discard(tempPath: tempPath)
    }

    /// Cancels the registry (no temporary file can be created afterwards) and removes every
    /// registered file, all under the registry's lock. Returns how many were removed. For the
    /// signal handler: the process exits right after.
    @discardableResult
    public static func cancelAndRemoveAll() -> Int {
        TempFileRegistry.shared.cancelAndRemoveAll()
    }

    /// A fresh temporary name for the file named `finalName`.
    public static func temporaryName(for finalName: String) -> String {
        let unique = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        return ".\(finalName).\(getpid()).\(String(repeating: "0", count: 16 - unique.count))\(unique).tmp"
    }

    /// The final name that the temporary name `fileName` stands for, or nil when `fileName` is
    /// not an nprec temporary name. Accepts `.<final name>.<decimal pid>.<hex digits>.tmp`,
    /// which also covers the `.<name>.<pid>.<decimal>.tmp` of earlier versions.
    public static func isTemporaryName(_ fileName: String) -> String? {
        guard fileName.hasPrefix("."), fileName.hasSuffix(".tmp"), !fileName.contains("/") else { return nil }
        let parts = fileName.dropFirst().dropLast(4).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 3 else { return nil }
        let pid = parts[parts.count - 2].utf8
        let unique = parts[parts.count - 1].utf8
        guard !pid.isEmpty, pid.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        guard !unique.isEmpty, unique.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
        else { return nil }
        let finalName = parts.dropLast(2).joined(separator: ".")
        guard !finalName.isEmpty, finalName != ".", finalName != ".." else { return nil }
        return finalName
    }

    /// Removes the nprec temporary files in `directory` (and its subdirectories when
    /// `recursive`; symbolic links are not followed) whose final path `selected` accepts, except
    /// those this process has registered. Returns how many were removed; a missing directory
    /// has none. Reads directories with `readdir` and builds a path only for dot files and
    /// directories, so a tree of 100k chunk files takes milliseconds.
    @discardableResult
    public static func removeLeftovers(
        in directory: String, recursive: Bool, where selected: (_ finalPath: String) -> Bool
    ) throws -> Int {
        var pending = [directory]
        var removed = 0
        while let current = pending.popLast() {
            let prefix = current.hasSuffix("/") ? current : current + "/"
            var leftovers: [String] = []
            guard let stream = opendir(current) else {
                // A missing directory has no leftovers (a subdirectory may vanish meanwhile).
                if errno == ENOENT || errno == ENOTDIR { continue }
                throw FileIO.ioError(current)
            }
            defer { closedir(stream) }
            while true {
                errno = 0
                guard let entry = readdir(stream) else {
                    if errno != 0 { throw FileIO.ioError(current) }
                    break
                }
                var type = Int32(entry.pointee.d_type)
                let isDot = entry.pointee.d_name.0 == 0x2e
                guard isDot || (recursive && (type == Int32(DT_DIR) || type == Int32(DT_UNKNOWN))) else { continue }
                let name = withUnsafeBytes(of: entry.pointee.d_name) {
                    String(cString: $0.bindMemory(to: CChar.self).baseAddress!)
                }
                if name == "." || name == ".." { continue }
                if type == Int32(DT_UNKNOWN) {
                    var status = stat()
                    guard lstat(prefix + name, &status) == 0 else { continue }
                    type = (status.st_mode & S_IFMT) == S_IFDIR ? Int32(DT_DIR) : Int32(DT_REG)
                }
                if type == Int32(DT_DIR) {
                    if recursive { pending.append(prefix + name) }
                } else if let finalName = isTemporaryName(name) {
                    let path = prefix + name
                    if !TempFileRegistry.shared.isRegistered(path) && selected(prefix + finalName) {
                        leftovers.append(path)
                    }
                }
            }
            // Removed after the listing: entries removed during readdir may or may not be listed.
            for path in leftovers {
                if unlink(path) == 0 {
                    removed += 1
                } else if errno != ENOENT {
                    throw FileIO.ioError(path)
                }
            }
        }
        return removed
    }
}

/// The registry behind `TempFiles`. `TempFiles` uses `shared`; tests make their own.
final class TempFileRegistry: @unchecked Sendable {
    // @unchecked Sendable: `paths` and `cancelled` are read and written only while `lock` is
    // held. The lock is held across `open` and the registration, and across cancelling and the
    // removals, so a file is either created and registered before the cancellation (and then
    // removed by it) or not created at all. TempFilesTests.cancelledRegistryRefusesNewFiles
    // and the concurrent spool tests exercise it.
    static let shared = TempFileRegistry()

    private let lock = NSLock()
    private var paths: Set<String> = []
    private var cancelled = false

    func create(finalPath: String) throws -> (fd: Int32, path: String) {
        let directory = (finalPath as NSString).deletingLastPathComponent
        let name = (finalPath as NSString).lastPathComponent
        guard !name.isEmpty, name != "/", !finalPath.hasSuffix("/") else {
            throw PrecomputedError.io(path: finalPath, problem: "not a file name")
        }
        if !directory.isEmpty { try FileIO.makeDirectories(directory) }
        let prefix = directory.isEmpty ? "" : (directory.hasSuffix("/") ? directory : directory + "/")
        // A name that exists already (another process on another host) gets another try.
        for _ in 0..<16 {
            let path = prefix + TempFiles.temporaryName(for: name)
            let (fd, error) = try lock.withLock { () throws -> (Int32, Int32) in
                guard !cancelled else {
                    throw PrecomputedError.io(path: finalPath, problem: "not written: nprec is stopping")
                }
                let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
                let error = errno
                if fd >= 0 { paths.insert(path) }
                return (fd, error)
            }
            if fd >= 0 { return (fd, path) }
            guard error == EEXIST else {
                throw PrecomputedError.io(path: finalPath, problem: String(cString: strerror(error)))
            }
        }
        throw PrecomputedError.io(path: finalPath, problem: "cannot create a unique temporary file")
    }

    func commit(tempPath: String, to finalPath: String) throws {
        defer { unregister(tempPath) }
        guard rename(tempPath, finalPath) == 0 else {
            let error = FileIO.ioError(finalPath)
            unlink(tempPath)
            throw error
        }
    }

    func discard(tempPath: String) {
        unlink(tempPath)
        unregister(tempPath)
    }

    func cancelAndRemoveAll() -> Int {
        lock.withLock {
            cancelled = true
            var removed = 0
            for path in paths where unlink(path) == 0 { removed += 1 }
            paths = []
            return removed
        }
    }

    func isRegistered(_ path: String) -> Bool { lock.withLock { paths.contains(path) } }

    var registered: Set<String> { lock.withLock { paths } }

    private func unregister(_ path: String) {
        _ = lock.withLock { paths.remove(path) }
    }
}
