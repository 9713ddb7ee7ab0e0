import Precomputed

/// The `raw` chunk encoding: little-endian values, x fastest, then y, z, channel.
public enum RawCodec {
    /// Bytes a raw chunk of `box` holds.
    public static func byteCount(size: [Int], channels: Int, dataType: DataType) -> Int {
        size.reduce(1, *) * channels * dataType.size
    }

    /// Encodes chunk values (host order, which is little-endian on every platform nprec runs on).
    public static func encode(_ values: [UInt8]) -> [UInt8] {
        values
    }

    /// Decodes a raw chunk, checking its exact size.
    public static func decode(
        _ bytes: [UInt8], size: [Int], channels: Int, dataType: DataType, path: String
    ) throws -> [UInt8] {
        let expected = byteCount(size: size, channels: channels, dataType: dataType)
        guard bytes.count == expected else {
            throw PrecomputedError.badChunk(
                path: path,
                problem: "raw chunk is \(bytes.count) bytes, but \(size.map(String.init).joined(separator: "x"))"
                    + " voxels of \(channels) x \(dataType.rawValue) need \(expected)")
        }
        return bytes
    }
}
