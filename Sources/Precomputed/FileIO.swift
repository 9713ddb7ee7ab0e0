import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// File reading and writing. Writes go to a temporary file in the same directory that is
/// renamed into place, so an interrupted run never leaves a torn file under its final name.
public enum FileIO {
    /// Writes `bytes` to `path` atomically, creating the parent directories.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        try bytes.withUnsafeBytes { try writeAtomically($0, to: path) }
    }

    public static func writeAtomically(_ bytes: UnsafeRawBufferPointer, to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        if !directory.isEmpty { try makeDirectories(directory) }
        let temporary =
            (directory.isEmpty ? "" : directory + "/") + ".\(name).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ioError(path) }
        var written = 0
        while written < bytes.count {
            let count = write(fd, bytes.baseAddress! + written, bytes.count - written)
            if count < 0 {
                if errno == EINTR { continue }
                let error = ioError(path)
                close(fd)
                unlink(temporary)
                throw error
            }
            written += count
        }
        guard close(fd) == 0 else {
            let error = ioError(path)
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let error = ioError(path)
            unlink(temporary)
            throw error
        }
    }

    /// Creates `path` and its parents when missing.
    public static func makeDirectories(_ path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                return
            }
            throw PrecomputedError.io(path: path, problem: "cannot create directory")
        }
    }

    /// The whole content of `path`, or nil when there is no such file.
    public static func read(_ path: String) throws -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw ioError(path)
        }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw ioError(path) }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw PrecomputedError.io(path: path, problem: "not a regular file")
        }
        var bytes = [UInt8](repeating: 0, count: Int(status.st_size))
        var done = 0
        try bytes.withUnsafeMutableBytes { buffer in
            while done < buffer.count {
                let count = Glibc.read(fd, buffer.baseAddress! + done, buffer.count - done)
                if count < 0 {
                    if errno == EINTR { continue }
                    throw ioError(path)
                }
                if count == 0 { break }
                done += count
            }
        }
        if done < bytes.count { bytes.removeSubrange(done...) }
        return bytes
    }

    public static func isFile(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG
    }

    public static func isDirectory(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
    }

    static func ioError(_ path: String) -> PrecomputedError {
        .io(path: path, problem: String(cString: strerror(errno)))
    }
}
