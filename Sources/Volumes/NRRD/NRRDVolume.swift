import Codecs
import Precomputed

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A NRRD volume: an attached `.nrrd` or a detached `.nhdr` whose `data file` holds the voxels,
/// raw, gzip- or bzip2-encoded, read slab by slab (compressed data as a stream) or, raw, block by block.
///
/// Axes: the three axes with a `space directions` vector are x, y and z, in file order; one axis
/// with `none` (or, without space directions, a non-spatial `kinds` entry or a NaN spacing) is
/// the channels: first, its values are interleaved components (vector or RGB data); last, the
/// volumes follow one another. Values are pynrrd's; the affine is the RAS one that the same data
/// saved as NIfTI would have: the direction vectors as columns, the origin as translation, x and y
/// negated for a left-posterior-superior space, x for left-anterior-superior.
public final class NRRDVolume: VolumeFile {
    public let path: String
    public let header: NRRDHeader
    /// The file holding the voxels (`path`, or the detached header's data file).
    public let dataPath: String
    public let data: RawVolumeData
    public let affine: [[Double]]

    public init(path: String, options: VolumeOptions = VolumeOptions()) throws {
        self.path = path
        let header = try NRRDHeader(path: path)
        self.header = header
        let (spatial, components, volumes) = try Self.axes(header, path: path)
        let size = spatial.map { header.sizes[$0] }
        affine = try Self.affine(header, spatial: spatial, path: path)

        switch header.encoding {
        case .raw, .gzip, .bzip2: break
        case .ascii, .hex:
            throw VolumeError(
                path: path,
                message:
                    "NRRD \(header.encoding.rawValue) encoding is not supported: re-save the file with raw, gzip or "
                    + "bzip2 encoding")
        }
        var dataStart = 0
        if let file = header.dataFile {
            dataPath = try Self.dataFile(file, header: path)
        } else {
            dataPath = path
            dataStart = header.length
        }
        guard RawVolumeData.exists(dataPath) else {
            throw VolumeError(path: path, message: "the NRRD data file \(dataPath) does not exist")
        }
        dataStart = try Self.skipLines(header.lineSkip, in: dataPath, from: dataStart)

        var layout = RawLayout(
            size: size, volumes: volumes, componentType: header.type, components: components,
            littleEndian: header.littleEndian, offset: 0)
        let voxels = size.reduce(1, *).multipliedReportingOverflow(by: components * volumes)
        let bytes = voxels.partialValue.multipliedReportingOverflow(by: header.type.size)
        let fileSize = try Self.fileSize(dataPath)
        if voxels.overflow || bytes.overflow {
            throw VolumeError(path: path, message: "NRRD sizes \(header.sizes) are too large")
        }
        if header.encoding == .gzip || header.encoding == .bzip2 {
            let name = header.encoding.rawValue
            guard header.byteSkip >= 0 else {
                throw VolumeError(
                    path: path, message: "NRRD byte skip -1 (data at the end) is not supported with \(name) encoding")
            }
            let compression: RawCompression =
                header.encoding == .gzip ? .gzip(start: dataStart) : .bzip2(start: dataStart)
            // A larger claim than the compressed bytes can expand to is a corrupt header (gzip is
            // allowed 1 KiB of slack for its small headers; a bzip2 claim is already generous).
            let slack = header.encoding == .gzip ? 1024 : 0
            if let expansion = compression.maximumExpansion,
                bytes.partialValue / expansion > fileSize - dataStart + slack
            {
                throw VolumeError(
                    path: dataPath,
                    message:
                        "file is truncated: \(fileSize - dataStart) bytes of \(name) data cannot hold the "
                        + "\(bytes.partialValue) bytes of voxels the NRRD header describes")
            }
            layout.offset = header.byteSkip
            data = try RawVolumeData(path: dataPath, layout: layout, compression: compression)
        } else {
            layout.offset = header.byteSkip == -1 ? max(0, fileSize - bytes.partialValue) : dataStart + header.byteSkip
            data = try RawVolumeData(path: dataPath, layout: layout, compression: .none)
        }
    }

    public var formatName: String { "NRRD" }
    public var size: [Int] { data.layout.size }
    public var channels: Int { data.layout.channels }
    public var elementType: DataType { data.layout.componentType }
    public var scaling: (slope: Double, inter: Double)? { nil }
    public var isSeekable: Bool { data.isSeekable }

    public func readSlab(_ zRange: Range<Int>) throws -> VolumeSlab { try data.readSlab(zRange) }

    public func readBlock(x: Range<Int>? = nil, y: Range<Int>, z: Range<Int>) throws -> VolumeSlab {
        try data.readBlock(x: x, y: y, z: z)
    }

    // MARK: - Axes and affine

    /// The spatial axes (three, in file order), and the sizes of the non-spatial axis before them
    /// (interleaved components) and after them (volumes), 1 when absent.
    static func axes(_ header: NRRDHeader, path: String) throws -> (spatial: [Int], components: Int, volumes: Int) {
        let n = header.sizes.count
        var isSpatial: [Bool]
        if let directions = header.spaceDirections {
            guard directions.count == n else {
                throw VolumeError(
                    path: path, message: "NRRD space directions has \(directions.count) entries for dimension \(n)")
            }
            isSpatial = directions.map { $0 != nil }
        } else {
            isSpatial = [Bool](repeating: true, count: n)
            if let kinds = header.kinds, kinds.count == n {
                let spatialKinds: Set<String> = ["domain", "space", "???", "none"]
                isSpatial = kinds.map { spatialKinds.contains($0) }
            }
            if let spacings = header.spacings, spacings.count == n {
                for (i, spacing) in spacings.enumerated() where spacing.isNaN { isSpatial[i] = false }
            }
            // A 4-D file saying nothing: the last axis is time (or channels), as in NIfTI.
            if n == 4 && isSpatial.allSatisfy({ $0 }) { isSpatial[3] = false }
        }
        let spatial = isSpatial.indices.filter { isSpatial[$0] }
        guard spatial.count == 3 else {
            throw VolumeError(
                path: path,
                message:
                    "this NRRD file has \(spatial.count) spatial axes (sizes \(header.sizes.map(String.init).joined(separator: " "))): "
                    + "nprec converts 3-D volumes, with at most one non-spatial (channel) axis before or after them")
        }
        let before = spatial[0]
        let after = n - 1 - spatial[2]
        guard spatial[2] - spatial[0] == 2, before <= 1, after <= 1 else {
            throw VolumeError(
                path: path,
                message:
                    "the non-spatial axes of this NRRD file (sizes \(header.sizes.map(String.init).joined(separator: " "))) "
                    + "must come first (interleaved components) or last (one volume after another), one of each at most"
            )
        }
        return (spatial, before == 1 ? header.sizes[0] : 1, after == 1 ? header.sizes[n - 1] : 1)
    }

    /// The RAS affine (voxel index to millimetres) from the space directions and origin, or from
    /// the spacings (1 when absent) with the origin at 0.
    static func affine(_ header: NRRDHeader, spatial: [Int], path: String) throws -> [[Double]] {
        let sign: [Double]
        switch header.space {
        case nil, "ras", "right-anterior-superior", "scanner-xyz", "3d-right-handed": sign = [1, 1, 1]
        case "lps", "left-posterior-superior": sign = [-1, -1, 1]
        case "las", "left-anterior-superior": sign = [-1, 1, 1]
        case let space?:
            throw VolumeError(
                path: path,
                message: "NRRD space '\(space)' is not supported (RAS, LPS, LAS and scanner-xyz are, without time)")
        }
        var matrix: [[Double]] = [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1]]
        if let directions = header.spaceDirections {
            for (column, axis) in spatial.enumerated() {
                guard let vector = directions[axis], vector.count == 3, vector.allSatisfy(\.isFinite) else {
                    throw VolumeError(
                        path: path, message: "NRRD space directions must be vectors of 3 finite numbers in a 3-D space")
                }
                for row in 0..<3 { matrix[row][column] = vector[row] }
            }
        } else {
            for (column, axis) in spatial.enumerated() {
                var spacing = header.spacings.flatMap { axis < $0.count ? $0[axis] : nil } ?? 1
                if !spacing.isFinite || spacing == 0 { spacing = 1 }
                matrix[column][column] = spacing
            }
        }
        if let origin = header.spaceOrigin {
            guard origin.count == 3, origin.allSatisfy(\.isFinite) else {
                throw VolumeError(path: path, message: "NRRD space origin must be 3 finite numbers")
            }
            for row in 0..<3 { matrix[row][3] = origin[row] }
        }
        if let units = header.spaceUnits {
            guard units.count == 3 else {
                throw VolumeError(path: path, message: "NRRD space units must name 3 units, one per world axis")
            }
            for (row, unit) in units.enumerated() {
                guard let factor = millimetres[unit] else {
                    throw VolumeError(
                        path: path,
                        message: "NRRD space unit '\(unit)' is not a length nprec knows (mm, microns, nm, cm, m)")
                }
                if factor != 1 { for column in 0..<4 { matrix[row][column] *= factor } }
            }
        }
        for row in 0..<3 where sign[row] < 0 {
            for column in 0..<4 where matrix[row][column] != 0 { matrix[row][column] = -matrix[row][column] }
        }
        return matrix
    }

    /// Millimetres per unit of `space units` (an empty unit is taken as millimetres, the NIfTI
    /// convention the affine follows).
    static let millimetres: [String: Double] = {
        var table: [String: Double] = ["": 1]
        let names: [(Double, [String])] = [
            (1, ["mm", "millimeter", "millimeters", "millimetre", "millimetres"]),
            (1e-3, ["um", "µm", "μm", "micron", "microns", "micrometer", "micrometers", "micrometre", "micrometres"]),
            (1e-6, ["nm", "nanometer", "nanometers", "nanometre", "nanometres"]),
            (10, ["cm", "centimeter", "centimeters", "centimetre", "centimetres"]),
            (1000, ["m", "meter", "meters", "metre", "metres"]),
        ]
        for (factor, words) in names { for word in words { table[word] = factor } }
        return table
    }()

    // MARK: - Files

    /// The single data file of a detached header, relative to the header's directory; the LIST and
    /// format-string forms (several files) are refused.
    static func dataFile(_ value: String, header: String) throws -> String {
        let words = value.split(whereSeparator: \.isWhitespace)
        if words.first == "LIST" {
            throw VolumeError(
                path: header,
                message: "NRRD 'data file: LIST' (data in several files) is not supported: one data file is")
        }
        if value.contains("%") && words.count >= 4 {
            throw VolumeError(
                path: header,
                message:
                    "NRRD 'data file: \(value)' (a format string for several files) is not supported: one data file is")
        }
        if value.hasPrefix("/") { return value }
        guard let slash = header.lastIndex(of: "/") else { return value }
        return String(header[...slash]) + value
    }

    /// The offset after `count` more lines from byte `start` of `path`.
    static func skipLines(_ count: Int, in path: String, from start: Int) throws -> Int {
        guard count > 0 else { return start }
        let stream = try RawVolumeData.open(path, compressed: false, start: start, blockSize: 1 << 16)
        var offset = start
        var left = count
        while left > 0 {
            let block = try RawVolumeData.read(stream, 1 << 16, path: path)
            guard !block.isEmpty else {
                throw VolumeError(path: path, message: "file is truncated: it ends within the \(count) lines to skip")
            }
            for (i, byte) in block.enumerated() where byte == 0x0a {
                left -= 1
                if left == 0 { return offset + i + 1 }
            }
            offset += block.count
        }
        return offset
    }

    static func fileSize(_ path: String) throws -> Int {
        var info = stat()
        guard stat(path, &info) == 0 else { throw VolumeError(path: path, message: String(cString: strerror(errno))) }
        return Int(info.st_size)
    }
}
