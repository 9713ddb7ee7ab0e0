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
    /// The scale's chunk size, when known (for limits checked before writing).
    public var chunkSize: [Int]?

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

    /// The format of `scale` of a validated info.
    public init(dataset: DatasetSpec, scale: ScaleSpec, jpegQuality: Int = 95, jpegPlane: JPEGPlane = .xy) {
        self.init(
            encoding: scale.encoding, dataType: dataset.dataType, channels: dataset.channels,
            blockSize: scale.blockSize, jpegQuality: jpegQuality, jpegPlane: jpegPlane)
        chunkSize = scale.chunkSize
    }

    /// Bytes of the values of a chunk of `size`.
    public func valueByteCount(size: [Int]) -> Int { size.reduce(1, *) * channels * dataType.size }

    /// Throws unless this format can be written (checked before any chunk is).
    public func checkWritable() throws {
        switch encoding {
        case .raw:
            break
        case .compressedSegmentation:
            guard dataType == .uint32 || dataType == .uint64 else {
                throw PrecomputedError.unsupported(
                    "compressed_segmentation needs data_type uint32 or uint64, not \(dataType.rawValue)")
            }
            let block = blockSize ?? [8, 8, 8]
            if let chunkSize,
                !CompressedSegmentation.fitsOffsetLimit(size: chunkSize, dataType: dataType, blockSize: block)
            {
                throw PrecomputedError.unsupported(
                    "chunks of \(chunkSize.map(String.init).joined(separator: "x")) can exceed the 24-bit offsets of "
                        + "compressed_segmentation: use smaller chunks")
            }
        case .jpeg:
            guard dataType == .uint8, channels == 1 || channels == 3 else {
                throw PrecomputedError.unsupported("jpeg needs data_type uint8 with 1 or 3 channels")
            }
            if let chunkSize {
                try JPEGChunk.checkEncodable(size: chunkSize, channels: channels, plane: jpegPlane.rawValue)
            }
        case .png:
            try PNGChunk.checkEncodable(channels: channels, dataType: dataType)
        }
    }

    /// Encodes the values of a chunk of `size`.
    public func encode(_ values: [UInt8], size: [Int]) throws -> [UInt8] {
        guard values.count == valueByteCount(size: size) else {
            throw PrecomputedError.unsupported(
                "\(values.count) bytes of values for a \(size.map(String.init).joined(separator: "x")) chunk of "
                    + "\(channels) x \(dataType.rawValue)")
        }
        switch encoding {
        case .raw:
            return RawCodec.encode(values)
        case .compressedSegmentation:
            return try CompressedSegmentation.encode(
                values, size: size, channels: channels, dataType: dataType, blockSize: blockSize ?? [8, 8, 8])
        case .jpeg:
            return try JPEGChunk.encode(
                values, size: size, channels: channels, quality: jpegQuality, plane: jpegPlane.rawValue)
        case .png:
            return try PNGChunk.encode(
                values, size: size, channels: channels, dataType: dataType,
                compressionLevel: PNGChunk.defaultCompressionLevel)
        }
    }

    /// Decodes a chunk of `size` read from `path` (named in errors).
    public func decode(_ bytes: [UInt8], size: [Int], path: String) throws -> [UInt8] {
        switch encoding {
        case .raw:
            return try RawCodec.decode(bytes, size: size, channels: channels, dataType: dataType, path: path)
        case .compressedSegmentation:
            return try CompressedSegmentation.decode(
                bytes, size: size, channels: channels, dataType: dataType, blockSize: blockSize ?? [8, 8, 8], path: path
            )
        case .jpeg:
            return try JPEGChunk.decode(bytes, size: size, channels: channels, path: path)
        case .png:
            return try PNGChunk.decode(bytes, size: size, channels: channels, dataType: dataType, path: path)
        }
    }
}
