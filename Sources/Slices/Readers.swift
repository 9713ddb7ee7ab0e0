import Codecs
import Foundation
import Precomputed

/// A slice read band by band through one of the row readers of `Codecs`; codec errors become
/// `SliceError`s naming the file.
final class StreamingSlice: SliceImage {
    let reader: any RowReader
    let sampleType: DataType

    init(_ reader: any RowReader, sampleType: DataType) {
        self.reader = reader
        self.sampleType = sampleType
    }

    var width: Int { reader.width }
    var height: Int { reader.height }
    var channels: Int { reader.channels }

    func readRows(_ count: Int) throws -> [UInt8] {
        do {
            return try reader.readRows(count)
        } catch let error as CodecError {
            throw SliceReaders.sliceError(error, path: reader.path)
        }
    }
}

/// Opens slice files by their extension, as streaming readers: PNG (`PNGRowReader`), JPEG
/// (`JPEGRowReader`) and TIFF (`TIFFImage`). A reader holds about one row (PNG, JPEG, TIFF in
/// strips) or one row of tiles (tiled TIFF), never the whole slice, except for an
/// Adam7-interlaced PNG, which is decoded whole. The data type follows the samples: uint8 ...
/// uint64, int8 ... int64, float32, float64.
public enum SliceReaders {
    public static let open: SliceOpener = { path in
        guard let kind = SliceFileKind(path: path) else { throw SliceError("\(path): not a PNG, TIFF or JPEG file") }
        guard FileManager.default.fileExists(atPath: path) else { throw SliceError("\(path): no such file") }
        let reader: any RowReader
        do {
            switch kind {
            case .png: reader = try PNGRowReader(path: path)
            case .jpeg: reader = try JPEGRowReader(path: path)
            case .tiff: reader = try TIFFImage(path: path)
            }
        } catch let error as CodecError {
            throw sliceError(error, path: path)
        }
        guard let type = dataType(reader.sampleKind, bits: reader.bitsPerSample) else {
            throw SliceError(
                "\(path): \(reader.bitsPerSample)-bit \(reader.sampleKind.rawValue) samples are not supported")
        }
        return StreamingSlice(reader, sampleType: type)
    }

    /// The data type of samples of `kind` and `bits`: uint8 ... uint64, int8 ... int64, float32,
    /// float64; nil for other sizes.
    public static func dataType(_ kind: SampleKind, bits: Int) -> DataType? {
        switch (kind, bits) {
        case (.unsigned, 8): return .uint8
        case (.unsigned, 16): return .uint16
        case (.unsigned, 32): return .uint32
        case (.unsigned, 64): return .uint64
        case (.signed, 8): return .int8
        case (.signed, 16): return .int16
        case (.signed, 32): return .int32
        case (.signed, 64): return .int64
        case (.float, 32): return .float32
        case (.float, 64): return .float64
        default: return nil
        }
    }

    /// A codec error as a slice error that names the file once.
    static func sliceError(_ error: CodecError, path: String) -> SliceError {
        if error.message.hasPrefix(path + ": ") {
            return SliceError("\(path): \(error.message.dropFirst(path.count + 2)) (\(error.library))")
        }
        return SliceError("\(path): \(error)")
    }
}
