import CShims

/// PNG through libpng's classic `png.h` API, called through the setjmp-guarded shims of
/// `CShims` (libpng's simplified API would apply gamma and alpha, wrong for measurement data).
/// A corrupt or truncated file throws.
public enum PNG {
    /// The largest side the PNG format allows (2^31 - 1).
    public static let maxSide = Int(Int32.max)

    /// Compresses interleaved samples: `channels` 1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA),
    /// `bitDepth` 8 or 16. 16-bit samples are given in host order and written big-endian, as PNG
    /// stores them. Wraps `nprec_png_encode`: `png_set_IHDR` (no interlacing),
    /// `png_set_compression_level`, `png_set_swap` on little-endian hosts, `png_write_row`.
    public static func encode(
        samples: [UInt8], width: Int, height: Int, channels: Int, bitDepth: Int, compressionLevel: Int
    ) throws -> [UInt8] {
        guard (1...4).contains(channels), bitDepth == 8 || bitDepth == 16 else {
            throw CodecError(
                library: "libpng", message: "PNG cannot hold \(channels) channels of \(bitDepth) bits")
        }
        guard (1...maxSide).contains(width), (1...maxSide).contains(height) else {
            throw CodecError(library: "libpng", message: "a \(width) x \(height) image does not fit in a PNG")
        }
        guard (0...9).contains(compressionLevel) else {
            throw CodecError(
                library: "libpng", message: "PNG compression level must be 0 to 9, not \(compressionLevel)")
        }
        let (rowBytes, rowOverflow) = width.multipliedReportingOverflow(by: channels * bitDepth / 8)
        let (total, overflow) = rowBytes.multipliedReportingOverflow(by: height)
        guard !rowOverflow, !overflow, samples.count == total else {
            throw CodecError(
                library: "libpng",
                message:
                    "\(samples.count) bytes given for a \(width) x \(height) image of \(channels) x \(bitDepth) bits")
        }
        var output: UnsafeMutablePointer<UInt8>?
        var outputSize = 0
        var message = [CChar](repeating: 0, count: Int(NPREC_MESSAGE_SIZE))
        let status = samples.withUnsafeBufferPointer { input in
            nprec_png_encode(
                input.baseAddress, UInt32(width), UInt32(height), Int32(channels), Int32(bitDepth),
                Int32(compressionLevel), &output, &outputSize, &message)
        }
        defer { nprec_free(output) }
        guard status == 0, let output else {
            throw CodecError(library: "libpng", message: "cannot encode: \(cString(message))")
        }
        return Array(UnsafeBufferPointer(start: output, count: outputSize))
    }

    /// Decodes a PNG into interleaved samples with no gamma, alpha or colour conversion. Only
    /// these expansions apply: palette images become RGB, or RGBA when they have a tRNS chunk
    /// (`png_set_palette_to_rgb`, `png_set_tRNS_to_alpha`); 1, 2 and 4-bit grey becomes 8-bit
    /// (`png_set_expand_gray_1_2_4_to_8`); 16-bit samples come back in host order (`png_set_swap`);
    /// Adam7 images are de-interlaced (`png_set_interlace_handling`). tRNS on grey or RGB images
    /// is ignored. Grey + alpha gives 2 channels. Wraps `nprec_png_read_header` (`png_read_info`,
    /// `png_read_update_info`) and `nprec_png_read_pixels` (`png_read_row`, `png_read_end`).
    /// An image of more than `maxPixels` pixels throws before its samples are allocated.
    public static func decode(
        _ bytes: [UInt8], maxPixels: Int = .max
    ) throws -> (samples: [UInt8], width: Int, height: Int, channels: Int, bitDepth: Int) {
        try bytes.withUnsafeBufferPointer { input in
            guard let decoder = nprec_png_decoder_create(input.baseAddress, input.count) else {
                throw CodecError(library: "libpng", message: "out of memory")
            }
            defer { nprec_png_decoder_destroy(decoder) }
            func failure() -> CodecError {
                CodecError(
                    library: "libpng",
                    message: "cannot decode PNG: \(String(cString: nprec_png_decoder_message(decoder)))")
            }
            var width: UInt32 = 0
            var height: UInt32 = 0
            var channels: Int32 = 0
            var bitDepth: Int32 = 0
            guard nprec_png_read_header(decoder, &width, &height, &channels, &bitDepth) == 0 else { throw failure() }
            guard Int(width) * Int(height) <= maxPixels else {
                throw CodecError(
                    library: "libpng", message: "the PNG is \(width) x \(height) pixels, more than \(maxPixels)")
            }
            let count = Int(width) * Int(height) * Int(channels) * Int(bitDepth / 8)
            let samples = try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
                guard nprec_png_read_pixels(decoder, buffer.baseAddress, count) == 0 else { throw failure() }
                initialized = count
            }
            return (samples, Int(width), Int(height), Int(channels), Int(bitDepth))
        }
    }
}
