import Codecs
import Foundation
import Precomputed
import Testing

@testable import Slices

#if canImport(Glibc)
    import Glibc
#endif

/// The slice fixtures of Fixtures/slices (made by Fixtures/make_slice_fixtures.py).
enum SliceFiles {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let directory = root.appendingPathComponent("Fixtures/slices")

    struct Entry: Decodable {
        let expected: String?
        let shape: [Int]?
        let dtype: String?
        let tolerance: Double?
        let error: String?
    }

    struct Index: Decodable { let files: [String: Entry] }

    static let files: [String: Entry] = {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent("expected.json")),
            let index = try? JSONDecoder().decode(Index.self, from: data)
        else { return [:] }
        return index.files
    }()

    static var readable: [String] { files.filter { $0.value.error == nil }.map(\.key).sorted() }
    static var refused: [String] { files.filter { $0.value.error != nil }.map(\.key).sorted() }
    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
}

@Suite struct ReaderTests {
    /// Every fixture through SliceReaders.open: the data type follows the samples, and bands of
    /// 1, 3 and all rows give the expected samples (JPEG within the fixture's tolerance).
    @Test("slice fixtures open with their data type and read in bands", arguments: SliceFiles.readable, [1, 3, 1000])
    func fixtures(name: String, band: Int) throws {
        let entry = try #require(SliceFiles.files[name])
        let image = try SliceReaders.open(SliceFiles.path(name))
        let shape = try #require(entry.shape)
        #expect([image.height, image.width, image.channels] == shape)
        #expect(image.sampleType == DataType(rawValue: try #require(entry.dtype)))
        var samples: [UInt8] = []
        for _ in stride(from: 0, to: image.height, by: band) { samples += try image.readRows(band) }
        let expected = [UInt8](try Data(contentsOf: SliceFiles.directory.appendingPathComponent(entry.expected!)))
        try #require(samples.count == expected.count, "\(name)")
        let size = image.sampleType.size
        if size > 1, 1.littleEndian != 1 { return }  // the expectations are little-endian
        let tolerance = Int(entry.tolerance ?? 0)
        let worst = zip(samples, expected).reduce(0) { max($0, abs(Int($1.0) - Int($1.1))) }
        #expect(worst <= tolerance, "\(name): samples differ by up to \(worst)")
    }

    @Test func dataTypesFollowKindAndBits() {
        #expect(SliceReaders.dataType(.unsigned, bits: 8) == .uint8)
        #expect(SliceReaders.dataType(.unsigned, bits: 16) == .uint16)
        #expect(SliceReaders.dataType(.unsigned, bits: 32) == .uint32)
        #expect(SliceReaders.dataType(.signed, bits: 8) == .int8)
        #expect(SliceReaders.dataType(.signed, bits: 16) == .int16)
        #expect(SliceReaders.dataType(.signed, bits: 32) == .int32)
        #expect(SliceReaders.dataType(.float, bits: 32) == .float32)
        #expect(SliceReaders.dataType(.float, bits: 64) == .float64)
        #expect(SliceReaders.dataType(.float, bits: 16) == nil)
        #expect(SliceReaders.dataType(.unsigned, bits: 12) == nil)
    }

    @Test("refused files are SliceErrors naming the file", arguments: SliceFiles.refused)
    func refused(name: String) throws {
        let path = SliceFiles.path(name)
        let problem = try #require(SliceFiles.files[name]?.error)
        #expect { try SliceReaders.open(path) } throws: { error in
            "\(error)" == "\(path): \(problem) (libtiff)" && error is SliceError
        }
    }

    /// Truncated slices of every format fail as SliceErrors that name the file once, whether
    /// the damage shows at open or at a read.
    @Test(
        "truncated slices fail naming the file",
        arguments: ["uint16_lzw_predictor.tif", "int16_lzw_predictor_tiled.tif", "rgb8.png", "rgb_420.jpg"])
    func truncated(name: String) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nprec-slices-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let bytes = try Data(contentsOf: SliceFiles.directory.appendingPathComponent(name))
        for keep in [0, 16, bytes.count / 2, bytes.count - 40] {
            let path = folder.appendingPathComponent("cut\(keep)-\(name)").path
            try bytes.prefix(keep).write(to: URL(fileURLWithPath: path))
            #expect {
                let image = try SliceReaders.open(path)
                for _ in 0..<image.height { _ = try image.readRows(1) }
            } throws: { error in
                let text = "\(error)"
                return error is SliceError && text.hasPrefix(path + ": ")
                    && text.components(separatedBy: path).count == 2
            }
        }
    }

    @Test func missingAndUnknownFilesAreNamed() {
        #expect { try SliceReaders.open("/nonexistent/a.tif") } throws: {
            "\($0)" == "/nonexistent/a.tif: no such file"
        }
        #expect { try SliceReaders.open("/nonexistent/a.bmp") } throws: {
            "\($0)".contains("not a PNG, TIFF or JPEG file")
        }
    }

    // MARK: - Memory: a conversion of large slices holds bands, not slices

    static let largeWidth = 4000
    static let largeHeight = 3000
    static let largeCount = 3

    /// Writes the slices of a stack: `format` "png", "tif-strips" (uncompressed, 16 rows per
    /// strip), "tif-tiles" (256 x 256 uncompressed tiles) or "tif-one-strip" (one PackBits strip
    /// for the whole image).
    static func writeStack(_ format: String, in directory: URL, width: Int, height: Int, count: Int) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for s in 0..<count {
            var samples = [UInt16](repeating: 0, count: width * height)
            samples.withUnsafeMutableBufferPointer { values in
                for y in 0..<height {
                    let base = y &* width
                    let row = UInt16(truncatingIfNeeded: y &* 13 &+ s &* 1009)
                    for x in 0..<width {
                        values[base &+ x] =
                            row &+ UInt16(truncatingIfNeeded: x &* 7) ^ UInt16(truncatingIfNeeded: x &* y)
                    }
                }
            }
            let bytes = samples.withUnsafeBytes { Array($0) }
            let url = directory.appendingPathComponent(
                String(format: "slice_%03d.%@", s, format == "png" ? "png" : "tif"))
            switch format {
            case "png":
                let png = try PNG.encode(
                    samples: bytes, width: width, height: height, channels: 1, bitDepth: 16, compressionLevel: 1)
                try Data(png).write(to: url)
            default:
                try Data(TIFFFile.encode(bytes, width: width, height: height, layout: format)).write(to: url)
            }
        }
    }

    /// Runs `nprec info`, `scales` and `convert` on `stack`; returns the peak resident memory of
    /// the `convert` process in bytes.
    static func convertPeak(_ stack: URL, output: URL, binary: String) throws -> Int {
        let info = try spawn(binary, ["info", stack.path, output.path, "--resolution", "1000,1000,1000"])
        try #require(info.status == 0, "nprec info: \(info.stderr)")
        let scales = try spawn(
            binary,
            [
                "scales", output.appendingPathComponent("info_fullres.json").path, output.path, "--target-chunk-size",
                "64",
            ])
        try #require(scales.status == 0, "nprec scales: \(scales.stderr)")
        let convert = try spawn(binary, ["convert", stack.path, output.path, "-j", "1"])
        try #require(convert.status == 0, "nprec convert: \(convert.stderr)")
        return convert.peak
    }

    static var binary: String? {
        var candidates: [String] = []
        if let path = ProcessInfo.processInfo.environment["NPREC_BIN"], !path.isEmpty { candidates.append(path) }
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        candidates.append(bundle.appendingPathComponent("nprec").path)
        candidates.append(SliceFiles.root.appendingPathComponent(".build/debug/nprec").path)
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// `nprec convert` of 3 slices of 4000 x 3000 uint16 (24 MB each, 72 MB in all) in chunks of
    /// 64: the peak resident memory of the process (GNU time's maximum resident set size) stays
    /// within a few bands (one band of 64 rows of the 3 slices is 1.5 MB) above that of
    /// converting a stack of tiny slices: below half a slice, plus for tiles the row of 256 x 256
    /// tiles that each reader holds (2 MB), whatever the format and layout, a single 24 MB
    /// compressed strip included. Decoding the slices whole would take 72 MB.
    @Test(
        .enabled(if: FileManager.default.isExecutableFile(atPath: time), "needs GNU time at /usr/bin/time"),
        .disabled(
            if: ProcessInfo.processInfo.environment["NPREC_SANITIZER"] != nil,
            "a sanitizer's shadow memory and quarantine make resident memory meaningless"),
        .timeLimit(.minutes(5)), arguments: ["png", "tif-strips", "tif-tiles", "tif-one-strip"])
    func largeSliceConversionHoldsBands(format: String) throws {
        let binary = try #require(Self.binary, "no nprec binary next to the tests: build it, or set NPREC_BIN")
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("nprec-memory-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let small = root.appendingPathComponent("small")
        let large = root.appendingPathComponent("large")
        try Self.writeStack(format, in: small, width: 64, height: 48, count: Self.largeCount)
        try Self.writeStack(
            format, in: large, width: Self.largeWidth, height: Self.largeHeight, count: Self.largeCount)
        let baseline = try Self.convertPeak(small, output: root.appendingPathComponent("out-small"), binary: binary)
        let peak = try Self.convertPeak(large, output: root.appendingPathComponent("out-large"), binary: binary)
        let slice = Self.largeWidth * Self.largeHeight * 2
        let mb = { (bytes: Int) in String(format: "%.1f MB", Double(bytes) / 1e6) }
        print(
            "nprec convert, \(format): peak RSS \(mb(peak)) for \(Self.largeCount) slices of \(mb(slice)), "
                + "\(mb(baseline)) for tiny slices: \(mb(peak - baseline)) more")
        // A tiled slice's reader holds a row of tiles: 256 rows of 16 tiles of 256 columns.
        let tileRows = format == "tif-tiles" ? Self.largeCount * 256 * 16 * 256 * 2 : 0
        #expect(
            peak - baseline < slice / 2 + tileRows,
            "peak \(mb(peak)), baseline \(mb(baseline)), one slice \(mb(slice)), rows of tiles \(mb(tileRows))")
    }

    static let time = "/usr/bin/time"

    /// Runs `binary ARGUMENTS` under GNU time, which reports the peak resident memory of the
    /// process it forks. (The test process cannot measure it itself: a child's ru_maxrss starts
    /// from the memory of the process that executed it, here the whole test process.)
    static func spawn(_ binary: String, _ arguments: [String]) throws -> (status: Int32, peak: Int, stderr: String) {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("nprec-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let errorPath = scratch.appendingPathComponent("stderr").path
        let peakPath = scratch.appendingPathComponent("peak").path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let command = [time, "-f", "%M", "-o", peakPath, binary] + arguments
        let argv = command.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, time, &actions, nil, argv, environ)
        try #require(spawned == 0, "cannot run \(time): \(String(cString: strerror(spawned)))")
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let stderr = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
        let report = (try? String(contentsOfFile: peakPath, encoding: .utf8)) ?? ""
        // GNU time writes "Command exited with non-zero status N" before the numbers on failure.
        let kilobytes = report.split(separator: "\n").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }.last
        return (exit, (kilobytes ?? 0) * 1024, stderr)
    }
}

/// A minimal little-endian TIFF writer for the test stacks: 16-bit grey, in uncompressed strips
/// of 16 rows ("tif-strips"), uncompressed 256 x 256 tiles ("tif-tiles"), or one PackBits strip
/// ("tif-one-strip").
enum TIFFFile {
    static func encode(_ samples: [UInt8], width: Int, height: Int, layout: String) throws -> [UInt8] {
        let rowBytes = width * 2
        var blocks: [[UInt8]] = []
        var entries: [(tag: UInt16, type: UInt16, values: [UInt32])] = [
            (256, 4, [UInt32(width)]), (257, 4, [UInt32(height)]), (258, 3, [16]),
            (259, 3, [layout == "tif-one-strip" ? 32773 : 1]), (262, 3, [1]), (277, 3, [1]), (284, 3, [1]),
            (339, 3, [1]),
        ]
        switch layout {
        case "tif-tiles":
            let tile = 256
            for ty in stride(from: 0, to: height, by: tile) {
                for tx in stride(from: 0, to: width, by: tile) {
                    var block = [UInt8](repeating: 0, count: tile * tile * 2)
                    for y in ty..<min(ty + tile, height) {
                        let count = min(tile, width - tx) * 2
                        let source = y * rowBytes + tx * 2
                        block.replaceSubrange(
                            ((y - ty) * tile * 2)..<((y - ty) * tile * 2 + count),
                            with: samples[source..<(source + count)])
                    }
                    blocks.append(block)
                }
            }
            entries += [(322, 4, [UInt32(tile)]), (323, 4, [UInt32(tile)])]
        case "tif-one-strip":
            var block: [UInt8] = []
            block.reserveCapacity(samples.count + samples.count / 128 + height)
            for y in 0..<height {  // PackBits literal runs of up to 128 bytes, row by row
                var x = 0
                while x < rowBytes {
                    let n = min(128, rowBytes - x)
                    block.append(UInt8(n - 1))
                    block += samples[(y * rowBytes + x)..<(y * rowBytes + x + n)]
                    x += n
                }
            }
            blocks = [block]
            entries.append((278, 4, [UInt32(height)]))
        default:
            let rows = 16
            for y in stride(from: 0, to: height, by: rows) {
                blocks.append(Array(samples[(y * rowBytes)..<(min(y + rows, height) * rowBytes)]))
            }
            entries.append((278, 4, [UInt32(rows)]))
        }
        let tiled = layout == "tif-tiles"
        let offsetTag: UInt16 = tiled ? 324 : 273
        let countTag: UInt16 = tiled ? 325 : 279
        // Header, directory, then the offset and count arrays, then the data.
        let entryCount = entries.count + 2
        let directorySize = 2 + entryCount * 12 + 4
        let arrays = 8 + directorySize
        let arrayBytes = blocks.count > 1 ? blocks.count * 8 : 0
        var dataOffset = arrays + arrayBytes
        var offsets: [UInt32] = []
        for block in blocks {
            offsets.append(UInt32(dataOffset))
            dataOffset += block.count
        }
        entries.append((offsetTag, 4, offsets))
        entries.append((countTag, 4, blocks.map { UInt32($0.count) }))
        entries.sort { $0.tag < $1.tag }
        func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8)] }
        func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xff) } }
        var out: [UInt8] = [0x49, 0x49] + le16(42) + le32(8) + le16(UInt16(entryCount))
        var arrayData: [UInt8] = []
        for entry in entries {
            out += le16(entry.tag) + le16(entry.type) + le32(UInt32(entry.values.count))
            if entry.values.count == 1 {
                out += entry.type == 3 ? le16(UInt16(entry.values[0])) + [0, 0] : le32(entry.values[0])
            } else {
                out += le32(UInt32(arrays + arrayData.count))
                for value in entry.values { arrayData += le32(value) }
            }
        }
        out += le32(0)
        out += arrayData
        precondition(out.count == arrays + arrayBytes)
        out.reserveCapacity(dataOffset)
        for block in blocks { out += block }
        return out
    }
}
