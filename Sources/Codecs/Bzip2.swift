import CBzip2

/// bzip2 streams through libbz2 (decompression only: nprec reads bzip2 data, never writes it).
public enum Bzip2 {
    /// Decompresses a whole bzip2 stream; concatenated streams (as `pbzip2` or `cat a.bz2 b.bz2`
    /// make them) are decoded one after the other.
    public static func decompress(_ bytes: [UInt8]) throws -> [UInt8] {
        let decoder = try Bunzipper()
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count * 4)
        try bytes.withUnsafeBufferPointer { input in
            try decoder.decodeAll(UnsafeRawBufferPointer(input), into: &output)
        }
        return output
    }

    /// True when `bytes` start with the bzip2 magic number ("BZh" and a block size digit 1 to 9).
    public static func isBzip2(_ bytes: some Collection<UInt8>) -> Bool {
        var iterator = bytes.makeIterator()
        guard iterator.next() == 0x42, iterator.next() == 0x5a, iterator.next() == 0x68,
            let level = iterator.next()
        else { return false }
        return (0x31...0x39).contains(level)
    }
}

/// A libbz2 decompression stream (`BZ2_bzDecompressInit`, `BZ2_bzDecompress`,
/// `BZ2_bzDecompressEnd`). About 3.7 MB of state for the 900k blocks of `bzip2 -9` (libbz2's fast
/// mode; its small mode halves that at half the speed).
final class Bunzipper: StreamDecoder {
    private let stream: UnsafeMutablePointer<bz_stream>
    /// Whether `stream` holds an initialized decompressor (to end in `deinit`).
    private var active = false

    init() throws {
        stream = .allocate(capacity: 1)
        stream.initialize(to: bz_stream())
        do {
            try begin()
        } catch {
            stream.deallocate()
            throw error
        }
    }

    deinit {
        if active { BZ2_bzDecompressEnd(stream) }
        stream.deallocate()
    }

    /// True after the end-of-stream marker, until input for a further stream arrives.
    private(set) var streamEnded = false
    var library: String { "bzip2" }

    private func begin() throws {
        stream.pointee = bz_stream()
        let status = BZ2_bzDecompressInit(stream, 0, 0)
        guard status == BZ_OK else {
            throw CodecError(library: "bzip2", message: "BZ2_bzDecompressInit failed (\(Self.name(status)))")
        }
        active = true
    }

    /// Feeds `input` and fills `output` as far as possible. Returns (consumed input, produced output).
    func decodeStep(
        _ input: UnsafeRawBufferPointer, _ output: UnsafeMutableRawBufferPointer
    ) throws -> (consumed: Int, produced: Int) {
        if streamEnded {
            // A further stream may follow (concatenated streams, as pbzip2 writes them).
            guard !input.isEmpty else { return (0, 0) }
            BZ2_bzDecompressEnd(stream)
            active = false
            try begin()
            streamEnded = false
        }
        // libbz2 counts in `unsigned int`: feed at most 1 GiB of input at a time.
        let inputCount = min(input.count, 1 << 30)
        let outputCount = min(output.count, 1 << 30)
        stream.pointee.next_in = UnsafeMutablePointer(
            mutating: input.baseAddress?.assumingMemoryBound(to: CChar.self))
        stream.pointee.avail_in = UInt32(inputCount)
        stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: CChar.self)
        stream.pointee.avail_out = UInt32(outputCount)
        let status = BZ2_bzDecompress(stream)
        let consumed = inputCount - Int(stream.pointee.avail_in)
        let produced = outputCount - Int(stream.pointee.avail_out)
        switch status {
        case BZ_STREAM_END:
            streamEnded = true
        case BZ_OK:
            break
        default:
            throw CodecError(library: "bzip2", message: "corrupt compressed data (\(Self.name(status)))")
        }
        return (consumed, produced)
    }

    func decodeAll(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) throws {
        var offset = 0
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let remaining = UnsafeRawBufferPointer(rebasing: input[offset...])
            let (consumed, produced) = try buffer.withUnsafeMutableBytes { try decodeStep(remaining, $0) }
            offset += consumed
            output.append(contentsOf: buffer[0..<produced])
            if consumed == 0 && produced == 0 { break }
        }
        guard streamEnded else {
            throw CodecError(library: "bzip2", message: "compressed data is truncated")
        }
    }

    /// libbz2's name of a status code.
    static func name(_ status: Int32) -> String {
        switch status {
        case BZ_DATA_ERROR: "BZ_DATA_ERROR: a block fails its CRC or cannot be decoded"
        case BZ_DATA_ERROR_MAGIC: "BZ_DATA_ERROR_MAGIC: not a bzip2 stream"
        case BZ_MEM_ERROR: "BZ_MEM_ERROR: out of memory"
        case BZ_PARAM_ERROR: "BZ_PARAM_ERROR"
        case BZ_SEQUENCE_ERROR: "BZ_SEQUENCE_ERROR"
        case BZ_CONFIG_ERROR: "BZ_CONFIG_ERROR: libbz2 was built wrongly"
        default: "error \(status)"
        }
    }
}
