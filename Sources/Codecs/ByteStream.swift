#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A sequential reader of bytes from a file, plain or gzip-compressed. Nothing is held beyond
/// one input block, so a large `.gz` file is never in memory whole.
public final class ByteStream {
    public let path: String
    private let fd: Int32
    private let inflater: Inflater?
    private var block: [UInt8]
    private var blockStart = 0
    private var blockEnd = 0
    private var fileEnded = false
    /// Bytes delivered so far (decompressed bytes for a gzip file).
    public private(set) var position: Int = 0

    /// Opens `path`, reading from byte `start` of the file (where a gzip stream begins when it
    /// follows a plain-text header, as NRRD's does); `position` counts from there. `compressed`
    /// nil detects gzip from the magic number at `start`.
    public init(path: String, compressed: Bool? = nil, start: Int = 0, blockSize: Int = 1 << 20) throws {
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
        var isGzip = compressed ?? false
        if compressed == nil {
            var magic: (UInt8, UInt8) = (0, 0)
            let count = withUnsafeMutableBytes(of: &magic) { pread(fd, $0.baseAddress, 2, off_t(start)) }
            isGzip = count == 2 && magic.0 == 0x1f && magic.1 == 0x8b
        }
        do {
            inflater = isGzip ? try Inflater() : nil
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
    /// at the end of the data.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var filled = 0
        while filled < buffer.count {
            if blockStart == blockEnd {
                if fileEnded { break }
                try refill()
                if fileEnded && inflater == nil { break }
            }
            let target = UnsafeMutableRawBufferPointer(rebasing: buffer[filled...])
            if let inflater {
                let (consumed, produced) = try block.withUnsafeBytes { source in
                    try inflater.inflateStep(
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
        if let inflater, filled < buffer.count, !inflater.streamEnded {
            throw CodecError(library: "zlib", message: "\(path): compressed data is truncated")
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
        if inflater == nil {
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
