import Codecs
import Precomputed

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How plain voxel arrays are laid out in a data file.
public struct RawLayout: Sendable {
    /// [x, y, z] of one volume.
    public var size: [Int]
    /// 3-D volumes stored one after the other (the t dimension and beyond).
    public var volumes: Int
    /// The type of one stored component.
    public var componentType: DataType
    /// Interleaved components per voxel (3 for RGB24), de-interleaved into channels.
    public var components: Int
    public var littleEndian: Bool
    /// Where the first voxel starts, in the (decompressed) data.
    public var offset: Int

    public init(
        size: [Int], volumes: Int, componentType: DataType, components: Int = 1, littleEndian: Bool, offset: Int
    ) {
        self.size = size
        self.volumes = volumes
        self.componentType = componentType
        self.components = components
        self.littleEndian = littleEndian
        self.offset = offset
    }

    /// Bytes of all voxels (`dataBytes`), computed with overflow checks: nil when a product or
    /// `offset + dataBytes` overflows, or when a size is not positive. `RawVolumeData.init` refuses
    /// such a layout, so `voxelBytes`, `volumeBytes` and `dataBytes` cannot overflow afterwards.
    public var checkedDataBytes: Int? {
        guard size.count == 3, size.allSatisfy({ $0 > 0 }), volumes > 0, components > 0, offset >= 0 else { return nil }
        var total = componentType.size
        for factor in size + [components, volumes] {
            let (product, overflow) = total.multipliedReportingOverflow(by: factor)
            if overflow { return nil }
            total = product
        }
        return offset.addingReportingOverflow(total).overflow ? nil : total
    }

    /// Bytes of one voxel of one volume.
    public var voxelBytes: Int { componentType.size * components }
    /// Bytes of one 3-D volume.
    public var volumeBytes: Int { size[0] * size[1] * size[2] * voxelBytes }
    /// Bytes of all voxels.
    public var dataBytes: Int { volumeBytes * volumes }
    /// Values per voxel: volumes times components.
    public var channels: Int { volumes * components }
}

/// How the data file of a `RawVolumeData` is compressed.
public enum RawCompression: Sendable, Equatable {
    /// gzip when the file starts with its magic number, else plain.
    case detect
    /// Plain, whatever the first bytes.
    case none
    /// A gzip stream from byte `start` of the file (NRRD's data after its text header);
    /// `RawLayout.offset` then counts in the decompressed bytes.
    case gzip(start: Int)
    /// One or more bzip2 streams from byte `start` of the file, as `gzip(start:)`.
    case bzip2(start: Int)

    /// The most bytes that one compressed byte can decompress to (nil when plain or detected): a
    /// header claiming more voxels than this times the compressed size is corrupt, and refused
    /// before it sizes anything.
    ///
    /// - gzip: 1032. A deflate block codes at most 258 bytes per length/distance pair, and the
    ///   shortest code for a pair is 2 bits (1 bit each, in a dynamic block), so one byte yields at
    ///   most 4 × 258 = 1032 bytes (the zlib FAQ and zlib's "technical details": "the limit is
    ///   1032:1"); gzip headers and trailers only lower the ratio.
    /// - bzip2: 4 Mi. A block holds at most 900,000 symbols after bzip2's first run-length stage,
    ///   which turns runs of up to 255 bytes into 5, so at most 45.9 MB of output (the
    ///   often-quoted worst case of about 46,000,000:1 assumes a block costs one byte); a block
    ///   costs at least its 48-bit magic, 32-bit CRC, randomised bit and 24-bit origin pointer
    ///   (105 bits, over 13 bytes), so one compressed byte yields at most 45.9 MB / 13 ≈ 3.5
    ///   million bytes, under 4 Mi. `bzip2` itself reaches 1.42 million on zeros (4 GiB into
    ///   3,023 bytes).
    public var maximumExpansion: Int? {
        switch self {
        case .detect, .none: nil
        case .gzip: 1032
        case .bzip2: 1 << 22
        }
    }
}

/// Voxels stored as plain arrays in one file, plain or gzip-compressed (detected from the magic
/// number), or bzip2-compressed when the caller says: x fastest, then y, z, volume. Read slab by slab in ascending z (a compressed file is
/// never decompressed whole: each volume has its own stream, kept at the position of the next
/// slab), or, uncompressed, box by box from any thread.
public final class RawVolumeData {
    /// The file holding the voxels.
    public let path: String
    public let layout: RawLayout
    /// Whether the data is compressed (gzip or bzip2).
    public let isCompressed: Bool
    /// How the file is compressed, as given to `init`.
    public let compression: RawCompression

    /// One stream per volume, opened on the first read.
    private var streams: [ByteStream] = []
    /// A stream already open on the file (the header's), reused for the first volume.
    private var initialStream: ByteStream?
    /// The first z not read yet.
    private var nextZ = 0
    /// The error that stopped an earlier read, thrown again by later ones.
    private var failure: VolumeError?
    /// Interleaved bytes of one volume's slab, before de-interleaving.
    private var scratch: [UInt8] = []

    /// Opens the data of `path`. `stream`, if given, is a stream open on the same file (at or
    /// before `layout.offset`), reused for the first volume. Compression is detected from the
    /// magic number unless `compression` says. Checks the length of uncompressed data.
    public init(
        path: String, layout: RawLayout, stream: ByteStream? = nil, compression: RawCompression = .detect
    ) throws {
        self.path = path
        self.layout = layout
        self.compression = compression
        switch compression {
        case .detect: isCompressed = try Self.isGzip(path)
        case .none: isCompressed = false
        case .gzip, .bzip2: isCompressed = true
        }
        initialStream = stream
        guard let dataBytes = layout.checkedDataBytes else {
            throw VolumeError(
                path: path,
                message:
                    "impossible dimensions: \(layout.size.map(String.init).joined(separator: "x")) voxels"
                    + " of \(layout.components) × \(layout.componentType.size) bytes in \(layout.volumes) volumes"
                    + " from byte \(layout.offset) cannot be addressed (the header is corrupt)")
        }
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw VolumeError(path: path, message: String(cString: strerror(errno)))
        }
        let expected = layout.offset + dataBytes
        if isCompressed {
            // Refused before any slab is sized from the header: more bytes than the compressed
            // data can expand to (`maximumExpansion`) means a corrupt header or a cut file.
            let start: Int
            let expansion: Int
            let name: String
            switch compression {
            case .bzip2(let from):
                (start, expansion, name) = (from, RawCompression.bzip2(start: 0).maximumExpansion ?? 1, "bzip2")
            case .gzip(let from):
                (start, expansion, name) = (from, RawCompression.gzip(start: 0).maximumExpansion ?? 1, "gzip")
            case .detect, .none:
                (start, expansion, name) = (0, RawCompression.gzip(start: 0).maximumExpansion ?? 1, "gzip")
            }
            let compressed = max(0, Int(info.st_size) - start)
            let (limit, overflow) = compressed.multipliedReportingOverflow(by: expansion)
            if !overflow && expected > limit {
                throw VolumeError(
                    path: path,
                    message:
                        "file is truncated or its header is corrupt: the header describes \(dataBytes) bytes of "
                        + "voxels from byte \(layout.offset), but \(compressed) bytes of \(name) data expand to at "
                        + "most \(limit) bytes (\(expansion) times)")
            }
        } else {
            if Int(info.st_size) < expected {
                throw VolumeError(
                    path: path,
                    message:
                        "file is truncated: it has \(info.st_size) bytes, but the header describes "
                        + "\(dataBytes) bytes of voxels from byte \(layout.offset) (to byte \(expected))"
                )
            }
        }
    }

    /// True when the data is uncompressed, so `readBlock` can read any part of it.
    public var isSeekable: Bool { !isCompressed }

    /// Reads the voxels of the z slices in `zRange`. Calls must ask for ascending z: each range
    /// starts at or after the end of the previous one (the first at or after 0); skipped slices are
    /// read and dropped. Values come in host byte order, x fastest, then y, then z, then channel
    /// (the volume, and within it the component: channel v·k + c).
    public func readSlab(_ zRange: Range<Int>) throws -> VolumeSlab {
        if let failure { throw failure }
        let nz = layout.size[2]
        guard zRange.lowerBound >= nextZ, zRange.upperBound <= nz else {
            throw VolumeError(
                path: path,
                message:
                    "slab z \(zRange.lowerBound)..<\(zRange.upperBound) cannot be read: slabs must come in ascending z "
                    + "within 0..<\(nz), and z up to \(nextZ) was already read"
            )
        }
        do {
            return try readSlabOnce(zRange)
        } catch let error as VolumeError {
            // The streams are now at unknown positions: later slabs cannot be trusted.
            failure = error
            throw error
        }
    }

    private func readSlabOnce(_ zRange: Range<Int>) throws -> VolumeSlab {
        let (nx, ny) = (layout.size[0], layout.size[1])
        let components = layout.components
        let elementSize = layout.componentType.size
        let sliceBytes = nx * ny * layout.voxelBytes
        let slabBytes = sliceBytes * zRange.count
        let volumes = layout.volumes
        if streams.isEmpty { try openStreams() }
        let skip = (zRange.lowerBound - nextZ) * sliceBytes
        let swap = elementSize > 1 && layout.littleEndian != (1.littleEndian == 1)
        if isCompressed {
            return try readCompressedSlab(zRange, sliceBytes: sliceBytes, skip: skip, swap: swap)
        }
        if components > 1 && scratch.count < slabBytes {
            scratch = [UInt8](repeating: 0, count: slabBytes)
        }

        let bytes = try [UInt8](unsafeUninitializedCapacity: slabBytes * volumes) { buffer, initialized in
            let output = UnsafeMutableRawBufferPointer(buffer)
            for (volume, stream) in streams.enumerated() {
                if skip > 0 { try skipBytes(stream, skip, volume: volume) }
                let target = UnsafeMutableRawBufferPointer(
                    rebasing: output[(volume * slabBytes)..<((volume + 1) * slabBytes)])
                if components == 1 {
                    try fill(stream, target, volume: volume)
                    if swap { ByteOrder.swap(target, elementSize: elementSize) }
                } else {
                    try scratch.withUnsafeMutableBytes { interleaved in
                        let source = UnsafeMutableRawBufferPointer(rebasing: interleaved[0..<slabBytes])
                        try fill(stream, source, volume: volume)
                        if swap { ByteOrder.swap(source, elementSize: elementSize) }
                        ByteOrder.deinterleave(
                            UnsafeRawBufferPointer(source), into: target, components: components,
                            elementSize: elementSize)
                    }
                }
            }
            initialized = slabBytes * volumes
        }
        nextZ = zRange.upperBound
        return VolumeSlab(
            size: [nx, ny, zRange.count], channels: layout.channels, elementType: layout.componentType, bytes: bytes)
    }

    /// `readSlab` on compressed data, whose size is only known once it is decompressed: the
    /// slab grows as its bytes arrive (`readGrowing`), so a header that claims more data than the
    /// stream holds costs at most about twice the bytes the stream really gave before it ended.
    private func readCompressedSlab(_ zRange: Range<Int>, sliceBytes: Int, skip: Int, swap: Bool) throws -> VolumeSlab {
        let components = layout.components
        let elementSize = layout.componentType.size
        let slabBytes = sliceBytes * zRange.count
        var bytes: [UInt8] = []
        for (volume, stream) in streams.enumerated() {
            if skip > 0 { try skipBytes(stream, skip, volume: volume) }
            var part = try readGrowing(stream, slabBytes, volume: volume)
            part.withUnsafeMutableBytes { buffer in
                if swap { ByteOrder.swap(buffer, elementSize: elementSize) }
            }
            if components > 1 {
                let interleaved = part
                part.withUnsafeMutableBytes { target in
                    interleaved.withUnsafeBytes { source in
                        ByteOrder.deinterleave(source, into: target, components: components, elementSize: elementSize)
                    }
                }
            }
            if streams.count == 1 {
                bytes = part
            } else {
                bytes.append(contentsOf: part)
            }
        }
        nextZ = zRange.upperBound
        return VolumeSlab(
            size: [layout.size[0], layout.size[1], zRange.count], channels: layout.channels,
            elementType: layout.componentType, bytes: bytes)
    }

    /// Reads `count` bytes of `stream` into an array that grows (doubling from 1 MiB, by at most
    /// 1 GiB at a time) only as the bytes arrive. Up to 1 GiB is reserved at once: address space
    /// only, whose pages are touched as the bytes arrive, so that the growth never copies a slab.
    private func readGrowing(_ stream: ByteStream, _ count: Int, volume: Int) throws -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(min(count, 1 << 30))
        var step = min(count, 1 << 20)
        while bytes.count < count {
            let start = bytes.count
            let end = start + min(step, count - start)
            bytes.reserveCapacity(end)
            bytes.append(contentsOf: repeatElement(0, count: end - start))
            try bytes.withUnsafeMutableBytes { buffer in
                try fill(stream, UnsafeMutableRawBufferPointer(rebasing: buffer[start..<end]), volume: volume)
            }
            step = min(end, 1 << 30)
        }
        return bytes
    }

    /// Reads the box `xRange` x `yRange` x `zRange` (all columns when `xRange` is nil), in any
    /// order and from any thread (the file is opened per call; one `pread` per slice when whole
    /// rows are read, per row otherwise). Same layout as `readSlab`. Only for uncompressed data.
    public func readBlock(x xRange: Range<Int>?, y yRange: Range<Int>, z zRange: Range<Int>) throws -> VolumeSlab {
        let (nx, ny, nz) = (layout.size[0], layout.size[1], layout.size[2])
        let xRange = xRange ?? 0..<nx
        let components = layout.components
        let elementSize = layout.componentType.size
        let voxelBytes = layout.voxelBytes
        let rowBytes = nx * voxelBytes
        let sliceBytes = ny * rowBytes
        let volumeBytes = sliceBytes * nz
        let volumes = layout.volumes
        let wholeRows = xRange.count == nx
        // One contiguous run: whole rows of the y range, or the x range of one row.
        let runBytes = wholeRows ? yRange.count * rowBytes : xRange.count * voxelBytes
        let runsPerSlice = wholeRows ? 1 : yRange.count
        let blockBytes = xRange.count * yRange.count * zRange.count * voxelBytes
        let swap = elementSize > 1 && layout.littleEndian != (1.littleEndian == 1)
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw VolumeError(path: path, message: String(cString: strerror(errno))) }
        defer { close(fd) }
        var scratch = components > 1 ? [UInt8](repeating: 0, count: blockBytes) : []
        let bytes = try [UInt8](unsafeUninitializedCapacity: blockBytes * volumes) { buffer, initialized in
            let output = UnsafeMutableRawBufferPointer(buffer)
            for volume in 0..<volumes {
                let target = UnsafeMutableRawBufferPointer(
                    rebasing: output[(volume * blockBytes)..<((volume + 1) * blockBytes)])
                try scratch.withUnsafeMutableBytes { interleaved in
                    let destination = components > 1 ? interleaved : target
                    var run = 0
                    for z in zRange {
                        for r in 0..<runsPerSlice {
                            let offset =
                                layout.offset + volume * volumeBytes + z * sliceBytes
                                + (yRange.lowerBound + r) * rowBytes + xRange.lowerBound * voxelBytes
                            var done = 0
                            while done < runBytes {
                                let got = pread(
                                    fd, destination.baseAddress! + run * runBytes + done, runBytes - done,
                                    off_t(offset + done))
                                if got < 0 {
                                    if errno == EINTR { continue }
                                    throw VolumeError(path: path, message: String(cString: strerror(errno)))
                                }
                                if got == 0 {
                                    throw truncated("the data ends before byte \(offset + runBytes)", volume: volume)
                                }
                                done += got
                            }
                            run += 1
                        }
                    }
                    if swap { ByteOrder.swap(destination, elementSize: elementSize) }
                    if components > 1 {
                        ByteOrder.deinterleave(
                            UnsafeRawBufferPointer(interleaved), into: target, components: components,
                            elementSize: elementSize)
                    }
                }
            }
            initialized = blockBytes * volumes
        }
        return VolumeSlab(
            size: [xRange.count, yRange.count, zRange.count], channels: layout.channels,
            elementType: layout.componentType, bytes: bytes)
    }

    // MARK: - Streams

    /// Opens one stream per volume, each positioned at its volume's first byte.
    private func openStreams() throws {
        let count = layout.volumes
        // Bounded buffers however many volumes there are.
        let blockSize = max(1 << 16, min(1 << 20, (64 << 20) / count))
        for volume in 0..<count {
            let stream: ByteStream
            let start = layout.offset + volume * layout.volumeBytes
            if volume == 0, let initialStream {
                stream = initialStream
                self.initialStream = nil
            } else {
                switch compression {
                case .detect: stream = try Self.open(path, blockSize: blockSize)
                case .none: stream = try Self.open(path, compressed: false, blockSize: blockSize)
                case .gzip(let from): stream = try Self.open(path, compressed: true, start: from, blockSize: blockSize)
                case .bzip2(let from):
                    stream = try Self.open(path, compression: .bzip2, start: from, blockSize: blockSize)
                }
            }
            let ahead = start - stream.position
            if ahead > 0 { try skipBytes(stream, ahead, volume: volume) }
            streams.append(stream)
        }
    }

    /// Fills `buffer` from `stream`, or throws naming the data file when the data ends early.
    private func fill(_ stream: ByteStream, _ buffer: UnsafeMutableRawBufferPointer, volume: Int) throws {
        let got: Int
        do {
            got = try stream.read(into: buffer)
        } catch let error as CodecError {
            if error.message.contains("truncated") {
                throw truncated(
                    "the compressed data ends after \(stream.position) of \(layout.offset + layout.dataBytes) bytes",
                    volume: volume)
            }
            throw VolumeError(path: path, codecError: error)
        }
        if got < buffer.count {
            let what = isCompressed ? "the decompressed data" : "the data"
            throw truncated(
                "\(what) ends after \(stream.position) of \(layout.offset + layout.dataBytes) bytes", volume: volume)
        }
    }

    private func skipBytes(_ stream: ByteStream, _ count: Int, volume: Int) throws {
        let start = stream.position
        do {
            try stream.skip(count)
        } catch let error as CodecError {
            if error.message.contains("truncated") {
                // A decoder may hold back the last bytes it had (igzip does, until more input
                // comes): the position says what it delivered.
                throw truncated(
                    isCompressed
                        ? "the compressed data ends after \(stream.position) of \(layout.offset + layout.dataBytes) bytes"
                        : "the data ends before byte \(start + count)", volume: volume)
            }
            throw VolumeError(path: path, codecError: error)
        }
    }

    private func truncated(_ detail: String, volume: Int) -> VolumeError {
        let expected = layout.offset + layout.dataBytes
        let which = layout.volumes > 1 ? " (in volume \(volume))" : ""
        return VolumeError(
            path: path,
            message:
                "file is truncated: \(detail)\(which), but the header describes \(layout.dataBytes) bytes "
                + "of voxels from byte \(layout.offset) (to byte \(expected))"
        )
    }

    // MARK: - Files

    /// Opens `path` as a stream from byte `start` (gzip detected from the magic number unless
    /// `compressed` says).
    public static func open(
        _ path: String, compressed: Bool? = nil, start: Int = 0, blockSize: Int = 1 << 20
    ) throws -> ByteStream {
        do {
            return try ByteStream(path: path, compressed: compressed, start: start, blockSize: blockSize)
        } catch let error as CodecError {
            throw VolumeError(path: path, codecError: error)
        }
    }

    /// Opens `path` as a stream from byte `start`, compressed as `compression` says.
    public static func open(
        _ path: String, compression: ByteStream.Compression, start: Int = 0, blockSize: Int = 1 << 20
    ) throws -> ByteStream {
        do {
            return try ByteStream(path: path, compression: compression, start: start, blockSize: blockSize)
        } catch let error as CodecError {
            throw VolumeError(path: path, codecError: error)
        }
    }

    /// Reads up to `count` bytes; fewer only at the end of the file.
    public static func read(_ stream: ByteStream, _ count: Int, path: String) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        do {
            let got = try bytes.withUnsafeMutableBytes { try stream.read(into: $0) }
            bytes.removeSubrange(got...)
        } catch let error as CodecError {
            throw VolumeError(path: path, codecError: error)
        }
        return bytes
    }

    /// Whether `path` starts with the gzip magic number.
    public static func isGzip(_ path: String) throws -> Bool {
        let stream = try open(path, compressed: false, blockSize: 16)
        let magic = try read(stream, 2, path: path)
        return magic == [0x1f, 0x8b]
    }

    /// Whether a file exists at `path`.
    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }
}

/// Byte swapping and de-interleaving over whole buffers.
enum ByteOrder {
    /// Reverses the bytes of each `elementSize`-byte element of `buffer` in place.
    static func swap(_ buffer: UnsafeMutableRawBufferPointer, elementSize: Int) {
        guard let base = buffer.baseAddress else { return }
        let count = buffer.count / elementSize
        switch elementSize {
        case 2: swap(base, count: count, as: UInt16.self)
        case 4: swap(base, count: count, as: UInt32.self)
        case 8: swap(base, count: count, as: UInt64.self)
        default: break
        }
    }

    @inline(__always)
    private static func swap<T: FixedWidthInteger>(_ base: UnsafeMutableRawPointer, count: Int, as: T.Type) {
        base.withMemoryRebound(to: T.self, capacity: count) { values in
            for i in 0..<count {
                values[i] = values[i].byteSwapped
            }
        }
    }

    /// Splits `source`, `components` elements of `elementSize` bytes per voxel (RGBRGB...), into
    /// `components` planes of `target`, one after the other.
    static func deinterleave(
        _ source: UnsafeRawBufferPointer, into target: UnsafeMutableRawBufferPointer, components: Int,
        elementSize: Int = 1
    ) {
        if elementSize > 1 {
            let count = source.count / (components * elementSize)
            for i in 0..<count {
                for c in 0..<components {
                    (target.baseAddress! + (c * count + i) * elementSize).copyMemory(
                        from: source.baseAddress! + (i * components + c) * elementSize, byteCount: elementSize)
                }
            }
            return
        }
        guard let from = source.baseAddress?.assumingMemoryBound(to: UInt8.self),
            let to = target.baseAddress?.assumingMemoryBound(to: UInt8.self)
        else { return }
        let count = source.count / components
        switch components {
        case 3:
            for i in 0..<count {
                to[i] = from[3 &* i]
                to[count &+ i] = from[3 &* i &+ 1]
                to[2 &* count &+ i] = from[3 &* i &+ 2]
            }
        case 4:
            for i in 0..<count {
                to[i] = from[4 &* i]
                to[count &+ i] = from[4 &* i &+ 1]
                to[2 &* count &+ i] = from[4 &* i &+ 2]
                to[3 &* count &+ i] = from[4 &* i &+ 3]
            }
        default:
            for i in 0..<count {
                for c in 0..<components {
                    to[c &* count &+ i] = from[components &* i &+ c]
                }
            }
        }
    }
}

/// `readBlock` may be called from any thread at once (it opens its own file descriptor and
/// reads immutable state); `readSlab` keeps stream positions and must be called from one thread
/// at a time.
extension RawVolumeData: @unchecked Sendable {}
