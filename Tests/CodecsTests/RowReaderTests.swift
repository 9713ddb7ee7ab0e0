import Foundation
import Testing

@testable import Codecs

/// The slice fixtures made by Fixtures/make_slice_fixtures.py (Fixtures/slices/): TIFF, PNG and
/// JPEG files with their expected samples (raw little-endian files indexed by expected.json).
enum SliceFixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/slices")

    struct Entry: Decodable {
        let expected: String?
        let shape: [Int]?
        let dtype: String?
        let tolerance: Double?
        let error: String?
    }

    struct Index: Decodable {
        let byteorder: String
        let files: [String: Entry]
    }

    static let index: Index? = {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent("expected.json")) else { return nil }
        return try? JSONDecoder().decode(Index.self, from: data)
    }()

    /// Files that must be read, with the extensions given.
    static func readable(_ extensions: String...) -> [String] {
        (index?.files ?? [:]).filter {
            $0.value.error == nil && extensions.contains(($0.key as NSString).pathExtension)
        }
        .map(\.key).sorted()
    }

    /// Files that must be refused: name and a part of the message.
    static var refused: [(String, String)] {
        (index?.files ?? [:]).compactMap { name, entry in entry.error.map { (name, $0) } }.sorted { $0.0 < $1.0 }
    }

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Sample kind and bits of a numpy dtype name.
    static func kind(_ dtype: String) -> (SampleKind, Int) {
        let bits = Int(dtype.drop { !$0.isNumber })!
        return (dtype.hasPrefix("uint") ? .unsigned : dtype.hasPrefix("int") ? .signed : .float, bits)
    }

    /// The expected samples of `name` in host order, with the entry.
    static func expected(_ name: String) throws -> (Entry, [UInt8]) {
        let entry = try #require(index?.files[name], "no fixture \(name): run Fixtures/make_slice_fixtures.py")
        let file = try #require(entry.expected)
        var bytes = [UInt8](try Data(contentsOf: directory.appendingPathComponent(file)))
        let size = kind(try #require(entry.dtype)).1 / 8
        if size > 1, 1.littleEndian != 1 {  // a big-endian host
            for i in stride(from: 0, to: bytes.count, by: size) { bytes[i..<(i + size)].reverse() }
        }
        return (entry, bytes)
    }

    /// Reads every row in bands of `band` rows (all rows when nil).
    static func readAll(_ reader: some RowReader, band: Int?) throws -> [UInt8] {
        var all: [UInt8] = []
        let step = band ?? reader.height
        while reader.nextRow < reader.height {
            let before = reader.nextRow
            let rows = try reader.readRows(step)
            #expect(reader.nextRow == min(before + step, reader.height))
            #expect(rows.count == (reader.nextRow - before) * reader.bytesPerRow)
            all += rows
        }
        #expect(try reader.readRows(step).isEmpty)
        return all
    }

    /// Checks `samples` against the expectation: exact, or within the entry's tolerance for lossy
    /// files (uint8 only).
    static func compare(_ samples: [UInt8], _ expected: [UInt8], _ entry: Entry, _ name: String) {
        #expect(samples.count == expected.count, "\(name)")
        guard samples.count == expected.count else { return }
        let tolerance = Int(entry.tolerance ?? 0)
        if tolerance == 0 {
            let first = samples.indices.first { samples[$0] != expected[$0] }
            #expect(first == nil, "\(name): first difference at byte \(first ?? -1)")
        } else {
            let worst = zip(samples, expected).map { abs(Int($0) - Int($1)) }.max() ?? 0
            #expect(worst <= tolerance, "\(name): samples differ by up to \(worst)")
        }
    }

    /// A copy of fixture `name` in a fresh temporary directory, changed by `change`.
    static func damaged(_ name: String, _ suffix: String, _ change: (inout [UInt8]) -> Void) throws -> String {
        var bytes = [UInt8](try Data(contentsOf: directory.appendingPathComponent(name)))
        change(&bytes)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nprec-rows-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent("\(suffix)-\(name)")
        try Data(bytes).write(to: url)
        return url.path
    }

    static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent)
    }
}

/// The PNG and JPEG row readers against the slice fixtures and against the whole-image decoders.
@Suite struct RowReaderTests {
    static let bands: [Int?] = [1, 3, nil]

    func open(_ path: String) throws -> any RowReader {
        path.hasSuffix(".png") ? try PNGRowReader(path: path) : try JPEGRowReader(path: path)
    }

    @Test(
        "PNG and JPEG fixtures read in bands equal the expected samples",
        arguments: SliceFixtures.readable("png", "jpg"), bands)
    func fixtures(name: String, band: Int?) throws {
        let (entry, expected) = try SliceFixtures.expected(name)
        let reader = try open(SliceFixtures.path(name))
        let shape = try #require(entry.shape)
        let (kind, bits) = SliceFixtures.kind(try #require(entry.dtype))
        #expect([reader.height, reader.width, reader.channels] == shape)
        #expect(reader.sampleKind == kind && reader.bitsPerSample == bits)
        SliceFixtures.compare(try SliceFixtures.readAll(reader, band: band), expected, entry, name)
    }

    static let imagePNGs: [String] = {
        let folder = ImageFixtures.directory.appendingPathComponent("png").path
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".png") }
            .sorted()
    }()

    /// Every colour type, bit depth and expansion (and Adam7 interlacing) of Fixtures/images/png:
    /// the row reader returns what PNG.decode does.
    @Test("PNG row reader equals PNG.decode", arguments: imagePNGs, [1, 2, 1000])
    func pngMatchesDecode(name: String, band: Int) throws {
        let url = ImageFixtures.directory.appendingPathComponent("png").appendingPathComponent(name)
        let decoded = try PNG.decode([UInt8](try Data(contentsOf: url)))
        let reader = try PNGRowReader(path: url.path)
        #expect(reader.width == decoded.width && reader.height == decoded.height)
        #expect(reader.channels == decoded.channels && reader.bitsPerSample == decoded.bitDepth)
        #expect(reader.isInterlaced == name.contains("interlaced"))
        #expect(try SliceFixtures.readAll(reader, band: band) == decoded.samples)
    }

    static let imageJPEGs: [String] = {
        let folder = ImageFixtures.directory.appendingPathComponent("jpeg").path
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".jpg") }
            .sorted()
    }()

    @Test("JPEG row reader equals JPEG.decode", arguments: imageJPEGs, [1, 7, 1000])
    func jpegMatchesDecode(name: String, band: Int) throws {
        let url = ImageFixtures.directory.appendingPathComponent("jpeg").appendingPathComponent(name)
        let decoded = try JPEG.decode([UInt8](try Data(contentsOf: url)))
        let reader = try JPEGRowReader(path: url.path)
        #expect(reader.width == decoded.width && reader.height == decoded.height)
        #expect(reader.channels == decoded.components)
        #expect(try SliceFixtures.readAll(reader, band: band) == decoded.pixels)
    }

    /// Truncated and damaged files throw a CodecError naming the file, at open or at a read, and
    /// keep throwing after that.
    @Test(
        "truncated or damaged PNG and JPEG files throw naming the file",
        arguments: SliceFixtures.readable("png", "jpg"), [0.0, 0.3, 0.7, 0.97])
    func truncated(name: String, keep: Double) throws {
        let path = try SliceFixtures.damaged(name, "cut") { $0 = Array($0.prefix(Int(Double($0.count) * keep))) }
        defer { SliceFixtures.remove(path) }
        let error = #expect(throws: CodecError.self) {
            let reader = try open(path)
            _ = try SliceFixtures.readAll(reader, band: 4)
        }
        #expect(error?.message.contains(path) == true, "\(error.map(String.init(describing:)) ?? "")")
    }

    @Test func failedReaderKeepsThrowing() throws {
        let path = try SliceFixtures.damaged("rgb8.png", "cut") { $0 = Array($0.prefix($0.count / 2)) }
        defer { SliceFixtures.remove(path) }
        let reader = try PNGRowReader(path: path)
        var first: CodecError?
        do { _ = try SliceFixtures.readAll(reader, band: 2) } catch let error as CodecError { first = error }
        let error = try #require(first)
        #expect(error.message.contains("truncated"), "\(error)")
        #expect(throws: CodecError.self) { try reader.readRows(1) }
    }

    @Test func missingFilesAndWrongContentThrow() throws {
        for path in ["/nonexistent/slice.png", "/nonexistent/slice.jpg"] {
            let error = #expect(throws: CodecError.self) { try open(path) }
            #expect(error?.message.contains(path) == true && error?.message.contains("No such file") == true)
        }
        let tiff = SliceFixtures.path("uint8.tif")
        let png = #expect(throws: CodecError.self) { try PNGRowReader(path: tiff) }
        #expect(png?.message.contains("not a PNG file") == true, "\(png.map(String.init(describing:)) ?? "")")
        let jpeg = #expect(throws: CodecError.self) { try JPEGRowReader(path: tiff) }
        #expect(jpeg?.message.contains(tiff) == true)
    }

    /// Bytes flipped all over the files: every read either succeeds or throws; none crashes.
    @Test("damaged bytes never crash", arguments: ["rgb8.png", "grey16.png", "palette_transparency.png", "grey.jpg"])
    func damagedBytes(name: String) throws {
        let size = try Data(contentsOf: SliceFixtures.directory.appendingPathComponent(name)).count
        for position in stride(from: 8, to: size, by: max(1, size / 40)) {
            let path = try SliceFixtures.damaged(name, "flip\(position)") { $0[position] ^= 0x5a }
            defer { SliceFixtures.remove(path) }
            do {
                _ = try SliceFixtures.readAll(open(path), band: 5)
            } catch let error as CodecError {
                #expect(error.message.contains(path))
            }
        }
    }
}
