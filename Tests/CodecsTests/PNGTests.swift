import Foundation
import Testing

@testable import Codecs

/// The image fixtures made by Fixtures/make_image_fixtures.py: small PNGs and JPEGs, and the
/// samples a decoder must return for them.
enum ImageFixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/images")

    struct PNGExpectation: Decodable {
        let width: Int
        let height: Int
        let channels: Int
        let bitDepth: Int
        let samples: [Int]
    }

    struct JPEGExpectation: Decodable {
        let width: Int
        let height: Int
        let components: Int
        let pixels: [Int]
    }

    static func table<T: Decodable>(_ kind: String, as: T.Type) -> [String: T] {
        let url = directory.appendingPathComponent(kind).appendingPathComponent("expected.json")
        guard let data = try? Data(contentsOf: url) else { return [:] }
        return (try? JSONDecoder().decode([String: T].self, from: data)) ?? [:]
    }

    static let pngs = table("png", as: PNGExpectation.self)
    static let jpegs = table("jpeg", as: JPEGExpectation.self)

    static func bytes(_ kind: String, _ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory.appendingPathComponent(kind).appendingPathComponent(name)))
    }

    /// Test samples over the whole range of `bitDepth` (16-bit ones in host order).
    static func pattern(width: Int, height: Int, channels: Int, bitDepth: Int) -> [UInt8] {
        let count = width * height * channels
        if bitDepth == 8 {
            return (0..<count).map { UInt8(truncatingIfNeeded: ($0 / channels) * 7 + ($0 % channels) * 50 + $0 / 97) }
        }
        return hostBytes((0..<count).map { Int(UInt16(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7)) })
    }

    /// Host-order bytes of 16-bit samples.
    static func hostBytes(_ values: [Int]) -> [UInt8] {
        values.map { UInt16($0) }.withUnsafeBytes { Array($0) }
    }
}

@Suite struct PNGTests {
    static let layouts: [(channels: Int, bitDepth: Int)] = [1, 2, 3, 4].flatMap { c in [(c, 8), (c, 16)] }
    static let sizes: [(width: Int, height: Int)] = [(1, 1), (7, 5), (64, 1024), (3, 200)]

    @Test("round trip is exact", arguments: layouts.indices, sizes.indices)
    func roundTrip(layout: Int, size: Int) throws {
        let (channels, bitDepth) = Self.layouts[layout]
        let (width, height) = Self.sizes[size]
        let samples = ImageFixtures.pattern(width: width, height: height, channels: channels, bitDepth: bitDepth)
        let png = try PNG.encode(
            samples: samples, width: width, height: height, channels: channels, bitDepth: bitDepth,
            compressionLevel: 6)
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
        let decoded = try PNG.decode(png)
        #expect(decoded.width == width && decoded.height == height)
        #expect(decoded.channels == channels && decoded.bitDepth == bitDepth)
        #expect(decoded.samples == samples)
    }

    @Test(arguments: [0, 1, 9])
    func compressionLevels(level: Int) throws {
        let samples = ImageFixtures.pattern(width: 50, height: 40, channels: 1, bitDepth: 8)
        let png = try PNG.encode(
            samples: samples, width: 50, height: 40, channels: 1, bitDepth: 8, compressionLevel: level)
        #expect(try PNG.decode(png).samples == samples)
    }

    @Test func sixteenBitSamplesAreBigEndianInTheFile() throws {
        let png = try PNG.encode(
            samples: ImageFixtures.hostBytes([0x1234]), width: 1, height: 1, channels: 1, bitDepth: 16,
            compressionLevel: 6)
        // IHDR: bit depth 16, colour type 0 (grey).
        #expect(png[24] == 16 && png[25] == 0)
        // The only row: its filter byte, then the sample, which every filter leaves as is.
        let idat = try #require(Self.chunk("IDAT", in: png))
        #expect(try Gzip.decompress(idat) == [0, 0x12, 0x34])
    }

    @Test func sidesBeyondLibpngsDefaultLimit() throws {
        let width = 1_100_000
        let samples = (0..<width).map { UInt8(truncatingIfNeeded: $0 / 1000) }
        let png = try PNG.encode(
            samples: samples, width: width, height: 1, channels: 1, bitDepth: 8, compressionLevel: 1)
        let decoded = try PNG.decode(png)
        #expect(decoded.width == width && decoded.samples == samples)
    }

    @Test func fixturesAreThere() {
        #expect(ImageFixtures.pngs.count >= 20)
    }

    @Test(
        "decodes every colour type, bit depth and interlacing without conversion",
        arguments: ImageFixtures.pngs.keys.sorted())
    func fixture(name: String) throws {
        let expect = try #require(ImageFixtures.pngs[name])
        let decoded = try PNG.decode(try ImageFixtures.bytes("png", name + ".png"))
        #expect(decoded.width == expect.width && decoded.height == expect.height)
        #expect(decoded.channels == expect.channels && decoded.bitDepth == expect.bitDepth)
        let samples = expect.bitDepth == 16 ? ImageFixtures.hostBytes(expect.samples) : expect.samples.map { UInt8($0) }
        #expect(decoded.samples == samples)
    }

    @Test func everyTruncationThrows() throws {
        let samples = ImageFixtures.pattern(width: 9, height: 7, channels: 3, bitDepth: 8)
        let png = try PNG.encode(
            samples: samples, width: 9, height: 7, channels: 3, bitDepth: 8, compressionLevel: 6)
        for length in 0..<png.count {
            #expect(throws: CodecError.self, "\(length) of \(png.count) bytes") {
                try PNG.decode(Array(png.prefix(length)))
            }
        }
    }

    @Test func corruptDataThrows() throws {
        let samples = ImageFixtures.pattern(width: 30, height: 20, channels: 1, bitDepth: 8)
        let png = try PNG.encode(
            samples: samples, width: 30, height: 20, channels: 1, bitDepth: 8, compressionLevel: 6)
        var badSignature = png
        badSignature[1] = 0x51
        #expect(throws: CodecError.self) { try PNG.decode(badSignature) }
        var badCRC = png
        badCRC[png.count / 2] ^= 0x5a  // inside IDAT: its CRC no longer matches
        #expect(throws: CodecError.self) { try PNG.decode(badCRC) }
        #expect(throws: CodecError.self) { try PNG.decode(Array("not a png at all".utf8)) }
        #expect(throws: CodecError.self) { try PNG.decode([]) }
    }

    @Test func hugeClaimedSizeThrowsBeforeAllocating() throws {
        // A valid IHDR claiming 100000 x 100000 RGBA 16-bit, with a tiny IDAT.
        var png = try PNG.encode(
            samples: [1, 2], width: 1, height: 1, channels: 1, bitDepth: 16, compressionLevel: 6)
        Self.patchIHDR(&png, width: 100_000, height: 100_000, bitDepth: 16, colourType: 6)
        #expect(throws: CodecError.self) { try PNG.decode(png) }
    }

    @Test func badArgumentsThrow() {
        #expect(throws: CodecError.self) {
            try PNG.encode(samples: [0], width: 1, height: 1, channels: 5, bitDepth: 8, compressionLevel: 6)
        }
        #expect(throws: CodecError.self) {
            try PNG.encode(samples: [0], width: 1, height: 1, channels: 1, bitDepth: 4, compressionLevel: 6)
        }
        #expect(throws: CodecError.self) {
            try PNG.encode(samples: [0], width: 1, height: 1, channels: 1, bitDepth: 8, compressionLevel: 10)
        }
        #expect(throws: CodecError.self) {
            try PNG.encode(samples: [0, 0], width: 1, height: 1, channels: 1, bitDepth: 8, compressionLevel: 6)
        }
        #expect(throws: CodecError.self) {
            try PNG.encode(samples: [], width: 0, height: 1, channels: 1, bitDepth: 8, compressionLevel: 6)
        }
    }

    /// The data of the first chunk of `type`.
    static func chunk(_ type: String, in png: [UInt8]) -> [UInt8]? {
        var offset = 8
        while offset + 8 <= png.count {
            let length = png[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            let name = String(decoding: png[offset + 4..<offset + 8], as: UTF8.self)
            if name == type { return Array(png[offset + 8..<offset + 8 + length]) }
            offset += 12 + length
        }
        return nil
    }

    /// Rewrites the IHDR fields and its CRC.
    static func patchIHDR(_ png: inout [UInt8], width: UInt32, height: UInt32, bitDepth: UInt8, colourType: UInt8) {
        for (i, byte) in withUnsafeBytes(of: width.bigEndian, Array.init).enumerated() { png[16 + i] = byte }
        for (i, byte) in withUnsafeBytes(of: height.bigEndian, Array.init).enumerated() { png[20 + i] = byte }
        png[24] = bitDepth
        png[25] = colourType
        let crc = crc32(png[12..<29])
        for (i, byte) in withUnsafeBytes(of: crc.bigEndian, Array.init).enumerated() { png[29 + i] = byte }
    }

    static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xffff_ffff
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xedb8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
