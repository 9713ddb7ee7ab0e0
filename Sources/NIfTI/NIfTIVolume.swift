import Codecs

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Voxels for a range of z from `NIfTIVolume.readSlab`.
public struct NIfTISlab: Sendable {
    /// [x, y, number of z slices].
    public var size: [Int]
    /// Channels: the t volumes (dims 4 to 7), times the colour components for RGB24/RGBA32.
    public var channels: Int
    /// The type of each value (`.uint8` for RGB24 and RGBA32).
    public var elementType: NIfTIDataType
    /// Values in host byte order, x fastest, then y, then z, then channel.
    public var bytes: [UInt8]

    public init(size: [Int], channels: Int, elementType: NIfTIDataType, bytes: [UInt8]) {
        self.size = size
        self.channels = channels
        self.elementType = elementType
        self.bytes = bytes
    }
}

/// A NIfTI-1 or NIfTI-2 image (.nii, .nii.gz, or a .hdr/.img pair, either compressed), read
/// slab by slab in ascending z. A compressed file is never decompressed whole: each t volume has
/// its own stream, kept at the position of the next slab.
public final class NIfTIVolume {
    /// The path given to `init`.
    public let path: String
    /// The file holding the header (`path`, or the .hdr of a pair).
    public let headerPath: String
    /// The file holding the voxels (`path`, or the .img of a pair).
    public let dataPath: String
    public let header: NIfTIHeader

    /// One stream per t volume, opened on the first read.
    private var streams: [ByteStream] = []
    /// The header stream of a single file, reused for the first t volume.
    private var headerStream: ByteStream?
    /// The first z not read yet.
    private var nextZ = 0
    /// The error that stopped an earlier read, thrown again by later ones.
    private var failure: NIfTIError?
    /// Interleaved RGB(A) bytes of one volume's slab, before de-interleaving.
    private var scratch: [UInt8] = []

    /// Opens `path` and reads its header. A .hdr or .img names a pair; anything else is a single
    /// file. Compression is detected from the gzip magic number, not the name.
    public init(path: String) throws {
        self.path = path
        let pair = try Self.pairFiles(path)
        headerPath = pair?.header ?? path
        dataPath = pair?.image ?? path

        let stream = try Self.open(headerPath)
        let first = try Self.read(stream, 4, path: headerPath)
        var bytes = first
        if let (version, _) = NIfTIHeader.identify(first) {
            bytes += try Self.read(
                stream, NIfTIHeader.headerSize(version: version) - 4, path: headerPath)
        } else if first.count < 4 {
            throw NIfTIError(
                path: headerPath,
                message: "file is truncated: the NIfTI header needs 348 or 540 bytes, found \(first.count)")
        }
        header = try NIfTIHeader(bytes: bytes, path: headerPath, singleFile: pair == nil)

        // The extension flag and any extensions are skipped: the data starts at vox_offset.
        if pair == nil {
            headerStream = stream
        }
        try checkLength()
    }

    /// [x, y, z]; missing dimensions count as 1.
    public var size: [Int] {
        (0..<3).map { $0 < header.dim.count ? header.dim[$0] : 1 }
    }

    /// The product of dims 4 to 7 (the reference reads the 4th axis as channels), times the
    /// colour components of RGB24 and RGBA32.
    public var channels: Int { volumes * header.dataType.componentCount }

    /// The product of dims 4 to 7: how many 3-D volumes the file holds one after the other.
    public var volumes: Int { header.dim.dropFirst(3).reduce(1, *) }

    /// Reads the voxels of the z slices in `zRange`. Calls must ask for ascending z: each range
    /// starts at or after the end of the previous one (the first at or after 0); skipped slices are
    /// read and dropped. Values come in host byte order, x fastest, then y, then z, then channel
    /// (the t volume, and for RGB24/RGBA32 the colour component within it: channel t·k + c).
    public func readSlab(_ zRange: Range<Int>) throws -> NIfTISlab {
        if let failure { throw failure }
        let nz = size[2]
        guard zRange.lowerBound >= nextZ, zRange.upperBound <= nz else {
            throw NIfTIError(
                path: dataPath,
                message:
                    "slab z \(zRange.lowerBound)..<\(zRange.upperBound) cannot be read: slabs must come in ascending z "
                    + "within 0..<\(nz), and z up to \(nextZ) was already read"
            )
        }
        do {
            return try readSlabOnce(zRange)
        } catch let error as NIfTIError {
            // The streams are now at unknown positions: later slabs cannot be trusted.
            failure = error
            throw error
        }
    }

    private func readSlabOnce(_ zRange: Range<Int>) throws -> NIfTISlab {
        let (nx, ny, nz) = (size[0], size[1], size[2])
        let type = header.dataType
        let components = type.componentCount
        let sliceBytes = nx * ny * type.bytesPerVoxel
        let volumeBytes = sliceBytes * nz
        let slabBytes = sliceBytes * zRange.count
        if streams.isEmpty { try openStreams(volumeBytes: volumeBytes) }
        let skip = (zRange.lowerBound - nextZ) * sliceBytes
        let swap = type.bytesPerComponent > 1 && header.littleEndian != (1.littleEndian == 1)
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
                    if swap { ByteOrder.swap(target, elementSize: type.bytesPerComponent) }
                } else {
                    try scratch.withUnsafeMutableBytes { interleaved in
                        let source = UnsafeMutableRawBufferPointer(rebasing: interleaved[0..<slabBytes])
                        try fill(stream, source, volume: volume)
                        ByteOrder.deinterleave(UnsafeRawBufferPointer(source), into: target, components: components)
                    }
                }
            }
            initialized = slabBytes * volumes
        }
        nextZ = zRange.upperBound
        return NIfTISlab(
            size: [nx, ny, zRange.count], channels: channels, elementType: type.componentType, bytes: bytes)
    }

    // MARK: - Random access (uncompressed files)

    /// True when the voxel data is uncompressed, so `readBlock` can read any part of it.
    public var isSeekable: Bool { (try? Self.isGzip(dataPath)) == false }

    /// Reads the box `xRange` x `yRange` x `zRange` (all columns when `xRange` is nil), in any
    /// order and from any thread (the file is opened per call; one `pread` per slice when whole
    /// rows are read, per row otherwise). Same layout as `readSlab`: x fastest, then y, z,
    /// channel. Only for uncompressed data.
    public func readBlock(x xRange: Range<Int>? = nil, y yRange: Range<Int>, z zRange: Range<Int>) throws -> NIfTISlab {
        let (nx, ny, nz) = (size[0], size[1], size[2])
        let xRange = xRange ?? 0..<nx
        let type = header.dataType
        let components = type.componentCount
        let voxelBytes = type.bytesPerVoxel
        let rowBytes = nx * voxelBytes
        let sliceBytes = ny * rowBytes
        let volumeBytes = sliceBytes * nz
        let wholeRows = xRange.count == nx
        // One contiguous run: whole rows of the y range, or the x range of one row.
        let runBytes = wholeRows ? yRange.count * rowBytes : xRange.count * voxelBytes
        let runsPerSlice = wholeRows ? 1 : yRange.count
        let blockBytes = xRange.count * yRange.count * zRange.count * voxelBytes
        let swap = type.bytesPerComponent > 1 && header.littleEndian != (1.littleEndian == 1)
        let fd = Glibc.open(dataPath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw NIfTIError(path: dataPath, message: String(cString: strerror(errno))) }
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
                                header.voxOffset + volume * volumeBytes + z * sliceBytes
                                + (yRange.lowerBound + r) * rowBytes + xRange.lowerBound * voxelBytes
                            var done = 0
                            while done < runBytes {
                                let got = pread(
                                    fd, destination.baseAddress! + run * runBytes + done, runBytes - done,
                                    off_t(offset + done))
                                if got < 0 {
                                    if errno == EINTR { continue }
                                    throw NIfTIError(path: dataPath, message: String(cString: strerror(errno)))
                                }
                                if got == 0 {
                                    throw truncated("the data ends before byte \(offset + runBytes)", volume: volume)
                                }
                                done += got
                            }
                            run += 1
                        }
                    }
                    if components > 1 {
                        ByteOrder.deinterleave(
                            UnsafeRawBufferPointer(interleaved), into: target, components: components)
                    } else if swap {
                        ByteOrder.swap(target, elementSize: type.bytesPerComponent)
                    }
                }
            }
            initialized = blockBytes * volumes
        }
        return NIfTISlab(
            size: [xRange.count, yRange.count, zRange.count], channels: channels, elementType: type.componentType,
            bytes: bytes)
    }

    // MARK: - Streams

    /// Opens one stream per t volume, each positioned at its volume's first byte.
    private func openStreams(volumeBytes: Int) throws {
        let count = volumes
        // Bounded buffers however many volumes there are.
        let blockSize = max(1 << 16, min(1 << 20, (64 << 20) / count))
        for volume in 0..<count {
            let stream: ByteStream
            let start = header.voxOffset + volume * volumeBytes
            if volume == 0, let headerStream {
                stream = headerStream
                self.headerStream = nil
            } else {
                stream = try Self.open(dataPath, blockSize: blockSize)
            }
            let ahead = start - stream.position
            if ahead > 0 { try skipBytes(stream, ahead, volume: volume) }
            streams.append(stream)
        }
    }

    /// Fills `buffer` from `stream`, or throws naming the data file when the data ends early.
    private func fill(_ stream: ByteStream, _ buffer: UnsafeMutableRawBufferPointer, volume: Int) throws {
        let start = stream.position
        let got: Int
        do {
            got = try stream.read(into: buffer)
        } catch let error as CodecError {
            if error.message.contains("truncated") {
                throw truncated("the compressed data ends before byte \(start + buffer.count)", volume: volume)
            }
            throw NIfTIError(path: dataPath, codecError: error)
        }
        if got < buffer.count {
            throw truncated("the data ends at byte \(stream.position)", volume: volume)
        }
    }

    private func skipBytes(_ stream: ByteStream, _ count: Int, volume: Int) throws {
        let start = stream.position
        do {
            try stream.skip(count)
        } catch let error as CodecError {
            if error.message.contains("truncated") {
                throw truncated("the data ends before byte \(start + count)", volume: volume)
            }
            throw NIfTIError(path: dataPath, codecError: error)
        }
    }

    private func truncated(_ detail: String, volume: Int) -> NIfTIError {
        let expected = header.voxOffset + header.dataByteCount
        let which = volumes > 1 ? " (in volume \(volume))" : ""
        return NIfTIError(
            path: dataPath,
            message:
                "file is truncated: \(detail)\(which), but the header describes \(header.dataByteCount) bytes "
                + "of voxels from byte \(header.voxOffset) (to byte \(expected))"
        )
    }

    /// For an uncompressed data file, checks its length up front.
    private func checkLength() throws {
        guard !(try Self.isGzip(dataPath)) else { return }
        var info = stat()
        guard stat(dataPath, &info) == 0 else {
            throw NIfTIError(path: dataPath, message: String(cString: strerror(errno)))
        }
        let expected = header.voxOffset + header.dataByteCount
        if Int(info.st_size) < expected {
            throw NIfTIError(
                path: dataPath,
                message:
                    "file is truncated: it has \(info.st_size) bytes, but the header describes "
                    + "\(header.dataByteCount) bytes of voxels from byte \(header.voxOffset) (to byte \(expected))"
            )
        }
    }

    // MARK: - Files

    private static func open(_ path: String, compressed: Bool? = nil, blockSize: Int = 1 << 20) throws -> ByteStream {
        do {
            return try ByteStream(path: path, compressed: compressed, blockSize: blockSize)
        } catch let error as CodecError {
            throw NIfTIError(path: path, codecError: error)
        }
    }

    /// Reads up to `count` bytes; fewer only at the end of the file.
    private static func read(_ stream: ByteStream, _ count: Int, path: String) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        do {
            let got = try bytes.withUnsafeMutableBytes { try stream.read(into: $0) }
            bytes.removeSubrange(got...)
        } catch let error as CodecError {
            throw NIfTIError(path: path, codecError: error)
        }
        return bytes
    }

    private static func isGzip(_ path: String) throws -> Bool {
        let stream = try open(path, compressed: false, blockSize: 16)
        let magic = try read(stream, 2, path: path)
        return magic == [0x1f, 0x8b]
    }

    private static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    /// The header and image files of a pair, when `path` names one (.hdr or .img, optionally
    /// .gz); nil for a single file.
    static func pairFiles(_ path: String) throws -> (header: String, image: String)? {
        var stem = path
        var gz = ""
        if stem.lowercased().hasSuffix(".gz") {
            gz = String(stem.suffix(3))
            stem.removeLast(3)
        }
        let ext = String(stem.suffix(4))
        let lower = ext.lowercased()
        guard lower == ".hdr" || lower == ".img" else { return nil }
        stem.removeLast(4)
        let isUpper = ext == ext.uppercased()
        let otherExt = lower == ".hdr" ? (isUpper ? ".IMG" : ".img") : (isUpper ? ".HDR" : ".hdr")
        let otherGz = isUpper ? ".GZ" : ".gz"
        // Prefer the same compression as the given file, then the other.
        let candidates =
            gz.isEmpty ? [stem + otherExt, stem + otherExt + otherGz] : [stem + otherExt + gz, stem + otherExt]
        guard let other = candidates.first(where: exists) else {
            let role = lower == ".hdr" ? "image" : "header"
            throw NIfTIError(
                path: path,
                message:
                    "the \(role) file of this pair is missing: expected \(candidates.joined(separator: " or "))"
            )
        }
        return lower == ".hdr" ? (path, other) : (other, path)
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

    /// Splits `source`, `components` bytes per voxel (RGBRGB...), into `components` planes of
    /// `target`, one after the other.
    static func deinterleave(
        _ source: UnsafeRawBufferPointer, into target: UnsafeMutableRawBufferPointer, components: Int
    ) {
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
extension NIfTIVolume: @unchecked Sendable {}
