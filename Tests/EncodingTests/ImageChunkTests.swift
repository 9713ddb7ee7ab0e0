import Codecs
import Foundation
import Precomputed
import Testing

@testable import Encoding

/// The test volume of Fixtures/make_image_fixtures.py (`chunk_values`) and the golden files.
enum ImageGolden {
    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")
    static let golden = fixtures.appendingPathComponent("golden/images")

    /// Values of the box at `origin` of `size` in a volume of `volumeSize`, x fastest, then y, z,
    /// channel; 20...246 (times 251 for uint16). Integer arithmetic, as in the Python script.
    static func values(
        size: [Int], channels: Int, origin: [Int] = [0, 0, 0], volumeSize: [Int]? = nil, dataType: DataType = .uint8
    ) -> [UInt8] {
        let volume = volumeSize ?? size
        var result: [Int] = []
        result.reserveCapacity(size.reduce(channels, *))
        for c in 0..<channels {
            for z in origin[2]..<origin[2] + size[2] {
                for y in origin[1]..<origin[1] + size[1] {
                    for x in origin[0]..<origin[0] + size[0] {
                        let ramp = 120 * (x + y + 2 * z) / (volume[0] + volume[1] + 2 * volume[2])
                        let texture = 3 * abs(x % 24 - 12) + 2 * abs(y % 20 - 10) + 2 * abs(z % 6 - 3)
                        let h = (x * 73_856_093 ^ y * 19_349_663 ^ z * 83_492_791 ^ c * 2_654_435_761) & 0xffff_ffff
                        result.append(20 + ramp + texture + (h >> 13) % 5 + 20 * c)
                    }
                }
            }
        }
        if dataType == .uint16 { return result.map { UInt16($0 * 251) }.withUnsafeBytes { Array($0) } }
        return result.map { UInt8($0) }
    }

    static func psnr(_ a: [UInt8], _ b: [UInt8]) -> Double {
        precondition(a.count == b.count)
        let squared = zip(a, b).reduce(0.0) { sum, pair in
            let d = Double(pair.0) - Double(pair.1)
            return sum + d * d
        }
        return squared == 0 ? .infinity : 10 * log10(255 * 255 / (squared / Double(a.count)))
    }

    /// The reference's JPEG chunk sizes and PSNR (jpeg_reference.json).
    struct Reference: Decodable {
        let size: [Int]
        let channels: Int
        let plane: String
        let quality: Int
        let bytes: Int
        let psnr: Double
    }

    static let reference: [String: Reference] = {
        guard let data = try? Data(contentsOf: golden.appendingPathComponent("jpeg_reference.json")) else { return [:] }
        return (try? JSONDecoder().decode([String: Reference].self, from: data)) ?? [:]
    }()

    /// Tiny datasets whose chunks nprec encodes, read by tensorstore and the reference in
    /// Tests/conformance/check_images.py. Recorded with NPREC_RECORD=1.
    struct Dataset: Sendable, CustomStringConvertible {
        let name: String
        let encoding: String
        let dataType: DataType
        let channels: Int
        let size: [Int]
        let chunk: [Int]
        let plane: String
        var description: String { name }
    }

    static let datasets = [
        Dataset(
            name: "jpeg_grey_xy", encoding: "jpeg", dataType: .uint8, channels: 1, size: [40, 30, 12],
            chunk: [32, 32, 8], plane: "xy"),
        Dataset(
            name: "jpeg_grey_xz", encoding: "jpeg", dataType: .uint8, channels: 1, size: [40, 30, 12],
            chunk: [32, 32, 8], plane: "xz"),
        Dataset(
            name: "jpeg_rgb_xy", encoding: "jpeg", dataType: .uint8, channels: 3, size: [24, 20, 6],
            chunk: [16, 16, 4], plane: "xy"),
        Dataset(
            name: "png_uint8_1", encoding: "png", dataType: .uint8, channels: 1, size: [40, 30, 12],
            chunk: [32, 32, 8], plane: "xy"),
        Dataset(
            name: "png_uint16_1", encoding: "png", dataType: .uint16, channels: 1, size: [40, 30, 12],
            chunk: [32, 32, 8], plane: "xy"),
        Dataset(
            name: "png_uint16_2", encoding: "png", dataType: .uint16, channels: 2, size: [24, 20, 6],
            chunk: [16, 16, 4], plane: "xy"),
        Dataset(
            name: "png_uint8_3", encoding: "png", dataType: .uint8, channels: 3, size: [24, 20, 6], chunk: [16, 16, 4],
            plane: "xy"),
        Dataset(
            name: "png_uint8_4", encoding: "png", dataType: .uint8, channels: 4, size: [24, 20, 6], chunk: [16, 16, 4],
            plane: "xy"),
    ]

    /// The chunks of a dataset: file name, origin and (truncated) size.
    static func chunks(of dataset: Dataset) -> [(name: String, origin: [Int], size: [Int])] {
        var result: [(String, [Int], [Int])] = []
        for z in stride(from: 0, to: dataset.size[2], by: dataset.chunk[2]) {
            for y in stride(from: 0, to: dataset.size[1], by: dataset.chunk[1]) {
                for x in stride(from: 0, to: dataset.size[0], by: dataset.chunk[0]) {
                    let origin = [x, y, z]
                    let end = (0..<3).map { min(origin[$0] + dataset.chunk[$0], dataset.size[$0]) }
                    let name = (0..<3).map { "\(origin[$0])-\(end[$0])" }.joined(separator: "_")
                    result.append((name, origin, (0..<3).map { end[$0] - origin[$0] }))
                }
            }
        }
        return result
    }

    static func encode(_ values: [UInt8], size: [Int], in dataset: Dataset) throws -> [UInt8] {
        dataset.encoding == "jpeg"
            ? try JPEGChunk.encode(values, size: size, channels: dataset.channels, quality: 95, plane: dataset.plane)
            : try PNGChunk.encode(
                values, size: size, channels: dataset.channels, dataType: dataset.dataType, compressionLevel: 6)
    }

    static func decode(_ bytes: [UInt8], size: [Int], in dataset: Dataset, path: String) throws -> [UInt8] {
        dataset.encoding == "jpeg"
            ? try JPEGChunk.decode(bytes, size: size, channels: dataset.channels, path: path)
            : try PNGChunk.decode(bytes, size: size, channels: dataset.channels, dataType: dataset.dataType, path: path)
    }

    static func info(_ dataset: Dataset) -> String {
        func list(_ values: [Int]) -> String { "[" + values.map(String.init).joined(separator: ", ") + "]" }
        return """
            {"@type": "neuroglancer_multiscale_volume", "type": "image", "data_type": "\(dataset.dataType.rawValue)", \
            "num_channels": \(dataset.channels), "scales": [{"key": "s0", "size": \(list(dataset.size)), \
            "resolution": [1, 1, 1], "voxel_offset": [0, 0, 0], "chunk_sizes": [\(list(dataset.chunk))], \
            "encoding": "\(dataset.encoding)"}]}

            """
    }
}

@Suite struct ImageChunkTests {
    typealias Reference = ImageGolden.Reference

    static func badChunk(_ error: any Error) -> Bool {
        if case PrecomputedError.badChunk = error { return true }
        return false
    }

    static func unsupported(_ error: any Error) -> Bool {
        if case PrecomputedError.unsupported = error { return true }
        return false
    }

    // MARK: JPEG

    @Test func referenceNumbersAreThere() {
        #expect(ImageGolden.reference.count >= 6)
    }

    @Test(
        "size and PSNR within 10 % and 0.5 dB of neuroglancer-scripts", arguments: ImageGolden.reference.keys.sorted())
    func matchesTheReference(name: String) throws {
        let ref = try #require(ImageGolden.reference[name])
        let values = ImageGolden.values(size: ref.size, channels: ref.channels)
        let jpeg = try JPEGChunk.encode(
            values, size: ref.size, channels: ref.channels, quality: ref.quality, plane: ref.plane)
        let decoded = try JPEGChunk.decode(jpeg, size: ref.size, channels: ref.channels, path: name)
        let psnr = ImageGolden.psnr(decoded, values)
        #expect(psnr > 35)
        #expect(psnr >= ref.psnr - 0.5, "PSNR \(psnr) dB, reference \(ref.psnr) dB")
        #expect(abs(jpeg.count - ref.bytes) <= ref.bytes / 10, "\(jpeg.count) bytes, reference \(ref.bytes)")
    }

    @Test("image layout of the planes", arguments: [("xy", 1), ("xz", 1), ("xy", 3), ("xz", 3)])
    func planes(plane: String, channels: Int) throws {
        let size = [13, 7, 5]
        let values = ImageGolden.values(size: size, channels: channels)
        let jpeg = try JPEGChunk.encode(values, size: size, channels: channels, quality: 95, plane: plane)
        let image = try JPEG.decode(jpeg)
        #expect(image.components == channels)
        if plane == "xy" {
            #expect(image.width == 13 && image.height == 35)
        } else {
            #expect(image.width == 91 && image.height == 5)
        }
        // Pixel order is the voxel order in both planes; colour pixels are interleaved RGB.
        let planar = (0..<channels).flatMap { c in
            stride(from: c, to: image.pixels.count, by: channels).map { image.pixels[$0] }
        }
        #expect(ImageGolden.psnr(planar, values) > 35)
        #expect(try JPEGChunk.decode(jpeg, size: size, channels: channels, path: "c") == planar)
    }

    @Test(arguments: [(1, 1), (7, 5), (37, 23)], [1, 3])
    func roundTripOddSizes(xy: (Int, Int), channels: Int) throws {
        for z in [1, 3] {
            let size = [xy.0, xy.1, z]
            let values = ImageGolden.values(size: size, channels: channels)
            for plane in ["xy", "xz"] {
                let jpeg = try JPEGChunk.encode(values, size: size, channels: channels, quality: 95, plane: plane)
                let decoded = try JPEGChunk.decode(jpeg, size: size, channels: channels, path: "c")
                #expect(decoded.count == values.count)
                #expect(ImageGolden.psnr(decoded, values) > 35, "\(size) \(plane)")
            }
        }
    }

    @Test func decodeAcceptsAnyShapeWithTheRightArea() throws {
        let size = [8, 6, 4]
        let values = ImageGolden.values(size: size, channels: 1)
        for (width, height) in [(8, 24), (48, 4), (192, 1), (1, 192), (16, 12)] {
            let jpeg = try JPEG.encode(
                pixels: values, width: width, height: height, components: 1, quality: 100, progressive: false,
                optimizeHuffman: false)
            let decoded = try JPEGChunk.decode(jpeg, size: size, channels: 1, path: "c")
            #expect(ImageGolden.psnr(decoded, values) > 45)
        }
    }

    @Test func jpegDecodeErrorsAreBadChunks() throws {
        let size = [8, 6, 4]
        let grey = try JPEGChunk.encode(
            ImageGolden.values(size: size, channels: 1), size: size, channels: 1, quality: 95, plane: "xy")
        #expect { try JPEGChunk.decode(grey, size: size, channels: 3, path: "s0/c") } throws: { error in
            Self.badChunk(error) && "\(error)".contains("s0/c") && "\(error)".contains("1 component")
        }
        #expect(
            performing: { try JPEGChunk.decode(grey, size: [8, 6, 5], channels: 1, path: "c") }, throws: Self.badChunk)
        #expect(
            performing: {
                try JPEGChunk.decode(Array(grey.prefix(grey.count - 10)), size: size, channels: 1, path: "c")
            }, throws: Self.badChunk)
        #expect(
            performing: { try JPEGChunk.decode([1, 2, 3], size: size, channels: 1, path: "c") }, throws: Self.badChunk)
        let rgb = try JPEGChunk.encode(
            ImageGolden.values(size: size, channels: 3), size: size, channels: 3, quality: 95, plane: "xy")
        #expect(performing: { try JPEGChunk.decode(rgb, size: size, channels: 1, path: "c") }, throws: Self.badChunk)
    }

    @Test func chunksTooTallForJPEGAreRefusedUpFront() throws {
        // 64 x 1024 x 64 in xy: a 64 x 65536 image. In xz: 65536 x 64.
        for plane in ["xy", "xz"] {
            #expect(
                performing: { try JPEGChunk.checkEncodable(size: [64, 1024, 64], channels: 1, plane: plane) },
                throws: Self.unsupported)
        }
        try JPEGChunk.checkEncodable(size: [512, 512, 64], channels: 3, plane: "xy")  // 512 x 32768
        try JPEGChunk.checkEncodable(size: [255, 256, 64], channels: 1, plane: "xz")  // 65280 x 64
        #expect(
            performing: { try JPEGChunk.checkEncodable(size: [256, 256, 64], channels: 1, plane: "xz") },
            throws: Self.unsupported)
        // libjpeg stops at 65500, a little under the format's 65535.
        #expect(
            performing: { try JPEGChunk.checkEncodable(size: [4, 65501, 1], channels: 1, plane: "xy") },
            throws: Self.unsupported)
    }

    @Test func badJPEGArgumentsAreRefused() {
        #expect(
            performing: { try JPEGChunk.checkEncodable(size: [8, 8, 8], channels: 2, plane: "xy") },
            throws: Self.unsupported)
        #expect(
            performing: { try JPEGChunk.checkEncodable(size: [8, 8, 8], channels: 1, plane: "yz") },
            throws: Self.unsupported)
        #expect(
            performing: { try JPEGChunk.checkEncodable(size: [8, 8], channels: 1, plane: "xy") },
            throws: Self.unsupported)
    }

    // MARK: PNG

    @Test("round trip is exact", arguments: [DataType.uint8, .uint16], [1, 2, 3, 4])
    func pngRoundTrip(dataType: DataType, channels: Int) throws {
        for size in [[1, 1, 1], [7, 5, 3], [32, 32, 8]] {
            let values = ImageGolden.values(size: size, channels: channels, dataType: dataType)
            let png = try PNGChunk.encode(
                values, size: size, channels: channels, dataType: dataType, compressionLevel: 6)
            let image = try PNG.decode(png)
            #expect(image.width == size[0] && image.height == size[1] * size[2])
            #expect(image.channels == channels && image.bitDepth == dataType.size * 8)
            #expect(try PNGChunk.decode(png, size: size, channels: channels, dataType: dataType, path: "c") == values)
        }
    }

    @Test func pngDecodeAcceptsAnyShapeWithTheRightArea() throws {
        let size = [8, 6, 4]
        let values = ImageGolden.values(size: size, channels: 1, dataType: .uint16)
        let png = try PNG.encode(samples: values, width: 48, height: 4, channels: 1, bitDepth: 16, compressionLevel: 6)
        #expect(try PNGChunk.decode(png, size: size, channels: 1, dataType: .uint16, path: "c") == values)
    }

    @Test func pngDecodeErrorsAreBadChunks() throws {
        let size = [8, 6, 4]
        let png = try PNGChunk.encode(
            ImageGolden.values(size: size, channels: 2), size: size, channels: 2, dataType: .uint8, compressionLevel: 6)
        #expect { try PNGChunk.decode(png, size: size, channels: 2, dataType: .uint16, path: "s0/c") } throws: {
            error in
            Self.badChunk(error) && "\(error)".contains("8-bit")
        }
        #expect(
            performing: { try PNGChunk.decode(png, size: size, channels: 1, dataType: .uint8, path: "c") },
            throws: Self.badChunk)
        #expect(
            performing: { try PNGChunk.decode(png, size: [8, 6, 3], channels: 2, dataType: .uint8, path: "c") },
            throws: Self.badChunk)
        #expect(
            performing: {
                try PNGChunk.decode(Array(png.dropLast(5)), size: size, channels: 2, dataType: .uint8, path: "c")
            }, throws: Self.badChunk)
    }

    @Test(arguments: [DataType.int8, .int16, .uint32, .float32, .uint64])
    func pngRefusesOtherDataTypes(dataType: DataType) {
        #expect(performing: { try PNGChunk.checkEncodable(channels: 1, dataType: dataType) }, throws: Self.unsupported)
        #expect(performing: { try PNGChunk.checkEncodable(channels: 5, dataType: .uint8) }, throws: Self.unsupported)
    }

    // MARK: golden datasets for the conformance checks

    @Test("golden datasets decode to the test volume (NPREC_RECORD=1 re-records)", arguments: ImageGolden.datasets)
    func goldenDataset(dataset: ImageGolden.Dataset) throws {
        let record = ProcessInfo.processInfo.environment["NPREC_RECORD"] == "1"
        let root = ImageGolden.golden.appendingPathComponent("datasets").appendingPathComponent(dataset.name)
        if record {
            try? FileManager.default.removeItem(at: root)
            try FileManager.default.createDirectory(
                at: root.appendingPathComponent("s0"), withIntermediateDirectories: true)
            try Data(ImageGolden.info(dataset).utf8).write(to: root.appendingPathComponent("info"))
        }
        for chunk in ImageGolden.chunks(of: dataset) {
            let values = ImageGolden.values(
                size: chunk.size, channels: dataset.channels, origin: chunk.origin, volumeSize: dataset.size,
                dataType: dataset.dataType)
            let encoded = try ImageGolden.encode(values, size: chunk.size, in: dataset)
            let file = root.appendingPathComponent("s0").appendingPathComponent(chunk.name)
            if record { try Data(encoded).write(to: file) }
            let committed = [UInt8](try Data(contentsOf: file))
            #expect(committed == encoded, "\(dataset.name)/\(chunk.name) is stale: re-record with NPREC_RECORD=1")
            let decoded = try ImageGolden.decode(committed, size: chunk.size, in: dataset, path: file.path)
            if dataset.encoding == "png" {
                #expect(decoded == values)
            } else {
                #expect(ImageGolden.psnr(decoded, values) > 35)
            }
        }
    }
}
