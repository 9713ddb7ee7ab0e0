import Codecs
import Precomputed

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A FreeSurfer MGH volume, plain (.mgh) or gzip-compressed (.mgz, detected from the magic
/// number whatever the name), as nibabel's `MGHImage`: frames (the 4th dimension) as channels,
/// no scaling.
public final class MGHVolume: VolumeFile {
    public let path: String
    public let header: MGHHeader
    public let data: RawVolumeData

    public init(path: String, options: VolumeOptions = VolumeOptions()) throws {
        self.path = path
        let stream = try RawVolumeData.open(path)
        header = try MGHHeader(bytes: RawVolumeData.read(stream, MGHHeader.size, path: path), path: path)
        let layout = RawLayout(
            size: Array(header.dims[0..<3]), volumes: header.dims[3], componentType: header.type.storage,
            littleEndian: false, offset: MGHHeader.dataOffset)
        try checkCompressedSize(path: path, layout: layout)
        data = try RawVolumeData(path: path, layout: layout, stream: stream)
    }

    public var formatName: String { data.isCompressed ? "MGZ" : "MGH" }
    public var size: [Int] { data.layout.size }
    public var channels: Int { data.layout.channels }
    public var elementType: DataType { data.layout.componentType }
    public var scaling: (slope: Double, inter: Double)? { nil }
    public var affine: [[Double]] { header.affine }
    public var isSeekable: Bool { data.isSeekable }

    public func readSlab(_ zRange: Range<Int>) throws -> VolumeSlab { try data.readSlab(zRange) }

    public func readBlock(x: Range<Int>? = nil, y: Range<Int>, z: Range<Int>) throws -> VolumeSlab {
        try data.readBlock(x: x, y: y, z: z)
    }
}

/// Refuses a gzip-compressed file whose header describes more voxel bytes than its size can
/// hold once inflated (deflate expands at most 1032 times), before any slab is sized from the
/// header. Uncompressed files are checked against their size by `RawVolumeData`.
func checkCompressedSize(path: String, layout: RawLayout) throws {
    guard try RawVolumeData.isGzip(path) else { return }
    var info = stat()
    guard stat(path, &info) == 0 else { throw VolumeError(path: path, message: String(cString: strerror(errno))) }
    let limit = Int(info.st_size).multipliedReportingOverflow(by: 1032)
    let needed = layout.offset + layout.dataBytes
    if !limit.overflow && needed > limit.partialValue {
        throw VolumeError(
            path: path,
            message:
                "file is truncated or its header is corrupt: the header describes \(layout.dataBytes) bytes of "
                + "voxels, more than \(info.st_size) bytes of gzip data can hold")
    }
}
