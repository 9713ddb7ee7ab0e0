import CShims

/// What the samples of an image hold.
public enum SampleKind: String, Sendable {
    case unsigned, signed, float
}

/// An image file read a band of rows at a time, top to bottom: each call to `readRows` returns
/// the next rows, samples interleaved per pixel, in host byte order. A reader holds an open file
/// and the decoder's state, not the image: about one row for PNG and JPEG, one strip or one row
/// of tiles for TIFF, plus the rows the caller asks for. A reader is used by one thread at a
/// time; after an error every later read throws the same error.
public protocol RowReader: AnyObject {
    /// The file, as given to `init(path:)`; every error names it.
    var path: String { get }
    var width: Int { get }
    var height: Int { get }
    /// Samples per pixel (1 grey, 2 grey + alpha, 3 RGB, 4 RGBA, or the channels of a TIFF).
    var channels: Int { get }
    var bitsPerSample: Int { get }
    var sampleKind: SampleKind { get }
    /// The first row that the next `readRows` returns.
    var nextRow: Int { get }
    /// The next `count` rows (fewer at the end of the image, none after it).
    func readRows(_ count: Int) throws -> [UInt8]
}

extension RowReader {
    /// Bytes per row: `width * channels * bitsPerSample / 8`.
    public var bytesPerRow: Int { width * channels * bitsPerSample / 8 }
}

/// The rows `start ..< start + count` clamped to the image, and their size in bytes; throws when
/// the size does not fit in memory.
func rowBand(
    start: Int, count: Int, height: Int, rowBytes: Int, library: String, path: String
) throws -> (rows: Range<Int>, bytes: Int) {
    guard count >= 0 else { throw CodecError(library: library, message: "\(path): cannot read \(count) rows") }
    let end = start + min(count, height - start)
    let (bytes, overflow) = rowBytes.multipliedReportingOverflow(by: end - start)
    guard !overflow, bytes <= Int(Int32.max) * 8 else {
        throw CodecError(library: library, message: "\(path): \(end - start) rows of \(rowBytes) bytes are too large")
    }
    return (start..<end, bytes)
}

/// A PNG read row by row through libpng's classic API (`png_read_row` behind the setjmp-guarded
/// shims of `CShims`), from the file a buffer at a time. The samples are those of `PNG.decode`:
/// no gamma, alpha or colour conversion; palette images become RGB, or RGBA with a tRNS chunk;
/// 1, 2 and 4-bit grey becomes 8-bit; 16-bit samples come in host order.
///
/// An Adam7-interlaced PNG cannot be read row by row (each pass fills rows all over the image),
/// so it is decoded whole when opened and held until its last row is read.
public final class PNGRowReader: RowReader {
    public let path: String
    public let width: Int
    public let height: Int
    public let channels: Int
    /// 8 or 16.
    public let bitsPerSample: Int
    public var sampleKind: SampleKind { .unsigned }
    /// Whether the file is Adam7-interlaced (and so was decoded whole).
    public let isInterlaced: Bool
    public private(set) var nextRow = 0

    private let decoder: OpaquePointer
    private var whole: [UInt8] = []
    private var failure: CodecError?

    /// Opens `path` and reads the header (`png_read_info`, `png_read_update_info`); an interlaced
    /// image is decoded whole here (`png_read_row` over every pass).
    public init(path: String) throws {
        self.path = path
        var message = [CChar](repeating: 0, count: Int(NPREC_MESSAGE_SIZE))
        guard let decoder = nprec_png_decoder_open(path, &message) else {
            throw CodecError(library: "libpng", message: "\(path): cannot open: \(cString(message))")
        }
        self.decoder = decoder
        var width: UInt32 = 0
        var height: UInt32 = 0
        var channels: Int32 = 0
        var bitDepth: Int32 = 0
        let status = nprec_png_read_header(decoder, &width, &height, &channels, &bitDepth)
        self.width = Int(width)
        self.height = Int(height)
        self.channels = Int(channels)
        self.bitsPerSample = Int(bitDepth)
        isInterlaced = status == 0 && nprec_png_decoder_interlaced(decoder) != 0
        guard status == 0 else { throw Self.error(decoder, path) }
        if isInterlaced {
            let (_, count) = try rowBand(
                start: 0, count: self.height, height: self.height, rowBytes: bytesPerRow, library: "libpng",
                path: path)
            whole = try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
                guard nprec_png_read_pixels(decoder, buffer.baseAddress, count) == 0 else {
                    throw Self.error(decoder, path)
                }
                initialized = count
            }
        }
    }

    deinit { nprec_png_decoder_destroy(decoder) }

    private static func error(_ decoder: OpaquePointer, _ path: String) -> CodecError {
        CodecError(
            library: "libpng",
            message: "\(path): cannot decode PNG: \(String(cString: nprec_png_decoder_message(decoder)))")
    }

    /// The next `count` rows (`nprec_png_read_rows`: `png_read_row` each, `png_read_end` after
    /// the last).
    public func readRows(_ count: Int) throws -> [UInt8] {
        if let failure { throw failure }
        let rowBytes = bytesPerRow
        let (rows, bytes) = try rowBand(
            start: nextRow, count: count, height: height, rowBytes: rowBytes, library: "libpng", path: path)
        if rows.isEmpty { return [] }
        defer { nextRow = rows.upperBound }
        if isInterlaced {
            let band = Array(whole[(rows.lowerBound * rowBytes)..<(rows.upperBound * rowBytes)])
            if rows.upperBound == height { whole = [] }
            return band
        }
        do {
            return try [UInt8](unsafeUninitializedCapacity: bytes) { buffer, initialized in
                guard nprec_png_read_rows(decoder, buffer.baseAddress, bytes, UInt32(rows.count)) == 0 else {
                    throw Self.error(decoder, path)
                }
                initialized = bytes
            }
        } catch let error as CodecError {
            failure = error
            throw error
        }
    }
}

/// A JPEG read row by row through libjpeg (`jpeg_read_scanlines` behind the setjmp-guarded shims
/// of `CShims`), from the file a buffer at a time (`jpeg_stdio_src`). 8-bit samples: 1 for
/// greyscale, 3 interleaved RGB for colour (YCbCr converted by libjpeg), 4 for CMYK/YCCK files
/// (the stored values). Corrupt-data warnings, such as a premature end of the file, throw.
///
/// libjpeg holds a few rows of blocks for a baseline JPEG; for a progressive JPEG it holds every
/// DCT coefficient of the image (2 bytes per sample), as it must to decode one.
public final class JPEGRowReader: RowReader {
    public let path: String
    public let width: Int
    public let height: Int
    public let channels: Int
    public var bitsPerSample: Int { 8 }
    public var sampleKind: SampleKind { .unsigned }
    public private(set) var nextRow = 0

    private let decoder: OpaquePointer
    private var failure: CodecError?

    /// Opens `path` and reads the header (`jpeg_read_header`, `jpeg_calc_output_dimensions`).
    public init(path: String) throws {
        self.path = path
        var message = [CChar](repeating: 0, count: Int(NPREC_MESSAGE_SIZE))
        guard let decoder = nprec_jpeg_decoder_open(path, &message) else {
            throw CodecError(library: "libjpeg", message: "\(path): cannot open: \(cString(message))")
        }
        self.decoder = decoder
        var width: UInt32 = 0
        var height: UInt32 = 0
        var components: Int32 = 0
        let status = nprec_jpeg_read_header(decoder, &width, &height, &components)
        self.width = Int(width)
        self.height = Int(height)
        channels = Int(components)
        guard status == 0 else { throw Self.error(decoder, path) }
    }

    deinit { nprec_jpeg_decoder_destroy(decoder) }

    private static func error(_ decoder: OpaquePointer, _ path: String) -> CodecError {
        CodecError(
            library: "libjpeg",
            message: "\(path): cannot decode JPEG: \(String(cString: nprec_jpeg_decoder_message(decoder)))")
    }

    /// The next `count` rows (`nprec_jpeg_read_rows`: `jpeg_start_decompress` on the first call,
    /// `jpeg_read_scanlines`, `jpeg_finish_decompress` after the last row).
    public func readRows(_ count: Int) throws -> [UInt8] {
        if let failure { throw failure }
        let (rows, bytes) = try rowBand(
            start: nextRow, count: count, height: height, rowBytes: bytesPerRow, library: "libjpeg", path: path)
        if rows.isEmpty { return [] }
        defer { nextRow = rows.upperBound }
        do {
            return try [UInt8](unsafeUninitializedCapacity: bytes) { buffer, initialized in
                guard nprec_jpeg_read_rows(decoder, buffer.baseAddress, bytes, UInt32(rows.count)) == 0 else {
                    throw Self.error(decoder, path)
                }
                initialized = bytes
            }
        } catch let error as CodecError {
            failure = error
            throw error
        }
    }
}
