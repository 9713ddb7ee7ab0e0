import Precomputed

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A Philips PAR/REC pair: the PAR text header and the REC file of 2-D images (8- or 16-bit
/// unsigned, little-endian, uncompressed), in the order of the PAR image lines. nibabel's
/// `PARRECImage` with its `load` defaults: the images sorted into (x, y, slice, volume), each
/// slice scaled by its own rescale slope and intercept ('dv' values, float64), the volumes as
/// channels.
///
/// Every read takes exactly the images it needs, with one `pread` per image and volume, so slabs
/// and blocks come in any order from any thread.
public final class PARRECVolume: VolumeFile {
    /// The path given to `init` (the .PAR or the .REC).
    public let path: String
    public let parPath: String
    public let recPath: String
    public let header: PARHeader
    public let options: VolumeOptions

    /// Opens the pair `path` belongs to, reads and checks the PAR header, and checks that the REC
    /// file holds every image the header lists.
    public init(path: String, options: VolumeOptions = VolumeOptions()) throws {
        self.path = path
        self.options = options
        (parPath, recPath) = try Self.pairFiles(path)
        header = try PARHeader(bytes: Self.readText(parPath), path: parPath)

        var info = stat()
        guard stat(recPath, &info) == 0 else {
            throw VolumeError(path: recPath, message: String(cString: strerror(errno)))
        }
        let (x, y) = (header.size[0], header.size[1])
        let (image, overflow1) = x.multipliedReportingOverflow(by: y * header.bitsPerPixel / 8)
        let (expected, overflow2) = image.multipliedReportingOverflow(by: header.images.rows)
        if overflow1 || overflow2 || Int(info.st_size) < expected {
            let needed = overflow1 || overflow2 ? "more than can be addressed" : "\(expected) bytes"
            throw VolumeError(
                path: recPath,
                message:
                    "file is truncated: it has \(info.st_size) bytes, but the PAR header lists \(header.images.rows) "
                    + "images of \(x) x \(y) \(header.bitsPerPixel)-bit values (\(needed))")
        }
    }

    public var formatName: String { "PAR/REC" }

    public var size: [Int] { header.size }

    /// The volumes (dynamics, echoes, phases... as nibabel sorts them).
    public var channels: Int { header.volumes }

    /// float64 ('dv' values), or the stored unsigned type with `ignoreScaling`.
    public var elementType: DataType {
        if !options.ignoreScaling { return .float64 }
        return header.bitsPerPixel == 8 ? .uint8 : .uint16
    }

    /// Applied while reading (it varies from slice to slice).
    public var scaling: (slope: Double, inter: Double)? { nil }

    public var declaredTypeName: String { elementType.rawValue }

    public var affine: [[Double]] { header.affine }

    public var isSeekable: Bool { true }

    public func readSlab(_ zRange: Range<Int>) throws -> VolumeSlab {
        try readBlock(x: nil, y: 0..<header.size[1], z: zRange)
    }

    public func readBlock(x xRange: Range<Int>?, y yRange: Range<Int>, z zRange: Range<Int>) throws -> VolumeSlab {
        let (nx, ny, nz) = (header.size[0], header.size[1], header.size[2])
        let xRange = xRange ?? 0..<nx
        guard xRange.lowerBound >= 0, xRange.upperBound <= nx, yRange.lowerBound >= 0, yRange.upperBound <= ny,
            zRange.lowerBound >= 0, zRange.upperBound <= nz
        else {
            throw VolumeError(
                path: recPath,
                message:
                    "block x \(xRange), y \(yRange), z \(zRange) is outside the volume of \(nx) x \(ny) x \(nz) voxels")
        }
        let pixelBytes = header.bitsPerPixel / 8
        let rowBytes = nx * pixelBytes
        let imageBytes = ny * rowBytes
        let runBytes = yRange.count * rowBytes
        let planeValues = xRange.count * yRange.count
        let valueCount = planeValues * zRange.count * channels
        let outputSize = options.ignoreScaling ? pixelBytes : 8
        let fd = open(recPath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw VolumeError(path: recPath, message: String(cString: strerror(errno))) }
        defer { close(fd) }
        var run = [UInt8](repeating: 0, count: runBytes)
        var bytes = [UInt8](repeating: 0, count: valueCount * outputSize)
        for volume in 0..<channels {
            for (zIndex, z) in zRange.enumerated() {
                let image = header.recOrder[volume * nz + z]
                try readFully(fd, &run, at: image * imageBytes + yRange.lowerBound * rowBytes)
                let first = (volume * zRange.count + zIndex) * planeValues
                let scaling = options.ignoreScaling ? nil : header.scaling(z: z, volume: volume)
                run.withUnsafeBytes { source in
                    bytes.withUnsafeMutableBytes { output in
                        Self.convert(
                            source, into: output, first: first, pixelBytes: pixelBytes, rowBytes: rowBytes,
                            x: xRange, rows: yRange.count, scaling: scaling)
                    }
                }
            }
        }
        return VolumeSlab(
            size: [xRange.count, yRange.count, zRange.count], channels: channels, elementType: elementType,
            bytes: bytes)
    }

    /// Copies the `x` columns of `rows` rows of one image (little-endian values) into `output`
    /// from value `first` on: as stored (host order), or scaled to float64 (stored · slope + inter).
    private static func convert(
        _ source: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, first: Int, pixelBytes: Int,
        rowBytes: Int, x: Range<Int>, rows: Int, scaling: (slope: Double, inter: Double)?
    ) {
        var index = first
        for row in 0..<rows {
            let start = row * rowBytes
            for column in x {
                let offset = start + column * pixelBytes
                let stored: UInt16 =
                    pixelBytes == 1
                    ? UInt16(source[offset]) : UInt16(source[offset]) | UInt16(source[offset + 1]) << 8
                if let (slope, inter) = scaling {
                    // numpy: raw * slope, then + inter (two roundings, as nibabel's proxy).
                    let product = Double(stored) * slope
                    output.storeBytes(of: product + inter, toByteOffset: index * 8, as: Double.self)
                } else if pixelBytes == 1 {
                    output[index] = UInt8(truncatingIfNeeded: stored)
                } else {
                    output.storeBytes(of: stored, toByteOffset: index * 2, as: UInt16.self)
                }
                index += 1
            }
        }
    }

    private func readFully(_ fd: Int32, _ buffer: inout [UInt8], at offset: Int) throws {
        let count = buffer.count
        try buffer.withUnsafeMutableBytes { target in
            var done = 0
            while done < count {
                let got = pread(fd, target.baseAddress! + done, count - done, off_t(offset + done))
                if got < 0 {
                    if errno == EINTR { continue }
                    throw VolumeError(path: recPath, message: String(cString: strerror(errno)))
                }
                if got == 0 {
                    throw VolumeError(
                        path: recPath, message: "file is truncated: the data ends before byte \(offset + count)")
                }
                done += got
            }
        }
    }

    // MARK: - Files

    /// The PAR and REC files of the pair `path` names (.PAR or .REC in any case): the other file
    /// with the extension in the same case (nibabel's choice: upper for an upper-case extension,
    /// else lower), or else in the other case.
    static func pairFiles(_ path: String) throws -> (par: String, rec: String) {
        let ext = String(path.suffix(4))
        let lower = ext.lowercased()
        guard lower == ".par" || lower == ".rec" else {
            if [".gz", ".bz2", ".zst"].contains(where: path.lowercased().hasSuffix) {
                throw VolumeError(
                    path: path, message: "compressed PAR/REC files are not supported: decompress the .PAR and .REC")
            }
            throw VolumeError(path: path, message: "a PAR/REC file needs a .PAR or .REC name to find its pair")
        }
        let stem = String(path.dropLast(4))
        let isUpper = ext == ext.uppercased()
        let other = lower == ".par" ? ".rec" : ".par"
        let candidates = [stem + (isUpper ? other.uppercased() : other), stem + (isUpper ? other : other.uppercased())]
        guard let found = candidates.first(where: RawVolumeData.exists) else {
            let role = lower == ".par" ? "REC (image)" : "PAR (header)"
            throw VolumeError(
                path: path,
                message: "the \(role) file of this pair is missing: expected \(candidates.joined(separator: " or "))")
        }
        return lower == ".par" ? (path, found) : (found, path)
    }

    /// The PAR file's bytes (a text header: at most 256 MiB).
    static func readText(_ path: String) throws -> [UInt8] {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw VolumeError(path: path, message: String(cString: strerror(errno)))
        }
        guard info.st_size <= 256 << 20 else {
            throw VolumeError(path: path, message: "too large for a PAR header (\(info.st_size) bytes, over 256 MiB)")
        }
        let stream = try RawVolumeData.open(path, compressed: false)
        return try RawVolumeData.read(stream, Int(info.st_size), path: path)
    }
}
