import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Builds one shard file from encoded chunks that arrive in any order from any thread, keeping
/// only their offsets in memory.
///
/// `append` compresses a chunk with the spec's data_encoding (outside the lock) and appends the
/// blob to a spool file; `finish` copies the blobs back out with `pread`, in the order
/// `ShardAssembly` gives, into the shard file. So the shard is byte-identical to
/// `ShardFile.build` of the same chunks whatever order they came in. The spool file and the
/// shard's temporary file are registered with `TempFiles` (a signal removes them) and named
/// `.<shard name>.<pid>.<unique>.tmp` beside the shard, so `TempFiles.isTemporaryName` maps
/// both to it. An open spool holds one file descriptor.
public final class ShardSpool: @unchecked Sendable {
    // @unchecked Sendable: every mutable stored property (`state`, `entries`, `end`, `shard`)
    // is read and written only while `lock` is held, and the spool file is only written or
    // read with the lock held; the other properties are constants. `finish` holds the lock
    // from start to end. ShardSpoolTests.concurrentAppendsGiveTheSameBytes appends from many
    // threads and checks the bytes.
    public let finalPath: String
    public let layout: ShardingLayout
    public let compressionLevel: Int

    private enum State {
        case open(fd: Int32, path: String)
        case closed
    }

    private struct Stored {
        var offset: UInt64
        var size: Int
    }

    private let registry: TempFileRegistry
    private let lock = NSLock()
    private var state: State
    private var entries: [UInt64: Stored] = [:]
    /// The size of the spool file.
    private var end: UInt64 = 0
    /// The shard of the first chunk; every chunk must be in it.
    private var shard: UInt64?

    /// Creates the spool file beside `finalPath` (and the missing parent directories).
    public convenience init(finalPath: String, layout: ShardingLayout, compressionLevel: Int) throws {
        try self.init(finalPath: finalPath, layout: layout, compressionLevel: compressionLevel, registry: .shared)
    }

    /// A spool whose temporary files go through `registry` (tests use their own).
    init(finalPath: String, layout: ShardingLayout, compressionLevel: Int, registry: TempFileRegistry) throws {
        guard (0...26).contains(layout.spec.minishardBits) else {
            throw PrecomputedError.unsupported(
                "\(finalPath): minishard_bits \(layout.spec.minishardBits) is more than 26")
        }
        self.finalPath = finalPath
        self.layout = layout
        self.compressionLevel = compressionLevel
        self.registry = registry
        let (fd, path) = try registry.create(finalPath: finalPath)
        state = .open(fd: fd, path: path)
    }

    deinit {
        if case .open(let fd, let path) = state {
            close(fd)
            registry.discard(tempPath: path)
        }
    }

    /// Adds the chunk `id` (`data` in the chunk's encoding). Throws when `id` is already there,
    /// is in another shard than the chunks before, or the spool is finished or discarded.
    public func append(id: UInt64, data: [UInt8]) throws {
        let chunkShard = layout.shard(of: id)
        let blob = try ShardAssembly.storedBlob(data, layout: layout, compressionLevel: compressionLevel)
        try lock.withLock {
            guard case .open(let fd, _) = state else {
                throw PrecomputedError.unsupported("\(finalPath): chunk \(id) comes after the shard was closed")
            }
            guard entries[id] == nil else {
                throw PrecomputedError.unsupported("\(finalPath): chunk \(id) is there twice")
            }
            if let shard, shard != chunkShard {
                throw PrecomputedError.unsupported(
                    "\(finalPath): chunk \(id) belongs to shard \(chunkShard), not \(shard)")
            }
            try blob.withUnsafeBytes { try FileIO.writeAll(fd, $0, at: end, path: finalPath) }
            shard = chunkShard
            entries[id] = Stored(offset: end, size: blob.count)
            end += UInt64(blob.count)
        }
    }

    /// The number of chunks appended.
    public var count: Int { lock.withLock { entries.count } }

    /// Writes the shard file (to a registered temporary file renamed into place) and removes
    /// the spool. A spool without chunks writes no file. Whether it succeeds or throws, the
    /// spool is closed afterwards and no temporary file of it is left.
    public func finish() throws {
        try lock.withLock {
            guard case .open(let spoolFD, let spoolPath) = state else {
                throw PrecomputedError.unsupported("\(finalPath): the shard was already closed")
            }
            defer {
                close(spoolFD)
                registry.discard(tempPath: spoolPath)
                state = .closed
            }
            guard !entries.isEmpty else { return }
            let stored = Array(entries)
            let assembly = try ShardAssembly(
                entries: stored.map { ($0.key, $0.value.size) }, layout: layout,
                compressionLevel: compressionLevel, name: finalPath)
            let (fd, path) = try registry.create(finalPath: finalPath)
            do {
                let output = BufferedOutput(fd: fd, path: finalPath)
                try output.append(assembly.header)
                for piece in assembly.pieces {
                    switch piece {
                    case .prefix: break
                    case .chunk(let index):
                        let blob = stored[index].value
                        try output.copy(from: spoolFD, offset: blob.offset, count: blob.size)
                    case .bytes(let bytes):
                        try output.append(bytes)
                    }
                }
                try output.flush()
                guard close(fd) == 0 else { throw FileIO.ioError(finalPath) }
            } catch {
                close(fd)
                registry.discard(tempPath: path)
                throw error
            }
            try registry.commit(tempPath: path, to: finalPath)
        }
    }

    /// Removes the spool's temporary files; the shard is not written. Does nothing once the
    /// spool is finished or discarded.
    public func discard() {
        lock.withLock {
            guard case .open(let fd, let path) = state else { return }
            close(fd)
            registry.discard(tempPath: path)
            state = .closed
        }
    }
}

/// Sequential writes to a file descriptor through a fixed buffer (1 MiB), so copying a shard
/// holds at most that much of it in memory. Errors name `path`.
private final class BufferedOutput {
    let fd: Int32
    let path: String
    private let buffer: UnsafeMutableRawBufferPointer
    private var used = 0

    init(fd: Int32, path: String, capacity: Int = 1 << 20) {
        self.fd = fd
        self.path = path
        buffer = .allocate(byteCount: capacity, alignment: 16)
    }

    deinit { buffer.deallocate() }

    func append(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { bytes in
            if used + bytes.count > buffer.count { try flush() }
            if bytes.count >= buffer.count {
                try FileIO.writeAll(fd, bytes, path: path)
            } else {
                UnsafeMutableRawBufferPointer(rebasing: buffer[used..<(used + bytes.count)]).copyMemory(from: bytes)
                used += bytes.count
            }
        }
    }

    /// Appends `count` bytes of `source` from `offset` (`pread`).
    func copy(from source: Int32, offset: UInt64, count: Int) throws {
        var done = 0
        while done < count {
            if used == buffer.count { try flush() }
            let piece = min(count - done, buffer.count - used)
            try FileIO.readAll(
                source, into: UnsafeMutableRawBufferPointer(rebasing: buffer[used..<(used + piece)]),
                at: offset + UInt64(done), path: path)
            used += piece
            done += piece
        }
    }

    func flush() throws {
        guard used > 0 else { return }
        try FileIO.writeAll(fd, UnsafeRawBufferPointer(rebasing: buffer[0..<used]), path: path)
        used = 0
    }
}
