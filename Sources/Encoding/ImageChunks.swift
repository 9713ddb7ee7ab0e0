import Codecs
import Precomputed

/// The `jpeg` chunk encoding: uint8 with 1 channel (greyscale JPEG) or 3 (colour JPEG, stored as
/// YCbCr), lossy. Chunk values are x fastest, then y, z, channel (planar); the image's pixels in
/// row-major order are the voxels in that order, so only the image's shape depends on the plane:
/// - `xy` (the reference's default): width x, height y*z (z-slices stacked vertically);
/// - `xz`: width x*y, height z (the reference reshapes (c, z, y, x) to (c, z, y*x)).
///
/// The encoder settings are neuroglancer-scripts' (`_jpeg.py`, PIL): quality 95 by default,
/// progressive, optimized Huffman tables, no chroma subsampling (4:4:4).
public enum JPEGChunk {
    /// The default quality of the reference (`--jpeg-quality`).
    public static let defaultQuality = 95

    /// The image a chunk of `size` ([x, y, z]) becomes in `plane` ("xy" or "xz").
    public static func imageSize(size: [Int], plane: String) throws -> (width: Int, height: Int) {
        guard size.count == 3 else {
            throw PrecomputedError.unsupported("a chunk size has 3 values, not \(size.count)")
        }
        switch plane {
        case "xy": return (size[0], size[1] * size[2])
        case "xz": return (size[0] * size[1], size[2])
        default: throw PrecomputedError.unsupported("JPEG plane must be xy or xz, not '\(plane)'")
        }
    }

    /// Throws unless chunks of `size` with `channels` can be JPEG-encoded in `plane`: uint8 data is
    /// the caller's to check; this checks the channel count and that both image sides fit in
    /// libjpeg's limit (65500). Checked before any chunk is written.
    public static func checkEncodable(size: [Int], channels: Int, plane: String) throws {
        guard channels == 1 || channels == 3 else {
            throw PrecomputedError.unsupported("the jpeg encoding needs 1 or 3 channels, not \(channels)")
        }
        let (width, height) = try imageSize(size: size, plane: plane)
        guard width <= JPEG.maxSide, height <= JPEG.maxSide else {
            throw PrecomputedError.unsupported(
                "a \(size.map(String.init).joined(separator: "x")) chunk is a \(width) x \(height) image in the "
                    + "\(plane) plane, but JPEG sides are at most \(JPEG.maxSide) pixels; use smaller chunks"
                    + (plane == "xy" ? " or the xz plane" : " or the xy plane"))
        }
    }

    /// Encodes the uint8 values of a chunk of `size` ([x, y, z]) with `channels` (1 or 3) at
    /// `quality` (1-100) in `plane` ("xy" or "xz").
    public static func encode(_ values: [UInt8], size: [Int], channels: Int, quality: Int, plane: String) throws
        -> [UInt8]
    {
        try checkEncodable(size: size, channels: channels, plane: plane)
        let (width, height) = try imageSize(size: size, plane: plane)
        guard values.count == width * height * channels else {
            throw PrecomputedError.unsupported(
                "JPEG: \(values.count) bytes of values for a \(width) x \(height) image of \(channels) channels")
        }
        do {
            return try JPEG.encode(
                pixels: ImageLayout.interleave(values, channels: channels, sampleSize: 1), width: width,
                height: height, components: channels, quality: quality, progressive: true, optimizeHuffman: true)
        } catch let error as CodecError {
            throw PrecomputedError.unsupported("cannot JPEG-encode a chunk: \(error)")
        }
    }

    /// Decodes a JPEG chunk of `size` ([x, y, z]) with `channels` read from `path` (named in
    /// errors) into planar values. As in Neuroglancer, any W x H image with W*H = x*y*z is
    /// accepted (only the area is checked); the JPEG's components must equal `channels`.
    public static func decode(_ bytes: [UInt8], size: [Int], channels: Int, path: String) throws -> [UInt8] {
        let image: (pixels: [UInt8], width: Int, height: Int, components: Int)
        do {
            image = try JPEG.decode(bytes, maxPixels: size.reduce(1, *))
        } catch let error as CodecError {
            throw PrecomputedError.badChunk(path: path, problem: error.description)
        }
        guard image.components == channels else {
            throw PrecomputedError.badChunk(
                path: path,
                problem: "JPEG has \(image.components) component\(image.components == 1 ? "" : "s"), "
                    + "but the volume has \(channels) channel\(channels == 1 ? "" : "s")")
        }
        try ImageLayout.checkArea(width: image.width, height: image.height, size: size, kind: "JPEG", path: path)
        try ImageLayout.checkCount(image.pixels.count, channels: channels, sampleSize: 1, kind: "JPEG", path: path)
        return ImageLayout.deinterleave(image.pixels, channels: channels, sampleSize: 1)
    }
}

/// The `png` chunk encoding (beyond the reference, which has no PNG): uint8 (8-bit PNG) or uint16
/// (16-bit PNG) with 1 to 4 channels (grey, grey + alpha, RGB, RGBA), lossless. The image is
/// width x, height y*z; channels are interleaved in the image and planar in the chunk values.
public enum PNGChunk {
    /// The zlib level used unless told otherwise.
    public static let defaultCompressionLevel = 6

    /// Throws unless chunks of `dataType` with `channels` can be PNG-encoded.
    public static func checkEncodable(channels: Int, dataType: DataType) throws {
        guard dataType == .uint8 || dataType == .uint16 else {
            throw PrecomputedError.unsupported("the png encoding needs uint8 or uint16 data, not \(dataType.rawValue)")
        }
        guard (1...4).contains(channels) else {
            throw PrecomputedError.unsupported("the png encoding needs 1 to 4 channels, not \(channels)")
        }
    }

    /// Encodes the values (host order) of a chunk of `size` ([x, y, z]).
    public static func encode(
        _ values: [UInt8], size: [Int], channels: Int, dataType: DataType, compressionLevel: Int
    ) throws -> [UInt8] {
        try checkEncodable(channels: channels, dataType: dataType)
        guard size.count == 3 else {
            throw PrecomputedError.unsupported("a chunk size has 3 values, not \(size.count)")
        }
        let (width, height) = (size[0], size[1] * size[2])
        guard values.count == width * height * channels * dataType.size else {
            throw PrecomputedError.unsupported(
                "PNG: \(values.count) bytes of values for a \(width) x \(height) image of \(channels) channels")
        }
        do {
            return try PNG.encode(
                samples: ImageLayout.interleave(values, channels: channels, sampleSize: dataType.size), width: width,
                height: height, channels: channels, bitDepth: dataType.size * 8, compressionLevel: compressionLevel)
        } catch let error as CodecError {
            throw PrecomputedError.unsupported("cannot PNG-encode a chunk: \(error)")
        }
    }

    /// Decodes a PNG chunk of `size` ([x, y, z]) read from `path` (named in errors) into planar
    /// values in host order. As in Neuroglancer, any W x H image with W*H = x*y*z is accepted; the
    /// PNG's channels must equal `channels` and its bit depth the size of `dataType`.
    public static func decode(
        _ bytes: [UInt8], size: [Int], channels: Int, dataType: DataType, path: String
    ) throws -> [UInt8] {
        let image: (samples: [UInt8], width: Int, height: Int, channels: Int, bitDepth: Int)
        do {
            image = try PNG.decode(bytes, maxPixels: size.reduce(1, *))
        } catch let error as CodecError {
            throw PrecomputedError.badChunk(path: path, problem: error.description)
        }
        guard image.bitDepth == dataType.size * 8 else {
            throw PrecomputedError.badChunk(
                path: path, problem: "PNG has \(image.bitDepth)-bit samples, but the volume is \(dataType.rawValue)")
        }
        guard image.channels == channels else {
            throw PrecomputedError.badChunk(
                path: path,
                problem: "PNG has \(image.channels) channel\(image.channels == 1 ? "" : "s"), "
                    + "but the volume has \(channels)")
        }
        try ImageLayout.checkArea(width: image.width, height: image.height, size: size, kind: "PNG", path: path)
        try ImageLayout.checkCount(
            image.samples.count, channels: channels, sampleSize: dataType.size, kind: "PNG", path: path)
        return ImageLayout.deinterleave(image.samples, channels: channels, sampleSize: dataType.size)
    }
}

/// Moving between planar chunk values and interleaved image samples.
enum ImageLayout {
    static func checkArea(width: Int, height: Int, size: [Int], kind: String, path: String) throws {
        let voxels = size.reduce(1, *)
        guard width * height == voxels else {
            throw PrecomputedError.badChunk(
                path: path,
                problem: "\(kind) image is \(width) x \(height) = \(width * height) pixels, but a "
                    + "\(size.map(String.init).joined(separator: "x")) chunk has \(voxels) voxels")
        }
    }

    /// Throws unless a decoded image holds `channels` samples of `sampleSize` bytes per voxel.
    static func checkCount(_ count: Int, channels: Int, sampleSize: Int, kind: String, path: String) throws {
        guard count % (channels * sampleSize) == 0 else {
            throw PrecomputedError.badChunk(
                path: path,
                problem: "\(kind) image has \(count) bytes, not a whole number of \(channels)-channel pixels")
        }
    }

    /// Planar (channel slowest) to interleaved (channel fastest) samples of `sampleSize` bytes.
    static func interleave(_ planar: [UInt8], channels: Int, sampleSize: Int) -> [UInt8] {
        transpose(planar, rows: channels, columns: planar.count / (channels * sampleSize), sampleSize: sampleSize)
    }

    /// Interleaved (channel fastest) to planar (channel slowest) samples of `sampleSize` bytes.
    static func deinterleave(_ interleaved: [UInt8], channels: Int, sampleSize: Int) -> [UInt8] {
        transpose(
            interleaved, rows: interleaved.count / (channels * sampleSize), columns: channels, sampleSize: sampleSize)
    }

    /// Transposes a row-major `rows` x `columns` matrix of samples.
    static func transpose(_ input: [UInt8], rows: Int, columns: Int, sampleSize: Int) -> [UInt8] {
        if rows == 1 || columns == 1 { return input }
        precondition(input.count == rows * columns * sampleSize)
        switch sampleSize {
        case 1: return transpose(input, rows: rows, columns: columns, as: UInt8.self)
        case 2: return transpose(input, rows: rows, columns: columns, as: UInt16.self)
        case 4: return transpose(input, rows: rows, columns: columns, as: UInt32.self)
        case 8: return transpose(input, rows: rows, columns: columns, as: UInt64.self)
        default: preconditionFailure("samples of \(sampleSize) bytes")
        }
    }

    private static func transpose<T: FixedWidthInteger>(
        _ input: [UInt8], rows: Int, columns: Int, as: T.Type
    ) -> [UInt8] {
        let size = MemoryLayout<T>.size
        return [UInt8](unsafeUninitializedCapacity: input.count) { output, initialized in
            let out = UnsafeMutableRawBufferPointer(output)
            input.withUnsafeBytes { source in
                for row in 0..<rows {
                    for column in 0..<columns {
                        let value = source.loadUnaligned(fromByteOffset: (row &* columns &+ column) &* size, as: T.self)
                        out.storeBytes(of: value, toByteOffset: (column &* rows &+ row) &* size, as: T.self)
                    }
                }
            }
            initialized = input.count
        }
    }
}
