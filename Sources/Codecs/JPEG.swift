import CShims

/// Baseline and progressive JPEG through libjpeg (libjpeg-turbo's classic `jpeglib.h` API),
/// called through the setjmp-guarded shims of `CShims`: a corrupt or truncated file throws
/// instead of exiting the process.
public enum JPEG {
    /// The largest side the JPEG format allows.
    public static let formatMaxSide = 65535
    /// The largest side libjpeg writes (`JPEG_MAX_DIMENSION`, a tad under the format's 65535).
    public static let maxSide = Int(nprec_jpeg_max_dimension())

    /// Compresses 8-bit pixels, interleaved when `components` is 3 (RGB, stored as YCbCr in the
    /// file as JFIF has it) and greyscale when it is 1. Every component is sampled 1x1 (4:4:4, no
    /// chroma subsampling). Wraps `nprec_jpeg_encode`: `jpeg_set_defaults`,
    /// `jpeg_set_quality(quality, TRUE)`, `jpeg_simple_progression` when `progressive`,
    /// `optimize_coding` when `optimizeHuffman`, `jpeg_write_scanlines` into `jpeg_mem_dest`.
    public static func encode(
        pixels: [UInt8], width: Int, height: Int, components: Int, quality: Int, progressive: Bool,
        optimizeHuffman: Bool
    ) throws -> [UInt8] {
        guard components == 1 || components == 3 else {
            throw CodecError(library: "libjpeg", message: "JPEG needs 1 or 3 components, not \(components)")
        }
        guard width >= 1, height >= 1 else {
            throw CodecError(library: "libjpeg", message: "cannot encode an empty \(width) x \(height) image")
        }
        guard width <= formatMaxSide, height <= formatMaxSide else {
            throw CodecError(
                library: "libjpeg",
                message: "a \(width) x \(height) image does not fit in a JPEG: each side is at most \(formatMaxSide)")
        }
        guard width <= maxSide, height <= maxSide else {
            throw CodecError(
                library: "libjpeg",
                message: "libjpeg writes JPEG sides of at most \(maxSide) pixels; \(width) x \(height) is too large")
        }
        guard (1...100).contains(quality) else {
            throw CodecError(library: "libjpeg", message: "JPEG quality must be 1 to 100, not \(quality)")
        }
        guard pixels.count == width * height * components else {
            throw CodecError(
                library: "libjpeg",
                message: "\(pixels.count) bytes given for a \(width) x \(height) x \(components) image")
        }
        var output: UnsafeMutablePointer<UInt8>?
        var outputSize = 0
        var message = [CChar](repeating: 0, count: Int(NPREC_MESSAGE_SIZE))
        let status = pixels.withUnsafeBufferPointer { input in
            nprec_jpeg_encode(
                input.baseAddress, UInt32(width), UInt32(height), Int32(components), Int32(quality),
                progressive ? 1 : 0, optimizeHuffman ? 1 : 0, &output, &outputSize, &message)
        }
        defer { nprec_free(output) }
        guard status == 0, let output else {
            throw CodecError(library: "libjpeg", message: "cannot encode: \(cString(message))")
        }
        return Array(UnsafeBufferPointer(start: output, count: outputSize))
    }

    /// Decodes a JPEG into 8-bit pixels: 1 component for greyscale, 3 interleaved RGB for colour
    /// (YCbCr converted by libjpeg), 4 for CMYK/YCCK files (the stored values, which Adobe CMYK
    /// keeps inverted). Wraps `nprec_jpeg_read_header` (`jpeg_mem_src`, `jpeg_read_header`) and
    /// `nprec_jpeg_read_pixels` (`jpeg_start_decompress`, `jpeg_read_scanlines`,
    /// `jpeg_finish_decompress`). Corrupt-data warnings, such as a premature end of the file, throw.
    /// An image of more than `maxPixels` pixels throws before its pixels are allocated.
    public static func decode(
        _ bytes: [UInt8], maxPixels: Int = .max
    ) throws -> (pixels: [UInt8], width: Int, height: Int, components: Int) {
        try bytes.withUnsafeBufferPointer { input in
            guard let decoder = nprec_jpeg_decoder_create(input.baseAddress, input.count) else {
                throw CodecError(library: "libjpeg", message: "out of memory")
            }
            defer { nprec_jpeg_decoder_destroy(decoder) }
            func failure() -> CodecError {
                CodecError(
                    library: "libjpeg",
                    message: "cannot decode JPEG: \(String(cString: nprec_jpeg_decoder_message(decoder)))")
            }
            var width: UInt32 = 0
            var height: UInt32 = 0
            var components: Int32 = 0
            guard nprec_jpeg_read_header(decoder, &width, &height, &components) == 0 else { throw failure() }
            guard Int(width) * Int(height) <= maxPixels else {
                throw CodecError(
                    library: "libjpeg", message: "the JPEG is \(width) x \(height) pixels, more than \(maxPixels)")
            }
            let count = Int(width) * Int(height) * Int(components)
            let pixels = try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
                guard nprec_jpeg_read_pixels(decoder, buffer.baseAddress, count) == 0 else { throw failure() }
                initialized = count
            }
            return (pixels, Int(width), Int(height), Int(components))
        }
    }
}

/// The text of a NUL-terminated C message buffer.
func cString(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
