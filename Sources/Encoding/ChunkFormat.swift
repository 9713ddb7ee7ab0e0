import Precomputed

/// How the chunks of one scale are encoded: the scale's encoding, the dataset's data type and
/// channels, and the encoder options. Encodes and decodes chunk values (x fastest, then y, z,
/// channel; host byte order).
public struct ChunkFormat: Sendable {
    public var encoding: ChunkEncoding
    public var dataType: DataType
    public var channels: Int
    public var blockSize: [Int]?
    public var jpegQuality: Int
    public var jpegPlane: JPEGPlane

    public enum JPEGPlane: String, Sendable { case xy, xz }

    public init(
        encoding: ChunkEncoding, dataType: DataType, channels: Int, blockSize: [Int]? = nil, jpegQuality: Int = 95,
        jpegPlane: JPEGPlane = .xy
    ) {
        self.encoding = encoding
        self.dataType = dataType
        self.channels = channels
        self.blockSize = blockSize
        self.jpegQuality = jpegQuality
        self.jpegPlane = jpegPlane
    }

    /// The format of `scale` in a validated `info`.
    public init(info: VolumeInfo, scale: ScaleInfo, jpegQuality: Int = 95, jpegPlane: JPEGPlane = .xy) {
        self.init(
            encoding: ChunkEncoding(name: scale.encoding ?? "raw") ?? .raw,
            dataType: DataType(name: info.dataType ?? "uint8") ?? .uint8, channels: info.numChannels ?? 1,
            blockSize: scale.compressedSegmentationBlockSize, jpegQuality: jpegQuality, jpegPlane: jpegPlane)
    }

    /// Bytes of the values of a chunk of `size`.
    public func valueByteCount(size: [Int]) -> Int { size.reduce(1, *) * channels * dataType.size }

    /// Throws unless this format can be written (checked before any chunk is).
    public func checkWritable() throws {
        guard encoding == .raw else {
            throw PrecomputedError.unsupported("writing \(encoding.rawValue) chunks is not implemented yet")
        }
    }

    /// Encodes the values of a chunk of `size`.
    public func encode(_ values: [UInt8], size: [Int]) throws -> [UInt8] {
        precondition(values.count == valueByteCount(size: size))
        switch encoding {
        case .raw: return RawCodec.encode(values)
        default: throw PrecomputedError.unsupported("writing \(encoding.rawValue) chunks is not implemented yet")
        }
    }

    /// Decodes a chunk of `size` read from `path` (named in errors).
    public func decode(_ bytes: [UInt8], size: [Int], path: String) throws -> [UInt8] {
        switch encoding {
        case .raw: return try RawCodec.decode(bytes, size: size, channels: channels, dataType: dataType, path: path)
        default: throw PrecomputedError.unsupported("reading \(encoding.rawValue) chunks is not implemented yet")
        }
    }
}
