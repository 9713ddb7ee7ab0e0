#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A sequential reader of bytes from a file, plain or compressed (gzip or bzip2). Nothing is held
/// beyond one input block and the decompressor's state, so a large `.gz` or `.bz2` file is never in
/// memory whole.
public final class ByteStream {
    /// How the bytes of the file are compressed.
    public enum Compression: Sendable, Equatable {
        case none
        /// gzip members (ISA-L's igzip) or a zlib stream (zlib's `inflate`).
        case gzip
        /// bzip2 streams (libbz2's `BZ2_bzDecompress`).
        case bzip2
    }

    public let path: String
    private let fd: Int32
    private let decoder: (any StreamDecoder)?
    private var block: [UInt8]
    private var blockStart = 0
    private var blockEnd = 0
    private var fileEnded = false
    /// Bytes delivered so far (decompressed bytes for a compressed file).
    public private(set) var position: Int = 0

    /// Opens `path`, reading from byte `start` of the file (where a gzip stream begins when it
    /// follows a plain-text header, as NRRD's does); `position` counts from there. `compressed`
    /// nil detects gzip from the magic number at `start` (never bzip2: a plain file may start with
    /// "BZh"); true is gzip.
    public convenience init(path: String, compressed: Bool? = nil, start: Int = 0, blockSize: Int = 1 << 20) throws {
        try self.init(
            path: path, detecting: compressed.map { $0 ? .gzip : .none }, start: start, blockSize: blockSize)
    }

    /// Opens `path` compressed as `compression` says, reading from byte `start` of the file.
    public convenience init(path: String, compression: Compression, start: Int = 0, blockSize: Int = 1 << 20) throws {
        try self.init(path: path, detecting: compression, start: start, blockSize: blockSize)
    }

    /// `compression` nil: gzip when the gzip magic number is at `start`, else plain.
    private init(path: String, detecting compression: Compression?, start: Int, blockSize: Int) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        self.fd = fd
        guard fd >= 0 else {
            throw CodecError(library: "io", message: "\(path): \(String(cString: strerror(errno)))")
        }
        if start > 0 && lseek(fd, off_t(start), SEEK_SET) < 0 {
            let message = String(cString: strerror(errno))
            close(fd)
            throw CodecError(library: "io", message: "\(path): \(message)")
        }
        block = [UInt8](repeating: 0, count: blockSize)
        var magic: (UInt8, UInt8) = (0, 0)
        let count = withUnsafeMutableBytes(of: &magic) { pread(fd, $0.baseAddress, 2, off_t(start)) }
        let gzipMagic = count == 2 && magic.0 == 0x1f && magic.1 == 0x8b
        let kind = compression ?? (gzipMagic ? .gzip : .none)
        do {
            switch kind {
            case .none: decoder = nil
            // gzip through ISA-L; a zlib stream (no gzip magic) through zlib.
            case .gzip: decoder = gzipMagic ? IgzipInflater() : try Inflater()
            case .bzip2: decoder = try Bunzipper()
            }
        } catch {
            close(fd)
            throw error
        }
    }

    deinit { close(fd) }

    private func refill() throws {
        let count = block.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        guard count >= 0 else {
            throw CodecError(library: "io", message: "\(path): \(String(cString: strerror(errno)))")
        }
        blockStart = 0
        blockEnd = count
        if count == 0 { fileEnded = true }
    }

    /// Fills `buffer` completely and returns the number of bytes read: less than its size only
    /// at the end of the data. A compressed stream that ends without its end marker throws (a
    /// "truncated" error); `position` then includes the bytes put in `buffer` before it ended.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var filled = 0
        while filled < buffer.count {
            if blockStart == blockEnd {
                if fileEnded { break }
                try refill()
                if fileEnded && decoder == nil { break }
            }
            let target = UnsafeMutableRawBufferPointer(rebasing: buffer[filled...])
            if let decoder {
                let (consumed, produced) = try block.withUnsafeBytes { source in
                    try decoder.decodeStep(
                        UnsafeRawBufferPointer(rebasing: source[blockStart..<blockEnd]), target)
                }
                blockStart += consumed
                filled += produced
                if consumed == 0 && produced == 0 {
                    if fileEnded || blockStart == blockEnd {
                        if fileEnded { break }
                        continue
                    }
                    break
                }
            } else {
                let count = min(target.count, blockEnd - blockStart)
                block.withUnsafeBytes { source in
                    target.copyMemory(
                        from: UnsafeRawBufferPointer(rebasing: source[blockStart..<(blockStart + count)]))
                }
                blockStart += count
                filled += count
            }
        }
        if let decoder, filled < buffer.count, !decoder.streamEnded {
            // `position` counts what was delivered, for the caller's "ends after N bytes".
            position += filled
            throw CodecError(library: decoder.library, message: "\(path): compressed data is truncated")
        }
        position += filled
        return filled
    }

    /// Reads exactly `count` bytes, or throws naming the file when the data ends first.
    public func readExactly(_ count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let got = try bytes.withUnsafeMutableBytes { try read(into: $0) }
        guard got == count else {
            throw CodecError(
                library: "io",
                message: "\(path): file is truncated (wanted \(count) bytes at offset \(position - got), found \(got))")
        }
        return bytes
    }

    /// Skips `count` bytes forward.
    public func skip(_ count: Int) throws {
        if decoder == nil {
            // A plain file seeks: drop what is buffered, then move the file offset.
            let buffered = blockEnd - blockStart
            if count <= buffered {
                blockStart += count
                position += count
                return
            }
            let target = lseek(fd, off_t(count - buffered), SEEK_CUR)
            guard target >= 0 else {
                throw CodecError(library: "io", message: "\(path): \(String(cString: strerror(errno)))")
            }
            var status = stat()
            guard fstat(fd, &status) == 0, target <= status.st_size else {
                throw CodecError(library: "io", message: "\(path): file is truncated")
            }
            blockStart = 0
            blockEnd = 0
            position += count
            return
        }
        var left = count
        var scratch = [UInt8](repeating: 0, count: min(count, 1 << 16))
        while left > 0 {
            let step = min(left, scratch.count)
            let got = try scratch.withUnsafeMutableBytes {
                try read(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<step]))
            }
            guard got == step else {
                throw CodecError(library: "io", message: "\(path): file is truncated")
            }
            left -= step
        }
    }
}
