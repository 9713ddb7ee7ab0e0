import Codecs
import Precomputed

/// An AFNI dataset: a .HEAD file of attributes and a .BRIK (or .BRIK.gz) of voxels, as
/// nibabel's `AFNIImage`: sub-bricks as channels; when BRICK_FLOAT_FACS sets a factor, every
/// value is multiplied by its sub-brick's factor into float64, as `AFNIArrayProxy` does.
public final class AFNIVolume: VolumeFile {
    public let path: String
    public let headerPath: String
    public let dataPath: String
    public let header: AFNIHeader
    public let options: VolumeOptions
    public let data: RawVolumeData

    /// The largest .HEAD read: real ones are a few KB.
    static let maximumHeaderSize = 16 << 20

    public init(path: String, options: VolumeOptions = VolumeOptions()) throws {
        self.path = path
        self.options = options
        (headerPath, dataPath) = try Self.files(path)
        let stream = try RawVolumeData.open(headerPath)
        let bytes = try RawVolumeData.read(stream, Self.maximumHeaderSize + 1, path: headerPath)
        guard bytes.count <= Self.maximumHeaderSize else {
            throw VolumeError(path: headerPath, message: "this is not an AFNI .HEAD file: it is too large")
        }
        header = try AFNIHeader(text: String(decoding: bytes, as: UTF8.self), path: headerPath)
        guard RawVolumeData.exists(dataPath) else {
            throw VolumeError(
                path: path, message: "the data of this AFNI dataset is missing: expected \(dataPath) or \(dataPath).gz")
        }
        for suffix in [".bz2", ".Z", ".zst"] where dataPath.hasSuffix(suffix) {
            throw VolumeError(
                path: dataPath, message: "this .BRIK is compressed with \(suffix), which nprec cannot read (gzip only)")
        }
        let layout = RawLayout(
            size: header.size, volumes: header.volumes, componentType: header.type,
            littleEndian: header.littleEndian, offset: 0)
        try checkCompressedSize(path: dataPath, layout: layout)
        data = try RawVolumeData(path: dataPath, layout: layout)
    }

    public var formatName: String { "AFNI" }
    public var size: [Int] { header.size }
    public var channels: Int { header.volumes }

    /// The factors applied while reading, or nil.
    var scales: [Double]? { options.ignoreScaling ? nil : header.scales }

    public var elementType: DataType { scales == nil ? header.type : .float64 }
    public var scaling: (slope: Double, inter: Double)? { nil }
    public var declaredTypeName: String { elementType.rawValue }
    public var affine: [[Double]] { header.affine }
    public var isSeekable: Bool { data.isSeekable }

    public func readSlab(_ zRange: Range<Int>) throws -> VolumeSlab { try scaled(data.readSlab(zRange)) }

    public func readBlock(x: Range<Int>? = nil, y: Range<Int>, z: Range<Int>) throws -> VolumeSlab {
        try scaled(data.readBlock(x: x, y: y, z: z))
    }

    /// Stored values times their sub-brick's factor, as float64.
    private func scaled(_ slab: VolumeSlab) -> VolumeSlab {
        guard let scales else { return slab }
        let perChannel = slab.size.reduce(1, *)
        var values = [Double](repeating: 0, count: perChannel * slab.channels)
        slab.bytes.withUnsafeBytes { raw in
            for channel in 0..<slab.channels {
                let factor = scales[channel]
                let base = channel * perChannel
                switch slab.elementType {
                case .uint8:
                    for i in 0..<perChannel { values[base + i] = Double(raw[base + i]) * factor }
                case .int16:
                    let typed = raw.assumingMemoryBound(to: Int16.self)
                    for i in 0..<perChannel { values[base + i] = Double(typed[base + i]) * factor }
                default:
                    let typed = raw.assumingMemoryBound(to: Float.self)
                    for i in 0..<perChannel { values[base + i] = Double(typed[base + i]) * factor }
                }
            }
        }
        return VolumeSlab(
            size: slab.size, channels: slab.channels, elementType: .float64,
            bytes: values.withUnsafeBytes { [UInt8]($0) })
    }

    /// The .HEAD and .BRIK of a dataset named by either (nibabel's `filespec_to_file_map`): the
    /// same stem with the other extension, in the case of the given one; the .BRIK may be
    /// compressed (.BRIK.gz), the .HEAD not. The .HEAD must exist; the .BRIK is checked once the
    /// header has been read (nibabel reports header problems first).
    static func files(_ path: String) throws -> (header: String, data: String) {
        var stem = path
        for suffix in [".gz", ".bz2", ".Z", ".zst"] where stem.hasSuffix(suffix) {
            stem.removeLast(suffix.count)
            break
        }
        let ext = String(stem.suffix(5))
        let lower = ext.lowercased()
        guard lower == ".head" || lower == ".brik" else {
            throw VolumeError(path: path, message: "an AFNI dataset is named by its .HEAD or .BRIK file")
        }
        stem.removeLast(5)
        let upper = ext == ext.uppercased()
        let header = stem + (upper ? ".HEAD" : ".head")
        var data = lower == ".brik" ? path : stem + (upper ? ".BRIK" : ".brik")
        if !RawVolumeData.exists(data) {
            if let found = [".gz", ".bz2", ".Z", ".zst"].map({ data + $0 }).first(where: RawVolumeData.exists) {
                data = found
            }
        }
        guard RawVolumeData.exists(header) else {
            throw VolumeError(path: path, message: "the header of this AFNI dataset is missing: expected \(header)")
        }
        return (header, data)
    }
}
