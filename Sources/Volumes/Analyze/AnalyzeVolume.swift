import Codecs
import Precomputed

/// An Analyze 7.5 .hdr/.img pair (either file may be gzip-compressed) as `nibabel.load` opens
/// it: a `Spm2AnalyzeImage` (see `AnalyzeHeader`), the 4th and later dimensions as channels,
/// RGB as three uint8 channels.
public final class AnalyzeVolume: VolumeFile {
    public let path: String
    public let headerPath: String
    public let dataPath: String
    /// The .mat file the affine came from, if any.
    public let matPath: String?
    public let header: AnalyzeHeader
    public let options: VolumeOptions
    public let data: RawVolumeData
    public let affine: [[Double]]

    public init(path: String, options: VolumeOptions = VolumeOptions()) throws {
        self.path = path
        self.options = options
        guard let pair = try NIfTIVolume.pairFiles(path) else {
            throw VolumeError(
                path: path, message: "an Analyze 7.5 image is a .hdr/.img pair: name the .hdr or the .img")
        }
        headerPath = pair.header
        dataPath = pair.image
        let stream = try RawVolumeData.open(headerPath)
        header = try AnalyzeHeader(
            bytes: RawVolumeData.read(stream, AnalyzeHeader.size, path: headerPath), path: headerPath)
        let shape = header.shape
        let layout = RawLayout(
            size: (0..<3).map { $0 < shape.count ? shape[$0] : 1 }, volumes: shape.dropFirst(3).reduce(1, *),
            componentType: header.dataType.storage, components: header.dataType.components,
            littleEndian: header.littleEndian, offset: header.voxOffset)
        try checkCompressedSize(path: dataPath, layout: layout)
        data = try RawVolumeData(path: dataPath, layout: layout)
        let mat = Self.matFile(path)
        if let mat, RawVolumeData.exists(mat), let matrix = try Self.matAffine(mat) {
            matPath = mat
            affine = matrix
        } else {
            matPath = nil
            affine = header.originAffine
        }
    }

    public var formatName: String { "Analyze 7.5" }
    public var size: [Int] { data.layout.size }
    public var channels: Int { data.layout.channels }
    public var elementType: DataType { data.layout.componentType }

    /// SPM2 scaling; none for RGB, which nibabel cannot scale.
    public var scaling: (slope: Double, inter: Double)? {
        options.ignoreScaling || header.dataType == .rgb24 ? nil : header.scaling
    }

    public var declaredTypeName: String { header.declaredTypeName(ignoreScaling: options.ignoreScaling) }
    public var isSeekable: Bool { data.isSeekable }

    public func readSlab(_ zRange: Range<Int>) throws -> VolumeSlab { try data.readSlab(zRange) }

    public func readBlock(x: Range<Int>? = nil, y: Range<Int>, z: Range<Int>) throws -> VolumeSlab {
        try data.readBlock(x: x, y: y, z: z)
    }

    /// The .mat file nibabel looks for: the given name with .mat for .hdr/.img (.MAT when the
    /// extension is upper case), keeping a .gz.
    static func matFile(_ path: String) -> String? {
        var stem = path
        var gz = ""
        if stem.lowercased().hasSuffix(".gz") {
            gz = String(stem.suffix(3))
            stem.removeLast(3)
        }
        let ext = String(stem.suffix(4))
        guard [".hdr", ".img"].contains(ext.lowercased()) else { return nil }
        stem.removeLast(4)
        return stem + (ext == ext.uppercased() ? ".MAT" : ".mat") + gz
    }

    /// `Spm99AnalyzeImage.from_file_map`'s .mat affine: 'mat' (its first 4x4 when it holds
    /// several), else 'M' with x flipped; then shifted so that voxel (0, 0, 0) is MATLAB's
    /// (1, 1, 1). Nil for an empty file (nibabel ignores it).
    static func matAffine(_ path: String) throws -> [[Double]]? {
        let stream = try RawVolumeData.open(path)
        let bytes = try RawVolumeData.read(stream, MatFile.maximumSize + 1, path: path)
        if bytes.isEmpty { return nil }
        guard bytes.count <= MatFile.maximumSize else {
            throw VolumeError(path: path, message: "this .mat file is too large to hold an affine")
        }
        let file = try MatFile(bytes: bytes, path: path)
        var matrix: [[Double]]
        if let mat = file.matrices["mat"] {
            guard mat.dims.count >= 2, mat.dims[0] == 4, mat.dims[1] == 4, mat.values.count >= 16 else {
                throw VolumeError(path: path, message: "the 'mat' affine is \(mat.dims), not 4x4")
            }
            matrix = (0..<4).map { r in (0..<4).map { c -> Double in mat.values[c * 4 + r] } }
        } else if let m = file.matrices["M"] {
            guard m.dims == [4, 4] else {
                throw VolumeError(path: path, message: "the 'M' affine is \(m.dims), not 4x4")
            }
            // numpy's dot with diag(-1, 1, 1, 1) sums zero terms in: -0 comes out as +0.
            matrix = (0..<4).map { r in
                (0..<4).map { c -> Double in
                    let value = m.values[c * 4 + r]
                    return r == 0 ? 0 - value : value
                }
            }
        } else {
            throw VolumeError(path: path, message: "mat file found but no \"mat\" or \"M\" in it")
        }
        for r in 0..<4 {
            let row: [Double] = matrix[r]
            matrix[r][3] = ((row[0] + row[1]) + row[2]) + row[3]
        }
        return matrix
    }
}
