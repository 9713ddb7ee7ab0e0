import Foundation
import Testing

@testable import Codecs

@Suite struct JPEGTests {
    /// A smooth image (interleaved when `components` is 3).
    static func smooth(width: Int, height: Int, components: Int) -> [UInt8] {
        var pixels: [UInt8] = []
        pixels.reserveCapacity(width * height * components)
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<components {
                    let v = 120 + 70 * sin(Double(x) / 9 + Double(c)) * cos(Double(y) / 13) + 15 * Double(c)
                    pixels.append(UInt8(v.rounded()))
                }
            }
        }
        return pixels
    }

    static func psnr(_ a: [UInt8], _ b: [UInt8]) -> Double {
        precondition(a.count == b.count)
        let squared = zip(a, b).reduce(0.0) { sum, pair in
            let d = Double(pair.0) - Double(pair.1)
            return sum + d * d
        }
        return squared == 0 ? .infinity : 10 * log10(255 * 255 / (squared / Double(a.count)))
    }

    /// The markers (second byte of each FFxx) up to the first scan, and the frame header's
    /// component sampling factors.
    static func frame(_ jpeg: [UInt8]) -> (markers: [UInt8], sampling: [UInt8], ids: [UInt8]) {
        var markers: [UInt8] = []
        var sampling: [UInt8] = []
        var ids: [UInt8] = []
        var offset = 2
        while offset + 4 <= jpeg.count, jpeg[offset] == 0xff {
            let marker = jpeg[offset + 1]
            markers.append(marker)
            let length = Int(jpeg[offset + 2]) << 8 | Int(jpeg[offset + 3])
            if (0xc0...0xc2).contains(marker) {
                let count = Int(jpeg[offset + 9])
                for i in 0..<count {
                    ids.append(jpeg[offset + 10 + 3 * i])
                    sampling.append(jpeg[offset + 11 + 3 * i])
                }
            }
            if marker == 0xda { break }
            offset += 2 + length
        }
        return (markers, sampling, ids)
    }

    static let sizes: [(width: Int, height: Int)] = [(1, 1), (7, 5), (37, 115), (64, 1024), (4096, 16)]

    @Test("round trip at quality 95 is within loss", arguments: [1, 3], sizes.indices)
    func roundTrip(components: Int, size: Int) throws {
        let (width, height) = Self.sizes[size]
        let pixels = Self.smooth(width: width, height: height, components: components)
        let jpeg = try JPEG.encode(
            pixels: pixels, width: width, height: height, components: components, quality: 95, progressive: true,
            optimizeHuffman: true)
        let decoded = try JPEG.decode(jpeg)
        #expect(decoded.width == width && decoded.height == height && decoded.components == components)
        #expect(Self.psnr(decoded.pixels, pixels) > 35)
    }

    @Test(arguments: [false, true], [false, true])
    func baselineAndProgressive(progressive: Bool, optimize: Bool) throws {
        let pixels = Self.smooth(width: 40, height: 24, components: 3)
        let jpeg = try JPEG.encode(
            pixels: pixels, width: 40, height: 24, components: 3, quality: 90, progressive: progressive,
            optimizeHuffman: optimize)
        let frame = Self.frame(jpeg)
        #expect(frame.markers.contains(progressive ? 0xc2 : 0xc0))
        #expect(frame.markers.first == 0xe0, "a JFIF APP0 header comes first")
        #expect(!frame.markers.contains(0xee), "no Adobe marker: the colour space is YCbCr")
        #expect(frame.ids == [1, 2, 3], "JFIF YCbCr component ids")
        #expect(frame.sampling == [0x11, 0x11, 0x11], "4:4:4, no chroma subsampling")
        #expect(Self.psnr(try JPEG.decode(jpeg).pixels, pixels) > 35)
    }

    @Test func greyscaleHasOneComponent() throws {
        let jpeg = try JPEG.encode(
            pixels: Self.smooth(width: 16, height: 16, components: 1), width: 16, height: 16, components: 1,
            quality: 95, progressive: true, optimizeHuffman: true)
        #expect(Self.frame(jpeg).sampling == [0x11])
    }

    @Test func lowerQualityIsSmaller() throws {
        let pixels = Self.smooth(width: 64, height: 256, components: 1)
        func size(_ quality: Int) throws -> Int {
            try JPEG.encode(
                pixels: pixels, width: 64, height: 256, components: 1, quality: quality, progressive: true,
                optimizeHuffman: true
            ).count
        }
        #expect(try size(50) < size(95))
        #expect(try size(95) < size(100))
    }

    @Test(arguments: [(65536, 1), (1, 65536), (70000, 2)])
    func sidesBeyondTheFormatThrow(width: Int, height: Int) {
        let pixels = [UInt8](repeating: 7, count: width * height)
        #expect {
            try JPEG.encode(
                pixels: pixels, width: width, height: height, components: 1, quality: 95, progressive: true,
                optimizeHuffman: true)
        } throws: { error in
            "\(error)".contains("65535")
        }
    }

    @Test func sidesBeyondLibjpegsLimitThrow() {
        #expect(JPEG.maxSide == 65500)
        let pixels = [UInt8](repeating: 7, count: 65501)
        #expect {
            try JPEG.encode(
                pixels: pixels, width: 65501, height: 1, components: 1, quality: 95, progressive: false,
                optimizeHuffman: false)
        } throws: { error in
            "\(error)".contains("65500")
        }
        #expect(throws: Never.self) {
            try JPEG.encode(
                pixels: [UInt8](repeating: 7, count: 65500), width: 65500, height: 1, components: 1, quality: 95,
                progressive: true, optimizeHuffman: true)
        }
    }

    @Test func badArgumentsThrow() {
        #expect(throws: CodecError.self) {
            try JPEG.encode(
                pixels: [0, 0], width: 1, height: 1, components: 2, quality: 95, progressive: false,
                optimizeHuffman: false)
        }
        for quality in [0, 101] {
            #expect(throws: CodecError.self) {
                try JPEG.encode(
                    pixels: [0], width: 1, height: 1, components: 1, quality: quality, progressive: false,
                    optimizeHuffman: false)
            }
        }
        #expect(throws: CodecError.self) {
            try JPEG.encode(
                pixels: [0, 0], width: 1, height: 1, components: 1, quality: 95, progressive: false,
                optimizeHuffman: false)
        }
        #expect(throws: CodecError.self) {
            try JPEG.encode(
                pixels: [], width: 0, height: 0, components: 1, quality: 95, progressive: false, optimizeHuffman: false)
        }
    }

    @Test(arguments: [false, true])
    func everyTruncationThrows(progressive: Bool) throws {
        let jpeg = try JPEG.encode(
            pixels: Self.smooth(width: 20, height: 12, components: 3), width: 20, height: 12, components: 3,
            quality: 80, progressive: progressive, optimizeHuffman: true)
        for length in 0..<jpeg.count {
            #expect(throws: CodecError.self, "\(length) of \(jpeg.count) bytes") {
                try JPEG.decode(Array(jpeg.prefix(length)))
            }
        }
    }

    @Test func corruptDataThrows() throws {
        let jpeg = try JPEG.encode(
            pixels: Self.smooth(width: 64, height: 64, components: 1), width: 64, height: 64, components: 1,
            quality: 90, progressive: false, optimizeHuffman: true)
        // An end-of-image marker in the middle of the scan.
        var early = jpeg
        early.replaceSubrange(jpeg.count / 2..<jpeg.count / 2 + 2, with: [0xff, 0xd9])
        #expect(throws: CodecError.self) { try JPEG.decode(early) }
        // A frame header with no components.
        var noComponents = jpeg
        let sof = try #require((0..<jpeg.count - 1).first { jpeg[$0] == 0xff && jpeg[$0 + 1] == 0xc0 })
        noComponents[sof + 9] = 0
        #expect(throws: CodecError.self) { try JPEG.decode(noComponents) }
        #expect(throws: CodecError.self) { try JPEG.decode(Array("not a jpeg".utf8)) }
        #expect(throws: CodecError.self) { try JPEG.decode([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) }
        #expect(throws: CodecError.self) { try JPEG.decode([]) }
        #expect(throws: CodecError.self) { try JPEG.decode([0xff, 0xd8, 0xff, 0xd9]) }
    }

    @Test func hugeClaimedSizeThrowsBeforeAllocating() throws {
        var jpeg = try JPEG.encode(
            pixels: Self.smooth(width: 8, height: 8, components: 3), width: 8, height: 8, components: 3,
            quality: 90, progressive: false, optimizeHuffman: false)
        let sof = try #require((0..<jpeg.count - 1).first { jpeg[$0] == 0xff && jpeg[$0 + 1] == 0xc0 })
        jpeg.replaceSubrange(sof + 5..<sof + 9, with: [0xff, 0xdc, 0xff, 0xdc])  // 65500 x 65500
        #expect { try JPEG.decode(jpeg) } throws: { "\($0)".contains("65500 x 65500") }
    }

    @Test func fixturesAreThere() {
        #expect(ImageFixtures.jpegs.count == 4)
    }

    @Test("decodes what PIL wrote as PIL does", arguments: ImageFixtures.jpegs.keys.sorted())
    func fixture(name: String) throws {
        let expect = try #require(ImageFixtures.jpegs[name])
        let decoded = try JPEG.decode(try ImageFixtures.bytes("jpeg", name + ".jpg"))
        #expect(decoded.width == expect.width && decoded.height == expect.height)
        #expect(decoded.components == expect.components)
        // Adobe CMYK is stored inverted: libjpeg returns the stored values, PIL inverts them.
        let want = name == "cmyk" ? expect.pixels.map { 255 - $0 } : expect.pixels
        let worst = zip(decoded.pixels, want).map { abs(Int($0) - $1) }.max() ?? 0
        #expect(worst <= 1)
    }
}
