import Codecs
import Precomputed

/// A NIfTI-1 or NIfTI-2 image (.nii, .nii.gz, or a .hdr/.img pair, either compressed), read
/// slab by slab in ascending z, or block by block when uncompressed.
public final class NIfTIVolume: VolumeFile {
    /// The path given to `init`.
    public let path: String
    /// The file holding the header (`path`, or the .hdr of a pair).
    public let headerPath: String
    /// The file holding the voxels (`path`, or the .img of a pair).
    public let dataPath: String
    public let header: NIfTIHeader
    public let options: VolumeOptions
    /// The voxels.
    public let data: RawVolumeData

    /// Opens `path` and reads its header. A .hdr or .img names a pair; anything else is a single
    /// file. Compression is detected from the gzip magic number, not the name.
    public init(path: String, options: VolumeOptions = VolumeOptions()) throws {
        self.path = path
        self.options = options
        let pair = try Self.pairFiles(path)
        headerPath = pair?.header ?? path
        dataPath = pair?.image ?? path

        let stream = try RawVolumeData.open(headerPath)
        let first = try RawVolumeData.read(stream, 4, path: headerPath)
        var bytes = first
        if let (version, _) = NIfTIHeader.identify(first) {
            bytes += try RawVolumeData.read(
                stream, NIfTIHeader.headerSize(version: version) - 4, path: headerPath)
        } else if first.count < 4 {
            throw VolumeError(
                path: headerPath,
                message: "file is truncated: the NIfTI header needs 348 or 540 bytes, found \(first.count)")
        }
        header = try NIfTIHeader(bytes: bytes, path: headerPath, singleFile: pair == nil)
        let ciftiName = Self.ciftiSuffixes.first { path.lowercased().hasSuffix($0) }
        if (3000...3099).contains(header.intentCode) || ciftiName != nil {
            let why = ciftiName.map { "its name ends in \($0)" } ?? "NIfTI intent code \(header.intentCode)"
            throw VolumeError(
                path: path,
                message:
                    "this is a CIFTI-2 file (\(why)): a CIFTI file is not a volume (its axes are brain models, "
                    + "parcels or series, not x, y and z), so it cannot be converted to chunks")
        }
        let type = header.dataType
        let dim = header.dim
        // The extension flag and any extensions are skipped: the data starts at vox_offset.
        data = try RawVolumeData(
            path: dataPath,
            layout: RawLayout(
                size: (0..<3).map { $0 < dim.count ? dim[$0] : 1 }, volumes: dim.dropFirst(3).reduce(1, *),
                componentType: type.componentType.storage,
                components: type.componentCount, littleEndian: header.littleEndian, offset: header.voxOffset),
            stream: pair == nil ? stream : nil)
    }

    /// The names of CIFTI-2 files, which are NIfTI-2 files but not volumes.
    static let ciftiSuffixes = [
        "dconn", "dtseries", "dscalar", "dlabel", "dpconn", "pconn", "ptseries", "pscalar", "pdconn", "pconnseries",
        "pconnscalar", "dfan", "fibertemp",
    ].map { ".\($0).nii" }

    public var formatName: String { "NIfTI-\(header.version)" }

    /// [x, y, z]; missing dimensions count as 1.
    public var size: [Int] { data.layout.size }

    /// The product of dims 4 to 7 (the reference reads the 4th axis as channels), times the
    /// colour components of RGB24 and RGBA32.
    public var channels: Int { data.layout.channels }

    /// The product of dims 4 to 7: how many 3-D volumes the file holds one after the other.
    public var volumes: Int { data.layout.volumes }

    public var elementType: DataType { data.layout.componentType }

    public var scaling: (slope: Double, inter: Double)? { options.ignoreScaling ? nil : header.scaling }

    public var declaredTypeName: String { header.scaledTypeName(ignoreScaling: options.ignoreScaling) }

    public var affine: [[Double]] { header.affine }

    public var isSeekable: Bool { data.isSeekable }

    public func readSlab(_ zRange: Range<Int>) throws -> VolumeSlab { try data.readSlab(zRange) }

    public func readBlock(x: Range<Int>? = nil, y: Range<Int>, z: Range<Int>) throws -> VolumeSlab {
        try data.readBlock(x: x, y: y, z: z)
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
        guard let other = candidates.first(where: RawVolumeData.exists) else {
            let role = lower == ".hdr" ? "image" : "header"
            throw VolumeError(
                path: path,
                message:
                    "the \(role) file of this pair is missing: expected \(candidates.joined(separator: " or "))"
            )
        }
        return lower == ".hdr" ? (path, other) : (other, path)
    }
}

extension NIfTIDataType {
    /// The precomputed data type of one component.
    var storage: DataType {
        switch componentType {
        case .uint8, .rgb24, .rgba32: .uint8
        case .int8: .int8
        case .uint16: .uint16
        case .int16: .int16
        case .uint32: .uint32
        case .int32: .int32
        case .uint64: .uint64
        case .int64: .int64
        case .float32: .float32
        case .float64: .float64
        }
    }
}
