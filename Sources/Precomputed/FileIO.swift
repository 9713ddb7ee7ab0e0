import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// File reading and writing. Writes go to a temporary file in the same directory (see
/// `TempFiles`) that is renamed into place, so an interrupted run never leaves a torn file under
/// its final name.
public enum FileIO {
    /// Writes `bytes` to `path` atomically, creating the parent directories.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        try bytes.withUnsafeBytes { try writeAtomically($0, to: path) }
    }

    /// Writes `bytes` to `path` atomically, through a temporary file registered with `TempFiles`.
    public static func writeAtomically(_ bytes: UnsafeRawBufferPointer, to path: String) throws {
        let (fd, temporary) = try TempFiles.create(finalPath: path)
        do {
            try writeAll(fd, bytes, path: path)
        } catch {
            close(fd)
            TempFiles.discard(tempPath: temporary)
            throw error
        }
        guard close(fd) == 0 else {
            let error = ioError(path)
            TempFiles.discard(tempPath: temporary)
            throw error
        }
        try TempFiles.commit(tempPath: temporary, to: path)
    }

    /// Writes all of `bytes` at the current position of `fd`; errors name `path`.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        var written = 0
        while written < bytes.count {
            let count = write(fd, bytes.baseAddress! + written, bytes.count - written)
            if count < 0 {
                if errno == EINTR { continue }
                throw ioError(path)
            }
            written += count
        }
    }

    /// Writes all of `bytes` at `offset` of `fd` (`pwrite`); errors name `path`.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: UInt64, path: String) throws {
        var written = 0
        while written < bytes.count {
            let count = pwrite(fd, bytes.baseAddress! + written, bytes.count - written, off_t(offset) + off_t(written))
            if count < 0 {
                if errno == EINTR { continue }
                throw ioError(path)
            }
            written += count
        }
    }

    /// Fills `buffer` from `offset` of `fd` (`pread`); a file that ends first is an error naming `path`.
    static func readAll(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64, path: String)
        throws
    {
        var done = 0
        while done < buffer.count {
            let count = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if count < 0 {
                if errno == EINTR { continue }
                throw ioError(path)
            }
            if count == 0 { throw PrecomputedError.io(path: path, problem: "file ends at \(offset + UInt64(done))") }
            done += count
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
