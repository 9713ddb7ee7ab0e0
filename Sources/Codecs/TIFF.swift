import CShims

/// A single-image TIFF or BigTIFF read a band of rows at a time through libtiff, reading only the
/// strips or tiles that cover the rows asked for.
///
/// Samples: unsigned or signed integers of 8, 16, 32 or 64 bits, or IEEE floats of 32 or 64 bits,
/// 1 to 4 per pixel, interleaved (`PLANARCONFIG_CONTIG`) or in separate planes, which are
/// interleaved here. Any compression that libtiff was built with except old-style JPEG: none,
/// LZW, Deflate, PackBits, JPEG (YCbCr decoded to RGB by libjpeg) and more; libtiff undoes the
/// horizontal and floating-point predictors and swaps the samples to host order. The samples are
/// returned as stored: a palette image gives its indices, a min-is-white image its stored values.
/// A file holding more than one image (page) is refused unless a page is named by its directory
/// offset (`TIFFFile.pages`): a slice stack has one slice per file, a 3-D TIFF one per page.
///
/// Memory: libtiff decodes from a read-only mapping of the file, whose pages are dropped from the
/// resident set after each band (`madvise`), so a large compressed strip is never held whole. A
/// stripped image is read a row at a time (`TIFFReadScanline`), so the reader holds one row and
/// the codec's state; a tiled image is read a row of tiles at a time (`TIFFReadEncodedTile`),
/// which the reader keeps until the rows below it are asked for. A stripped image in separate
/// planes keeps one libtiff handle per plane, each reading its plane from top to bottom, so that
/// no strip is decoded twice.
public final class TIFFImage: RowReader {
    public let path: String
    public let width: Int
    public let height: Int
    public let channels: Int
    public let bitsPerSample: Int
    public let sampleKind: SampleKind
    /// Whether the image is stored in tiles (else in strips).
    public let isTiled: Bool
    /// Whether the samples of a pixel are stored in separate planes (`PLANARCONFIG_SEPARATE`).
    public let isPlanar: Bool
    public let isBigTIFF: Bool
    /// The TIFF `Compression` tag (1 none, 5 LZW, 8 Deflate, 32773 PackBits, 7 JPEG, ...).
    public let compression: Int
    public private(set) var nextRow = 0
    /// The file offset of the page's directory, or nil for the first of a single-page file.
    public let directory: UInt64?

    private let layout: nprec_tiff_layout
    private let sampleBytes: Int
    private let rowBytes: Int
    /// Planes read separately: `channels` when planar, else 1.
    private let planes: Int
    /// handles[0] reads everything but the other planes of a planar stripped image.
    private var handles: [OpaquePointer?]
    private var failure: CodecError?
    /// The decoded tiles of one row of tiles: [tile column][plane][tile bytes]. Allocated, not
    /// zeroed: the pages a corrupt file's oversized tiles claim are never touched.
    private var tileRow: UnsafeMutableRawBufferPointer? = nil
    private var tileRowIndex = -1

    /// Opens `path` and reads its first directory, or the one at file offset `directory` (a page
    /// of a multi-page file, from `TIFFFile.pages`) (`TIFFClientOpenExt`, `TIFFSetSubDirectory`,
    /// `TIFFGetField`).
    public init(path: String, directory: UInt64? = nil) throws {
        self.path = path
        self.directory = directory
        var message = [CChar](repeating: 0, count: Int(NPREC_MESSAGE_SIZE))
        guard let handle = nprec_tiff_open(path, &message) else {
            throw CodecError(
                library: "libtiff", message: "\(path): cannot open TIFF: \(Self.clean(cString(message), path))")
        }
        var layout = nprec_tiff_layout()
        var status: Int32 = 0
        if let directory { status = nprec_tiff_set_directory(handle, directory) }
        if status == 0 { status = nprec_tiff_read_layout(handle, &layout) }
        let problem =
            status == 0
            ? Self.problem(layout, page: directory != nil)
            : Self.clean(String(cString: nprec_tiff_message(handle)), path)
        if let problem {
            nprec_tiff_close(handle)
            throw CodecError(library: "libtiff", message: "\(path): \(problem)")
        }
        self.layout = layout
        handles = [handle]
        width = Int(layout.width)
        height = Int(layout.height)
        channels = Int(layout.samples_per_pixel)
        bitsPerSample = Int(layout.bits_per_sample)
        sampleKind = layout.sample_format == 2 ? .signed : layout.sample_format == 3 ? .float : .unsigned
        isTiled = layout.tiled != 0
        isPlanar = layout.planar_config == 2 && channels > 1
        isBigTIFF = layout.big_tiff != 0
        compression = Int(layout.compression)
        sampleBytes = bitsPerSample / 8
        planes = isPlanar ? channels : 1
        // Sizes are checked against what libtiff computes, in 64-bit arithmetic that cannot overflow.
        let pixelBytes = UInt64(channels * sampleBytes)
        rowBytes = width * channels * sampleBytes
        let planeRow = UInt64(width) * (isPlanar ? UInt64(sampleBytes) : pixelBytes)
        // No codec packs more than about 32768 decoded bytes into one byte (zstd's longest run),
        // so a header claiming more is corrupt; refusing it avoids allocating for it.
        let claimed = UInt64(width).multipliedReportingOverflow(by: UInt64(height) * pixelBytes)
        var size: String? = nil
        if UInt64(width) * pixelBytes > 1 << 32 {
            size = "rows of \(width) pixels are too large"
        } else if claimed.overflow || claimed.partialValue / 32768 > layout.file_size + (1 << 10) {
            size = "a \(width) x \(height) image cannot be held in \(layout.file_size) bytes: the file is corrupt"
        } else if layout.scanline_size != planeRow {
            size = "rows of \(layout.scanline_size) bytes, not \(planeRow) (an unsupported layout)"
        } else if isTiled {
            let area = UInt64(layout.tile_width).multipliedReportingOverflow(by: UInt64(layout.tile_length))
            let tile = area.partialValue.multipliedReportingOverflow(by: UInt64(planeRow / UInt64(width)))
            let across = (UInt64(width) + UInt64(layout.tile_width) - 1) / UInt64(layout.tile_width)
            if area.overflow || tile.overflow || layout.tile_size != tile.partialValue {
                size = "tiles of \(layout.tile_size) bytes are not \(layout.tile_width) x \(layout.tile_length) pixels"
            } else if tile.partialValue > (1 << 32) / across / UInt64(planes) {
                size = "a row of \(layout.tile_width) x \(layout.tile_length) tiles is too large"
            }
        }
        if let size { throw CodecError(library: "libtiff", message: "\(path): \(size)") }
        handles += Array(repeating: nil, count: isTiled ? 0 : planes - 1)
    }

    deinit {
        for handle in handles { nprec_tiff_close(handle) }
        tileRow?.deallocate()
    }

    /// Why the image cannot be read, or nil.
    private static func problem(_ layout: nprec_tiff_layout, page: Bool) -> String? {
        if layout.last_directory == 0 && !page { return "multi-page TIFF: one slice per file" }
        if layout.width == 0 || layout.height == 0 { return "empty \(layout.width) x \(layout.height) image" }
        if layout.compression == 6 { return "old-style JPEG compression (6) is not supported" }
        if layout.codec_configured == 0 { return "compression \(layout.compression) is not built into libtiff" }
        if layout.photometric == 6, layout.compression != 7 {
            return "YCbCr samples without JPEG compression are not supported"
        }
        let samples = layout.samples_per_pixel
        guard (1...4).contains(samples) else { return "\(samples) samples per pixel; 1 to 4 are supported" }
        let bits = layout.bits_per_sample
        switch layout.sample_format {
        case 1, 2, 4:  // unsigned, signed, void (read as unsigned)
            if ![8, 16, 32, 64].contains(bits) { return "\(bits)-bit integer samples are not supported" }
        case 3:
            if bits != 32 && bits != 64 { return "\(bits)-bit floating-point samples are not supported" }
        default:
            return "sample format \(layout.sample_format) (complex numbers) is not supported"
        }
        if layout.planar_config != 1 && layout.planar_config != 2 {
            return "planar configuration \(layout.planar_config) is not valid"
        }
        return nil
    }

    /// The next `count` rows (fewer at the end of the image, none after it).
    public func readRows(_ count: Int) throws -> [UInt8] {
        let (rows, _) = try rowBand(
            start: nextRow, count: count, height: height, rowBytes: rowBytes, library: "libtiff", path: path)
        let band = try readRows(in: rows)
        nextRow = rows.upperBound
        return band
    }

    /// Rows `rows` in any order, samples interleaved per pixel, in host order; reads only the
    /// strips or tiles that cover them. Reading forwards is cheapest: going back within a
    /// compressed strip decodes it again from its start. Does not move `nextRow`.
    public func readRows(in rows: Range<Int>) throws -> [UInt8] {
        if let failure { throw failure }
        guard rows.lowerBound >= 0, rows.upperBound <= height else {
            throw CodecError(library: "libtiff", message: "\(path): rows \(rows) are outside 0..<\(height)")
        }
        let (_, bytes) = try rowBand(
            start: rows.lowerBound, count: rows.count, height: height, rowBytes: rowBytes, library: "libtiff",
            path: path)
        if bytes == 0 { return [] }
        let band: [UInt8]
        do {
            // Every byte is written: each row whole, by libtiff or from the tiles.
            band = try [UInt8](unsafeUninitializedCapacity: bytes) { target, initialized in
                let base = UnsafeMutableRawPointer(target.baseAddress!)
                if isTiled {
                    try readTiles(rows, into: base)
                } else if planes == 1 {
                    try readScanlines(handle(0), rows, into: base, rowSize: rowBytes, plane: 0)
                } else {
                    try readPlanes(rows, into: base)
                }
                initialized = bytes
            }
        } catch let error as CodecError {
            failure = error
            throw error
        }
        for handle in handles { if let handle { nprec_tiff_release(handle) } }
        if rows.upperBound == height {
            tileRow?.deallocate()
            tileRow = nil
            tileRowIndex = -1
        }
        return band
    }

    private func failure(_ handle: OpaquePointer) -> CodecError {
        CodecError(
            library: "libtiff", message: "\(path): \(Self.clean(String(cString: nprec_tiff_message(handle)), path))")
    }

    /// A libtiff message without the file name that many of them start with.
    private static func clean(_ message: String, _ path: String) -> String {
        message.hasPrefix(path + ": ") ? String(message.dropFirst(path.count + 2)) : message
    }

    /// The handle that reads plane `plane` (opened on first use).
    private func handle(_ plane: Int) throws -> OpaquePointer {
        if let handle = handles[plane] { return handle }
        var message = [CChar](repeating: 0, count: Int(NPREC_MESSAGE_SIZE))
        guard let handle = nprec_tiff_open(path, &message) else {
            throw CodecError(
                library: "libtiff", message: "\(path): cannot open TIFF again: \(Self.clean(cString(message), path))")
        }
        handles[plane] = handle
        var layout = nprec_tiff_layout()
        if let directory, nprec_tiff_set_directory(handle, directory) != 0 { throw failure(handle) }
        guard nprec_tiff_read_layout(handle, &layout) == 0 else { throw failure(handle) }
        guard layout.width == self.layout.width, layout.height == self.layout.height,
            layout.scanline_size == self.layout.scanline_size
        else {
            throw CodecError(library: "libtiff", message: "\(path): the file changed while it was read")
        }
        return handle
    }

    /// Rows of one plane (or of interleaved pixels), `rowSize` bytes apart (`TIFFReadScanline`).
    private func readScanlines(
        _ handle: OpaquePointer, _ rows: Range<Int>, into target: UnsafeMutableRawPointer, rowSize: Int, plane: Int
    ) throws {
        let status = nprec_tiff_read_scanlines(
            handle, target.assumingMemoryBound(to: UInt8.self), rowSize, UInt32(rows.lowerBound),
            UInt32(rows.count), UInt32(plane))
        guard status == 0 else { throw failure(handle) }
    }

    /// A planar stripped image: each plane's rows through its own handle, then interleaved.
    private func readPlanes(_ rows: Range<Int>, into target: UnsafeMutableRawPointer) throws {
        let planeRowBytes = width * sampleBytes
        let plane = UnsafeMutableRawPointer.allocate(byteCount: planeRowBytes * rows.count, alignment: 16)
        defer { plane.deallocate() }
        for s in 0..<planes {
            try readScanlines(handle(s), rows, into: plane, rowSize: planeRowBytes, plane: s)
            scatter(
                UnsafeRawPointer(plane), into: target + s * sampleBytes, count: width * rows.count,
                element: sampleBytes, stride: channels)
        }
    }

    /// A tiled image: each row from the cached row of tiles that holds it.
    private func readTiles(_ rows: Range<Int>, into target: UnsafeMutableRawPointer) throws {
        let tileWidth = Int(layout.tile_width)
        let tileLength = Int(layout.tile_length)
        let tileBytes = Int(layout.tile_size)
        let across = (width + tileWidth - 1) / tileWidth
        let tileRowBytes = tileWidth * (isPlanar ? 1 : channels) * sampleBytes
        for y in rows {
            let index = y / tileLength
            if index != tileRowIndex { try loadTileRow(index, across: across) }
            let offset = (y - index * tileLength) * tileRowBytes
            let output = target + (y - rows.lowerBound) * rowBytes
            let tiles = UnsafeRawPointer(tileRow!.baseAddress!)
            for column in 0..<across {
                let x = column * tileWidth
                let count = min(tileWidth, width - x)
                if !isPlanar {
                    (output + x * channels * sampleBytes).copyMemory(
                        from: tiles + column * tileBytes + offset, byteCount: count * channels * sampleBytes)
                } else {
                    for s in 0..<planes {
                        scatter(
                            tiles + (column * planes + s) * tileBytes + offset,
                            into: output + (x * channels + s) * sampleBytes, count: count, element: sampleBytes,
                            stride: channels)
                    }
                }
            }
        }
    }

    /// Decodes the row of tiles `index` (every plane) into `tileRow`.
    private func loadTileRow(_ index: Int, across: Int) throws {
        let tileBytes = Int(layout.tile_size)
        let handle = try handle(0)
        tileRowIndex = -1
        if tileRow == nil {
            tileRow = .allocate(byteCount: tileBytes * across * planes, alignment: 16)
        }
        let base = tileRow!.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let y = UInt32(index * Int(layout.tile_length))
        for column in 0..<across {
            for s in 0..<planes {
                let status = nprec_tiff_read_tile(
                    handle, base + (column * planes + s) * tileBytes, tileBytes,
                    UInt32(column * Int(layout.tile_width)), y, UInt32(s))
                guard status == 0 else { throw failure(handle) }
            }
        }
        nprec_tiff_release(handle)  // the tiles are decoded: their pages of the file are not needed
        tileRowIndex = index
    }
}

/// Copies `count` samples of `element` bytes, packed at `source`, to every `stride`-th sample
/// slot from `target`: one plane into interleaved pixels.
func scatter(
    _ source: UnsafeRawPointer, into target: UnsafeMutableRawPointer, count: Int, element: Int, stride: Int
) {
    func copy<T>(_: T.Type) {
        let step = stride * MemoryLayout<T>.size
        for i in 0..<count {
            let value = source.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self)
            target.storeBytes(of: value, toByteOffset: i * step, as: T.self)
        }
    }
    switch element {
    case 1: copy(UInt8.self)
    case 2: copy(UInt16.self)
    case 4: copy(UInt32.self)
    default: copy(UInt64.self)
    }
}

/// The pages (directories) of a TIFF file and the first page's metadata tags.
public struct TIFFFile: Sendable {
    /// The file offset of each page's directory, in file order: give one to `TIFFImage` to read
    /// that page.
    public let pages: [UInt64]
    /// The first page's ImageDescription (ImageJ's or OME-XML metadata), or nil.
    public let description: String?
    /// The first page's XResolution and YResolution (pixels per unit, as libtiff's float) and
    /// ResolutionUnit (1 none, 2 inch, 3 centimetre), or nil.
    public let resolution: (x: Double, y: Double, unit: Int)?

    /// More pages than this are refused: a TIFF of a million pages is not a stack of slices.
    public static let maximumPages = 1_000_000

    /// Reads the directory chain of `path` (`TIFFNumberOfDirectories`, `TIFFReadDirectory`,
    /// `TIFFCurrentDirOffset`) and the first page's tags.
    public init(path: String) throws {
        var message = [CChar](repeating: 0, count: Int(NPREC_MESSAGE_SIZE))
        guard let handle = nprec_tiff_open(path, &message) else {
            throw CodecError(library: "libtiff", message: "\(path): cannot open TIFF: \(cString(message))")
        }
        defer { nprec_tiff_close(handle) }
        func failure() -> CodecError {
            CodecError(library: "libtiff", message: "\(path): \(String(cString: nprec_tiff_message(handle)))")
        }
        description = nprec_tiff_description(handle).map { String(cString: $0) }
        var x = 0.0
        var y = 0.0
        var unit: UInt32 = 0
        resolution = nprec_tiff_resolution(handle, &x, &y, &unit) == 0 ? (x, y, Int(unit)) : nil
        let count = nprec_tiff_directory_count(handle)
        guard count > 0 else { throw failure() }
        guard count <= Self.maximumPages else {
            throw CodecError(
                library: "libtiff", message: "\(path): \(count) pages; at most \(Self.maximumPages) are read")
        }
        var offsets = [UInt64](repeating: 0, count: Int(count))
        let found = offsets.withUnsafeMutableBufferPointer {
            nprec_tiff_directory_offsets(handle, $0.baseAddress, $0.count)
        }
        guard found > 0 else { throw failure() }
        pages = Array(offsets.prefix(Int(found)))
    }
}
