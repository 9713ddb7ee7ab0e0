import CDeflate
import CZlib

/// gzip (RFC 1952) and zlib (RFC 1950). Whole buffers (chunks, shards, mesh fragments) go
/// through libdeflate, which compresses the bench's chunks about 2.5 times as fast as zlib at the
/// same level and inflates about twice as fast; streams (`.nii.gz`, MGZ) through zlib's
/// `Inflater` below.
public enum Gzip {
    /// The compression levels: 0 to 9 as zlib's (0 stores, 6 the default), and libdeflate's
    /// slower, smaller 10 to 12.
    public static let levels = 0...12

    /// Compresses `bytes` into one gzip member.
    public static func compress(_ bytes: [UInt8], level: Int = 6) throws -> [UInt8] {
        try bytes.withUnsafeBufferPointer { try compress(UnsafeRawBufferPointer($0), level: level) }
    }

    /// Compresses the bytes of `input` into one gzip member with libdeflate at `level` (0-12).
    /// Compressors are reused across calls (one per level and thread in flight): allocating one
    /// costs as much as compressing a small chunk.
    public static func compress(_ input: UnsafeRawBufferPointer, level: Int = 6) throws -> [UInt8] {
        guard levels.contains(level) else {
            throw CodecError(library: "libdeflate", message: "compression level \(level) is not in 0...12")
        }
        let compressor = try DeflatePool.compressor(level: level)
        defer { DeflatePool.release(compressor, level: level) }
        let bound = libdeflate_gzip_compress_bound(compressor.pointer, input.count)
        // libdeflate reads no input for an empty buffer but wants a pointer.
        var byte: UInt8 = 0
        let output = withUnsafeMutablePointer(to: &byte) { dummy in
            [UInt8](unsafeUninitializedCapacity: bound) { buffer, count in
                count = libdeflate_gzip_compress(
                    compressor.pointer, input.baseAddress ?? UnsafeRawPointer(dummy), input.count,
                    buffer.baseAddress, bound)
            }
        }
        guard !output.isEmpty else {
            throw CodecError(library: "libdeflate", message: "gzip compression failed")
        }
        return output
    }

    /// Decompresses a whole gzip or zlib stream (detected from its header); concatenated gzip
    /// members are decoded one after the other. A stream that decodes to more than `maxSize`
    /// bytes throws once it passes that size.
    ///
    /// gzip goes through libdeflate, which needs room for the whole member up front: the size
    /// that the last member's trailer states (exact for one member under 4 GiB) is the first
    /// guess, bounded by `maxSize` and by deflate's largest expansion (1032 to 1); a guess too
    /// small is doubled. Data that libdeflate rejects is decoded again by zlib, whose error
    /// says what is wrong (truncated, corrupt).
    public static func decompress(_ bytes: [UInt8], maxSize: Int = .max) throws -> [UInt8] {
        if isGzip(bytes), let output = try bytes.withUnsafeBytes({ try inflateMembers($0, maxSize: maxSize) }) {
            return output
        }
        let inflater = try Inflater()
        var output: [UInt8] = []
        output.reserveCapacity(min(min(bytes.count, 1 << 28) * 4, maxSize))
        try bytes.withUnsafeBufferPointer { input in
            try inflater.inflateAll(UnsafeRawBufferPointer(input), into: &output, maxSize: maxSize)
        }
        return output
    }

    /// True when `bytes` start with the gzip magic number.
    public static func isGzip(_ bytes: some Collection<UInt8>) -> Bool {
        var iterator = bytes.makeIterator()
        return iterator.next() == 0x1f && iterator.next() == 0x8b
    }

    /// The gzip members of `input` through libdeflate; nil when libdeflate rejects the data.
    private static func inflateMembers(_ input: UnsafeRawBufferPointer, maxSize: Int) throws -> [UInt8]? {
        let decompressor = try DeflatePool.decompressor()
        defer { DeflatePool.release(decompressor) }
        // The trailer's ISIZE: the uncompressed size modulo 2^32 of the last member.
        let stated =
            input.count >= 18
            ? Int(input.loadUnaligned(fromByteOffset: input.count - 4, as: UInt32.self).littleEndian) : 0
        var output: [UInt8] = []
        var offset = 0
        while offset < input.count {
            let member = UnsafeRawBufferPointer(rebasing: input[offset...])
            let room = maxSize - output.count
            let possible = member.count.multipliedReportingOverflow(by: 1032)
            let largest = possible.overflow ? room : min(room, possible.partialValue + 64)
            var capacity = min(largest, max(offset == 0 ? stated : 0, member.count * 4, 1 << 12))
            while true {
                var consumed = 0
                var status = LIBDEFLATE_SUCCESS
                let piece = [UInt8](unsafeUninitializedCapacity: max(capacity, 1)) { buffer, count in
                    var produced = 0
                    status = libdeflate_gzip_decompress_ex(
                        decompressor.pointer, member.baseAddress, member.count, buffer.baseAddress, capacity,
                        &consumed, &produced)
                    count = status == LIBDEFLATE_SUCCESS ? produced : 0
                }
                if status == LIBDEFLATE_INSUFFICIENT_SPACE {
                    guard capacity < largest else {
                        if largest < room { return nil }
                        throw CodecError(library: "zlib", message: "decompresses to more than \(maxSize) bytes")
                    }
                    capacity = capacity > largest / 2 ? largest : capacity * 2
                    continue
                }
                guard status == LIBDEFLATE_SUCCESS else { return nil }
                // One member (the usual case) becomes the output as it is, uncopied.
                if output.isEmpty { output = piece } else { output += piece }
                offset += consumed
                break
            }
        }
        return output
    }
}

/// libdeflate compressors (per level) and decompressors kept for reuse across calls and
/// threads: a pool grows to the number of calls in flight at once.
private enum DeflatePool {
    struct Handle: @unchecked Sendable { let pointer: OpaquePointer }

    private static let lock = ProcessLock()
    // Only touched holding `lock`.
    nonisolated(unsafe) private static var compressors: [Int: [Handle]] = [:]
    nonisolated(unsafe) private static var decompressors: [Handle] = []

    static func compressor(level: Int) throws -> Handle {
        if let handle = lock.locked({ compressors[level]?.popLast() }) { return handle }
        guard let pointer = libdeflate_alloc_compressor(Int32(level)) else {
            throw CodecError(library: "libdeflate", message: "cannot allocate a compressor")
        }
        return Handle(pointer: pointer)
    }

    static func release(_ handle: Handle, level: Int) {
        lock.locked { compressors[level, default: []].append(handle) }
    }

    static func decompressor() throws -> Handle {
        if let handle = lock.locked({ decompressors.popLast() }) { return handle }
        guard let pointer = libdeflate_alloc_decompressor() else {
            throw CodecError(library: "libdeflate", message: "cannot allocate a decompressor")
        }
        return Handle(pointer: pointer)
    }

    static func release(_ handle: Handle) {
        lock.locked { decompressors.append(handle) }
    }
}

/// A streaming decompressor as `ByteStream` drives it: zlib's `Inflater` or libbz2's `Bunzipper`.
protocol StreamDecoder: AnyObject {
    /// The library named in errors.
    var library: String { get }
    /// True after the end of a stream (until more input starts another one).
    var streamEnded: Bool { get }
    /// Feeds `input` and fills `output` as far as possible. Returns (consumed input, produced
    /// output); (0, 0) when no progress is possible (input exhausted, or the stream ended).
    func decodeStep(
        _ input: UnsafeRawBufferPointer, _ output: UnsafeMutableRawBufferPointer
    ) throws -> (consumed: Int, produced: Int)
}

/// A zlib inflate stream (`inflateInit2` with window bits 47: gzip or zlib header).
final class Inflater: StreamDecoder {
    private let stream: UnsafeMutablePointer<z_stream>

    init() throws {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = inflateInit2_(stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            stream.deallocate()
            throw CodecError(library: "zlib", message: "inflateInit2 failed (\(status))")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    var streamEnded = false
    var library: String { "zlib" }

    func decodeStep(
        _ input: UnsafeRawBufferPointer, _ output: UnsafeMutableRawBufferPointer
    ) throws -> (consumed: Int, produced: Int) {
        try inflateStep(input, output)
    }

    /// Feeds `input` and fills `output` as far as possible. Returns (consumed input, produced output).
    func inflateStep(
        _ input: UnsafeRawBufferPointer, _ output: UnsafeMutableRawBufferPointer
    ) throws -> (consumed: Int, produced: Int) {
        if streamEnded {
            // A further gzip member may follow (concatenated members, as `gzip` writes them).
            guard !input.isEmpty else { return (0, 0) }
            inflateReset(stream)
            streamEnded = false
        }
        stream.pointee.next_in = UnsafeMutablePointer(
            mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        // zlib counts in 32-bit `uInt`: at most 1 GiB in and out per call (a slab of more than
        // 4 GiB trapped here).
        let inputCount = min(input.count, 1 << 30)
        let outputCount = min(output.count, 1 << 30)
        stream.pointee.avail_in = uInt(inputCount)
        stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = uInt(outputCount)
        let status = inflate(stream, Z_NO_FLUSH)
        let consumed = inputCount - Int(stream.pointee.avail_in)
        let produced = outputCount - Int(stream.pointee.avail_out)
        switch status {
        case Z_STREAM_END:
            streamEnded = true
        case Z_OK:
            break
        case Z_BUF_ERROR where consumed == 0 && produced == 0:
            break
        default:
            let detail = stream.pointee.msg.map { String(cString: $0) } ?? "error \(status)"
            throw CodecError(library: "zlib", message: "corrupt compressed data (\(detail))")
        }
        return (consumed, produced)
    }

    func inflateAll(_ input: UnsafeRawBufferPointer, into output: inout [UInt8], maxSize: Int = .max) throws {
        var offset = 0
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let remaining = UnsafeRawBufferPointer(rebasing: input[offset...])
            let (consumed, produced) = try buffer.withUnsafeMutableBytes {
                try inflateStep(remaining, $0)
            }
            offset += consumed
            guard produced <= maxSize - output.count else {
                throw CodecError(library: "zlib", message: "decompresses to more than \(maxSize) bytes")
            }
            output.append(contentsOf: buffer[0..<produced])
            if consumed == 0 && produced == 0 { break }
        }
        guard streamEnded else {
            throw CodecError(library: "zlib", message: "compressed data is truncated")
        }
    }
}
