import Precomputed

/// Voxels of a part of a volume, from `VolumeFile.readSlab` or `readBlock`.
public struct VolumeSlab: Sendable {
    /// [x, y, z] of the part.
    public var size: [Int]
    /// Channels (t volumes, colour components), one after the other.
    public var channels: Int
    /// The type of each value.
    public var elementType: DataType
    /// Values in host byte order, x fastest, then y, then z, then channel.
    public var bytes: [UInt8]

    public init(size: [Int], channels: Int, elementType: DataType, bytes: [UInt8]) {
        self.size = size
        self.channels = channels
        self.elementType = elementType
        self.bytes = bytes
    }
}

/// How a volume file is opened.
public struct VolumeOptions: Sendable {
    /// Read the stored values, without the file's own value scaling (NIfTI scl_slope, MINC
    /// image-min/image-max, AFNI BRICK_FLOAT_FACS, PAR/REC scale slopes...).
    public var ignoreScaling: Bool

    public init(ignoreScaling: Bool = false) {
        self.ignoreScaling = ignoreScaling
    }
}

/// A 3-D (or 4-D, as channels) image file as nibabel presents it: `img.dataobj` values (with the
/// format's scaling), `img.affine`, read in bounded memory.
///
/// Two ways to read: `readSlab` streams ascending z (every format); `readBlock` reads any box from
/// any thread, only when `isSeekable`. `readSlab` must be called from one thread at a time.
public protocol VolumeFile: AnyObject, Sendable {
    /// The path the user gave.
    var path: String { get }
    /// The format, for messages: "NIfTI-1", "MGH", "MINC2", ...
    var formatName: String { get }
    /// [x, y, z].
    var size: [Int] { get }
    /// Values per voxel: the 4th and later dimensions (and colour components) as channels.
    var channels: Int { get }
    /// The type of the values `readSlab` and `readBlock` return.
    var elementType: DataType { get }
    /// A slope and intercept still to apply to those values (nibabel's ArrayProxy slope and
    /// inter), or nil. Formats whose scaling is not one slope for the whole volume apply it while
    /// reading and return float64 values, with nil here.
    var scaling: (slope: Double, inter: Double)? { get }
    /// The numpy dtype name of nibabel's first value (`dataobj[0, 0, 0]`), which the reference
    /// uses to choose the info's data type; "float128" where nibabel promotes to longdouble.
    var declaredTypeName: String { get }
    /// nibabel's `img.affine`: voxel indices (x, y, z) to millimetres.
    var affine: [[Double]] { get }
    /// True when `readBlock` works (uncompressed data with a known layout).
    var isSeekable: Bool { get }
    /// The voxels of the z slices in `zRange`; calls come in ascending z.
    func readSlab(_ zRange: Range<Int>) throws -> VolumeSlab
    /// The voxels of a box (all columns when `x` is nil); any order, any thread; only when
    /// `isSeekable`.
    func readBlock(x: Range<Int>?, y: Range<Int>, z: Range<Int>) throws -> VolumeSlab
}

extension VolumeFile {
    /// `nibabel.affines.voxel_sizes(affine)`: the norms of the first three columns.
    public var voxelSizes: [Double] { NIfTIHeader.voxelSizes(affine) }

    public var declaredTypeName: String {
        if scaling != nil { return "float64" }
        return elementType.rawValue
    }

    public func readBlock(x: Range<Int>?, y: Range<Int>, z: Range<Int>) throws -> VolumeSlab {
        throw VolumeError(path: path, message: "\(formatName) data cannot be read out of order")
    }

    public var isSeekable: Bool { false }
}
